"""Ranking: pair features, rankers (scikit-learn estimators), their fitting and tuning, explanations,
batch assignment.
"""

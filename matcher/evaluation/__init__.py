"""Evaluation: ranking metrics with intervals, offline evaluation on gold labels, the IR evaluator,
lifecycle outcomes.
"""

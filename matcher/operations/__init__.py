"""Operations (动态管理): project flow, station and base statistics, yearly station evaluation, catalogue
gaps, freshness.
"""

"""The guidance catalogue (导向目录): industries → fields → keywords, its data-directory override and
tagging.
"""

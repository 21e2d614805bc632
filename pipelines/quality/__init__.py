"""The public quality suite: evaluation tasks built from raw public data, run through the real engine.

Raw files are read from ``../shared/eval-data`` (or ``HAIZHI_EVAL_DATA``) and never copied into the
project; each builder documents how its task is made.
"""

"""pandas is for analysts only: the matching and reporting modules import and work without it.

The DataFrames themselves are checked next to their objects (test_evaluate, test_stats, test_gaps).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

WITHOUT_PANDAS = """
import sys

sys.modules["pandas"] = None  # every `import pandas` from here on raises ImportError
import matcher.evaluation.ir_evaluator
import matcher.evaluation.offline
import matcher.operations.gaps
import matcher.ranking.pairs
import matcher.service
from matcher.operations.stats import Period, ScopeStats, StatsReport

report = StatsReport(Period(), stations=[ScopeStats("S1", "一站", "station", demands_posted=2, contacted=1)])
assert report.stations[0].as_dict()["docking_rate"] == 0.5
try:
    report.to_frame()
except ImportError as error:
    print("to_frame:", error)
"""


def test_matching_modules_need_no_pandas_until_a_frame_is_asked_for() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_PANDAS], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "to_frame:" in done.stdout and "pandas" in done.stdout

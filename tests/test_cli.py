"""The ``haizhi`` command end to end, run as a real subprocess on a fresh data directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DEMO_DIR = Path(__file__).resolve().parents[1] / "pipelines" / "demo" / "data"


def haizhi(*args: str, data_dir: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HAIZHI_DATA_DIR": str(data_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"haizhi {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def cli_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("cli")
    haizhi("init", data_dir=data_dir)
    for kind in ("organizations", "sites", "experts", "demands"):
        out = haizhi("import", kind, str(DEMO_DIR / f"{kind}.csv"), data_dir=data_dir).stdout
        assert "inserted" in out
    built = haizhi("build-index", data_dir=data_dir).stdout
    assert "experts: +" in built
    return data_dir


def test_recommend_json(cli_data_dir: Path) -> None:
    out = haizhi(
        "recommend", "需要锂电池固态电解质方面的专家", "-k", "3", "--json", data_dir=cli_data_dir
    ).stdout
    results = json.loads(out)
    assert len(results) == 3 and [r["rank"] for r in results] == [1, 2, 3]
    assert results[0]["explanation"]["text_zh"] and results[0]["explanation"]["text_en"]
    assert "email" not in results[0]["expert"], "contacts are not printed by default"


def test_recommend_filters_and_text_output(cli_data_dir: Path) -> None:
    out = haizhi(
        "recommend",
        "medical imaging deep learning",
        "-k",
        "5",
        "--filter",
        "country=US",
        "--json",
        data_dir=cli_data_dir,
    ).stdout
    assert {r["expert"]["country"] for r in json.loads(out)} == {"US"}
    text = haizhi("recommend", "半导体封装测试", "-k", "2", data_dir=cli_data_dir).stdout
    assert " 1. " in text and "score" in text
    bad = haizhi("recommend", "x", "--filter", "colour=red", data_dir=cli_data_dir, check=False)
    assert bad.returncode != 0 and "colour=red" in bad.stderr


def test_match_writes_jsonl(cli_data_dir: Path, tmp_path: Path) -> None:
    demands = tmp_path / "demands.jsonl"
    demands.write_text(
        json.dumps(
            {"id": "NEW1", "title": "工业废水零排放", "description": "高盐废水膜分离处理技术需求"},
            ensure_ascii=False,
        )
        + "\n"
        + json.dumps(
            {
                "id": "NEW2",
                "title": "Battery recycling",
                "description": "Recover lithium from spent batteries by hydrometallurgy.",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "matches.jsonl"
    haizhi("match", "--demands", str(demands), "--out", str(out), "-k", "4", data_dir=cli_data_dir)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["demand_id"] for line in lines] == ["NEW1", "NEW2"]
    assert all(len(line["expert_ids"]) == 4 and len(line["explanations"]) == 4 for line in lines)
    assert lines[0]["scores"] == sorted(lines[0]["scores"], reverse=True)


def test_import_error_is_reported_and_nothing_written(cli_data_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,country\nX1,Good Person,US\nX2,Bad Country,Atlantis\n", encoding="utf-8")
    result = haizhi("import", "experts", str(bad), data_dir=cli_data_dir, check=False)
    assert result.returncode == 1
    assert "bad.csv:3:country" in result.stderr
    found = haizhi("export", "experts", str(tmp_path / "all.csv"), data_dir=cli_data_dir).stdout
    assert "X1" not in (tmp_path / "all.csv").read_text(encoding="utf-8-sig") and "wrote" in found


def test_evaluate_prints_all_systems(cli_data_dir: Path) -> None:
    out = haizhi("evaluate", "-k", "10", data_dir=cli_data_dir).stdout
    for system in ("bm25", "dense", "fused", "fused+ranker"):
        assert system in out
    for pair in ("zh→zh", "en→en", "zh→en", "en→zh"):
        assert pair in out


def test_dedup_reports_planted_duplicates_and_merges_chains(tmp_path: Path) -> None:
    import csv
    import shutil

    from pipelines.cli.records import merge_plan

    assert sorted(merge_plan([("A", "B"), ("B", "C"), ("D", "E")])) == [("A", "B"), ("A", "C"), ("D", "E")]
    data_dir = tmp_path / "dedup"
    haizhi("init", data_dir=data_dir)
    shutil.copy(DEMO_DIR / "experts.csv", tmp_path / "experts.csv")
    haizhi("import", "experts", str(tmp_path / "experts.csv"), data_dir=data_dir)
    report = haizhi("dedup", data_dir=data_dir).stdout
    with (DEMO_DIR / "duplicates.csv").open(encoding="utf-8") as handle:
        planted = [(row["expert_id_a"], row["expert_id_b"]) for row in csv.DictReader(handle)]
    for a, b in planted:
        assert f"{a} ⇐ {b}" in report or f"{b} ⇐ {a}" in report, (a, b)
    merged = haizhi("dedup", "--merge", data_dir=data_dir).stdout
    assert "merged" in merged
    assert "0 candidate merges" in haizhi("dedup", data_dir=data_dir).stdout

#!/usr/bin/env bash
# Crash-and-resume check of `haizhi build-index` (issue 10, item 4); a measurement, not a test.
#
# Imports N synthetic experts (the generator `haizhi bench` uses) into a fresh data directory, starts
# `haizhi build-index` with 2 embedding workers, kills it with SIGKILL once its embedding progress bar
# passes KILL_AT percent, lists every process of it that is still alive after up to 20 s, then re-runs
# the build and prints its embedding-cache hits and misses (misses = texts embedded again).
#
#   scripts/crash-resume.sh [EXPERTS=20000] [KILL_AT=90] [WORK_DIR=new directory under /tmp]
#
# Output: work dir, the processes at kill time, survivors (should be none), the cache entries the
# checkpoints kept, both wall times, and the re-run's summary line. Logs stay in WORK_DIR.
set -euo pipefail

EXPERTS=${1:-20000}
KILL_AT=${2:-90}
WORK=${3:-$(mktemp -d /tmp/haizhi-crash-resume.XXXXXX)}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/.venv/bin
export HAIZHI_DATA_DIR=$WORK/data HAIZHI_EMBED_WORKERS=2
mkdir -p "$WORK"
cd "$WORK" # away from the checkout's .env
echo "work dir: $WORK"

"$BIN/python" - "$EXPERTS" <<'EOF'
import sys

from matcher.config import Settings
from matcher.store import Store
from pipelines.demo.generator import generate_experts

settings = Settings()
settings.data_dir.mkdir(parents=True, exist_ok=True)
store = Store(settings.resolved_database_url)
store.create_schema()
experts = generate_experts(int(sys.argv[1]))
for start in range(0, len(experts), 5000):
    store.records.upsert("experts", experts[start : start + 5000])
print(f"imported {store.records.count('experts')} synthetic experts into {settings.data_dir}")
EOF

alive() { # a pid that exists and is not a zombie (an orphan's zombie waits for its new parent)
    local state
    state=$(sed -E 's/.*\) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
    [[ -n $state && $state != Z ]]
}
descendants() {
    local child
    for child in $(pgrep -P "$1" || true); do
        echo "$child"
        descendants "$child"
    done
}
progress() { # "done total" of the last progress-bar update in the build's stderr
    tr '\r' '\n' <"$WORK/build-1.err" | grep -oE '[0-9]+/[0-9]+ \[' | tail -1 | tr '/[' '  ' || true
}

started=$(date +%s%N)
"$BIN/haizhi" build-index >"$WORK/build-1.out" 2>"$WORK/build-1.err" &
build=$!
while alive "$build"; do
    read -r done total <<<"$(progress)" || true
    if [[ -n ${total:-} ]] && ((total > 0 && done * 100 >= total * KILL_AT)); then
        break
    fi
    sleep 0.2
done
if ! alive "$build"; then
    echo "the build finished before ${KILL_AT}% of its embedding: use more experts" >&2
    exit 1
fi
pids=$(descendants "$build")
echo "at kill: embedded $done of $total texts; processes of the build:"
ps -o pid,ppid,rss,cmd -p "$build,${pids//$'\n'/,}" | cut -c1-150
kill -9 "$build"
wait "$build" 2>/dev/null || true
killed=$(date +%s%N)
for _ in $(seq 100); do # up to 20 s
    survivors=$(for pid in $pids; do if alive "$pid"; then echo "$pid"; fi; done)
    [[ -z $survivors ]] && break
    sleep 0.2
done
if [[ -n $survivors ]]; then
    echo "SURVIVORS after 20 s:"
    ps -o pid,ppid,rss,cmd -p "${survivors//$'\n'/,}"
else
    echo "survivors: none (checked $(wc -w <<<"$pids") processes)"
fi
"$BIN/python" -c "
from embeddings.cache.store import EmbeddingCache
from matcher.config import Settings
print('cache entries kept by the checkpoints:', EmbeddingCache(Settings().cache_dir).count('use-multilingual-v3'))
"
rerun_started=$(date +%s%N)
"$BIN/haizhi" build-index >"$WORK/build-2.out" 2>"$WORK/build-2.err"
finished=$(date +%s%N)
echo "killed build: $(((killed - started) / 1000000)) ms until the kill; re-run: $(((finished - rerun_started) / 1000000)) ms"
echo "re-run: $(cat "$WORK/build-2.out")"

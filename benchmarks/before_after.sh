#!/bin/bash
# Before/after figures for the architecture refactor (issue 8), interleaved so that outside load on
# the shared machine hits both sides alike: for each round, each benchmark runs on the baseline
# checkout, then on this work tree. One log per run, headed by the time, command and load average.
#
#   benchmarks/before_after.sh BASELINE_DIR [ROUNDS] [LOG_DIR]
#   e.g. benchmarks/before_after.sh /work/baseline 2 /tmp/bench-logs
#
# BASELINE_DIR is a checkout of the code before the refactor (git worktree add BASELINE_DIR 031732a);
# its own benchmarks/ are used for the existing benchmarks (they import its module layout), with
# this tree's .venv. bench_loop_stall.py measures both sides with --code-dir. Each run is capped at
# 10 minutes. BENCHES limits the set, e.g. BENCHES="loop_stall http".
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BASE=$(cd "${1:?usage: before_after.sh BASELINE_DIR [ROUNDS] [LOG_DIR]}" && pwd)
ROUNDS=${2:-2}
LOGS=${3:-/tmp/bench-logs}
PY=$ROOT/.venv/bin/python
mkdir -p "$LOGS"
[ -e "$BASE/.venv" ] || ln -s "$ROOT/.venv" "$BASE/.venv"  # the baseline's common.py runs BASE/.venv/bin/python

for round in $(seq 1 "$ROUNDS"); do
  for bench in ${BENCHES:-loop_stall store http live}; do
    for side in baseline after; do
      if [ "$side" = baseline ]; then code=$BASE; else code=$ROOT; fi
      case $bench in
        loop_stall) cmd=("$PY" "$ROOT/benchmarks/bench_loop_stall.py" --code-dir "$code") ;;
        store) cmd=("$PY" "$code/benchmarks/bench_store.py") ;;
        http) cmd=("$PY" "$code/benchmarks/bench_http.py") ;;
        live) cmd=("$PY" "$code/benchmarks/bench_live.py" --clients 200 1000) ;;
      esac
      log=$LOGS/$side-$bench-$round.txt
      {
        echo "### $(date -u +%FT%TZ) load average: $(cut -d' ' -f1-3 /proc/loadavg)"
        echo "### command: PYTHONPATH=$code ${cmd[*]}"
      } > "$log"
      start=$(date +%s)
      PYTHONPATH=$code timeout 600 "${cmd[@]}" >> "$log" 2>&1
      echo "### exit $? after $(( $(date +%s) - start )) s; load average: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$log"
      echo "$log"
    done
  done
done

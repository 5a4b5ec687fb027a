#!/usr/bin/env bash
# Benchmark (not a test): `wxmsg validate DIR` over a generated tree of fixture files.
#
# Builds the release binary, writes N files (default 10,000) by cycling through the
# payload fixtures in fixtures/<platform>/ (100 per directory, each file's CreateTime
# or send_time nudged so no two files are identical), then times RUNS (default 5)
# calls after one warm-up call and prints the median wall-clock time (and CPU
# time). Uses hyperfine when it is installed.
#
#   bash bench/validate-tree.sh              # 10,000 files, 5 runs
#   N=50000 RUNS=3 bash bench/validate-tree.sh
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-10000}
RUNS=${RUNS:-5}

cargo build --release --quiet
BIN="$(pwd)/${CARGO_TARGET_DIR:-target}/release/wxmsg"
case "${CARGO_TARGET_DIR:-}" in /*) BIN="$CARGO_TARGET_DIR/release/wxmsg" ;; esac

TREE=$(mktemp -d "${TMPDIR:-/tmp}/wxmsg-bench.XXXXXX")
trap 'rm -rf "$TREE"' EXIT

# Load every fixture once; shell builtins only below, so writing 10,000 files does
# not spawn 10,000 processes.
sources=()
names=()
for f in fixtures/miniprogram/* fixtures/official-account/* fixtures/wecom-kf/* fixtures/devmode/*; do
  case "$f" in *.json | *.xml) ;; *) continue ;; esac
  content="$(cat "$f"; printf x)"
  sources+=("${content%x}")
  names+=("$(basename "$(dirname "$f")")-$(basename "$f")")
done
count=${#sources[@]}

for ((i = 0; i < N; i++)); do
  k=$((i % count))
  dir="$TREE/d$((i / 100))"
  [[ -d "$dir" ]] || mkdir -p "$dir"
  body="${sources[$k]}"
  # Nudge the timestamp (same digit count) so files differ but stay valid.
  stamp=$((1700000000 + i))
  body="${body/1[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]/$stamp}"
  printf '%s' "$body" > "$dir/$i-${names[$k]}"
done

files=$(find "$TREE" -type f | wc -l | tr -d ' ')
cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')
echo "tree: $files files from $count fixtures; $cores cores; $("$BIN" --version)"

# The tree must pass, or the figure would time the wrong thing. This is also the
# warm-up run (page cache, first-touch costs).
"$BIN" validate --quiet "$TREE" | tail -1

if command -v hyperfine > /dev/null; then
  hyperfine --warmup 1 --runs "$RUNS" --export-json "$TREE/h.json" \
    "$BIN validate --quiet $TREE"
  median=$(grep -o '"median": *[0-9.e-]*' "$TREE/h.json" | head -1 | sed 's/.*: *//')
  awk -v s="$median" 'BEGIN { printf "median: %.0f ms\n", s * 1000 }'
  exit 0
fi

# Wall-clock time from `date`, CPU time (user + sys) from bash's `time`: on a
# busy machine the wall time grows with the load, the CPU time does not.
walls=()
cpus=()
for ((r = 0; r < RUNS; r++)); do
  start=$(date +%s%N)
  cpu=$( { TIMEFORMAT='%U %S'; time "$BIN" validate --quiet "$TREE" > /dev/null; } 2>&1 )
  end=$(date +%s%N)
  walls+=($(((end - start) / 1000000)))
  cpus+=($(awk -v t="$cpu" 'BEGIN { split(t, a, " "); printf "%d", (a[1] + a[2]) * 1000 }'))
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$(($# / 2 + 1))p"; }
echo "wall (ms): ${walls[*]}"
echo "cpu  (ms): ${cpus[*]}"
echo "median: $(median "${walls[@]}") ms wall, $(median "${cpus[@]}") ms CPU for $files files"

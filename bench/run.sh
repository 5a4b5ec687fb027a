#!/usr/bin/env bash
# Benchmark (not a test): wxmsg against a cost floor and against jq / jaq / xq.
#
# Builds the release binary and the floor (bench/floor: serde_json checking each
# NDJSON line into IgnoredAny), generates corpora with bench/gen.py, times every
# operation paired with the floor (operation, floor, operation, floor, ...) and
# prints a Markdown table of ratios to the floor (median of the per-pair ratios,
# per byte; 1.0 = the cost of merely checking the JSON), peak memory, and the
# same ratios for jq, jaq and xq when they are installed.
#
#   bash bench/run.sh              # 100 MB corpora, 5 pairs per row
#   bash bench/run.sh --quick      # 10 MB corpora, 3 pairs (start-up weighs more:
#                                  # compare only runs made at the same size)
#   MB=50 RUNS=7 bash bench/run.sh
#
# Needs Python 3 and a Rust toolchain; GNU time (`time` package) for peak memory.
# Corpora are cached in $DATA (default ${TMPDIR:-/tmp}/wxmsg-bench); the table is
# also written to $DATA/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."

MB=${MB:-100}
RUNS=${RUNS:-5}
SEED=${SEED:-7}
XQ_MB=${XQ_MB:-10}
if [[ "${1:-}" == "--quick" ]]; then
  MB=10
  RUNS=3
fi
DATA=${DATA:-${TMPDIR:-/tmp}/wxmsg-bench}
mkdir -p "$DATA"

# ---- build -------------------------------------------------------------------
cargo build --release --quiet
TARGET=${CARGO_TARGET_DIR:-target}
case "$TARGET" in /*) ;; *) TARGET="$(pwd)/$TARGET" ;; esac
BIN="$TARGET/release/wxmsg"
CARGO_TARGET_DIR="$TARGET/bench-floor" cargo build --release --quiet \
  --manifest-path bench/floor/Cargo.toml
FLOOR="$TARGET/bench-floor/release/wxmsg-bench-floor"

# ---- corpora -----------------------------------------------------------------
# Cached by kind, size, seed and a checksum of the generator.
GEN_SUM=$(cksum < bench/gen.py | cut -d' ' -f1)
corpus() { # kind mb -> path
  local f="$DATA/wx-$1-$2mb-s$SEED-g$GEN_SUM.$1"
  if [[ ! -s "$f" ]]; then
    python3 bench/gen.py "$1" --mb "$2" --seed "$SEED" -o "$f.tmp"
    mv "$f.tmp" "$f"
  fi
  echo "$f"
}
NDJSON=$(corpus ndjson "$MB")
XML=$(corpus xml "$MB")
LOG=$(corpus log "$MB")
SMALL_XML=$(corpus xml "$XQ_MB")
SMALL_NDJSON=$(corpus ndjson "$XQ_MB")
WRAPPED="$SMALL_XML.wrapped"
[[ -s "$WRAPPED" ]] || { echo "<docs>"; cat "$SMALL_XML"; echo "</docs>"; } > "$WRAPPED"
ONE="$DATA/one.json"
head -n 1 "$NDJSON" > "$ONE"
OUT="$DATA/out.txt"
size() { wc -c < "$1" | tr -d ' '; }

# ---- helpers -----------------------------------------------------------------
field() { python3 -c 'import json,sys; v=json.load(sys.stdin).get(sys.argv[1]); print("-" if v is None else v)' "$1"; }
fmt() { [[ "$1" == "-" ]] && echo "-" || awk -v x="$1" 'BEGIN { printf "%.2f", x }'; }
mib() { [[ "$1" == "-" ]] && echo "-" || awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
# Paired against the floor on an NDJSON corpus: prints the timer's JSON.
vs_floor() { # input floor_input command...
  local input=$1 floor_in=$2
  shift 2
  python3 bench/timer.py --runs "$RUNS" --bytes "$(size "$input")" \
    --base-bytes "$(size "$floor_in")" --base "exec $FLOOR < $floor_in" "$*"
}
ratio_of() { local j; j=$(vs_floor "$@"); echo "$j" | field ratio; }
peer() { command -v "$1" > /dev/null 2>&1; }
XQ=""
for x in xq xq-python; do peer "$x" && XQ=$x && break; done

ONE_THREAD="env WXMSG_THREADS=1"
rows=()
row() { rows+=("| $1 | $2 | $3 | $4 | $5 | $6 | $7 | $8 |"); }

echo "wxmsg bench: ${MB} MB corpora, $RUNS pairs per row, $(getconf _NPROCESSORS_ONLN) cores, $("$BIN" --version)" >&2
echo "floor alone: $(python3 bench/timer.py --runs "$RUNS" "exec $FLOOR < $NDJSON" | field wall) s for $(size "$NDJSON") B" >&2

# validate over NDJSON
j=$(vs_floor "$NDJSON" "$NDJSON" "exec $ONE_THREAD $BIN validate --quiet $NDJSON > /dev/null")
row "\`validate\` NDJSON" "≤ 1.5" "$(fmt "$(echo "$j" | field ratio)")" "$(mib "$(echo "$j" | field rss_kib)")" "-" "-" "-" \
  "single file, one thread"

# the same with a field no catalogue lists in every payload: WeChat adds fields
# before catalogues do, and then every payload of a log carries a warning
DRIFTED="$NDJSON.drifted"
[[ -s "$DRIFTED" ]] || sed 's/^{/{"NewField":1,/' "$NDJSON" > "$DRIFTED"
j=$(vs_floor "$DRIFTED" "$NDJSON" "exec $ONE_THREAD $BIN validate --quiet $DRIFTED > /dev/null")
row "\`validate\` NDJSON, an unknown field in every payload" "(not a target row)" "$(fmt "$(echo "$j" | field ratio)")" "$(mib "$(echo "$j" | field rss_kib)")" "-" "-" "-" \
  "one \`unknown-field\` warning per payload"

# the same with numbers written as strings, as a developer-mode relay writes
# the official account's CreateTime and MsgId: type-variant warnings (on
# messages only: in some events and in the relay's own payloads a string there
# is a type error)
RELAYED="$NDJSON.relayed"
[[ -s "$RELAYED" ]] || sed -E '/App_Type|"Event"/!s/"(CreateTime|MsgId)":([0-9]+)/"\1":"\2"/g' "$NDJSON" > "$RELAYED"
j=$(vs_floor "$RELAYED" "$NDJSON" "exec $ONE_THREAD $BIN validate --quiet $RELAYED > /dev/null")
row "\`validate\` NDJSON, numbers as strings (relay style)" "(not a target row)" "$(fmt "$(echo "$j" | field ratio)")" "$(mib "$(echo "$j" | field rss_kib)")" "-" "-" "-" \
  "\`CreateTime\`/\`MsgId\` as strings in 3 payloads of 10: \`type-variant\` warnings"

# parse --format json over NDJSON, with peers doing `-c .`
j=$(vs_floor "$NDJSON" "$NDJSON" "exec $ONE_THREAD $BIN parse --format json < $NDJSON > /dev/null")
jq_r="-"; jaq_r="-"
peer jq && jq_r=$(fmt "$(ratio_of "$NDJSON" "$NDJSON" "exec jq -c . < $NDJSON > /dev/null")")
peer jaq && jaq_r=$(fmt "$(ratio_of "$NDJSON" "$NDJSON" "exec jaq -c . < $NDJSON > /dev/null")")
row "\`parse --format json\` NDJSON" "≤ 2.5" "$(fmt "$(echo "$j" | field ratio)")" "$(mib "$(echo "$j" | field rss_kib)")" "$jq_r" "$jaq_r" "-" \
  "peers: \`-c .\`"
single_rss=$(echo "$j" | field rss_kib)

# parse --format json over an application log
j=$(vs_floor "$LOG" "$NDJSON" "exec $ONE_THREAD $BIN parse --format json < $LOG > /dev/null")
row "\`parse --format json\` log" "≤ 3" "$(fmt "$(echo "$j" | field ratio)")" "$(mib "$(echo "$j" | field rss_kib)")" "-" "-" "-" \
  "payloads after a prefix, 1/3 noise lines"

# `parse --format json` over a corpus made from the NDJSON one by the Python
# filter $2 (stdin to stdout), cached as $NDJSON.$1; ratios per byte.
derived_row() { # suffix filter label note
  local f="$NDJSON.$1" j
  [[ -s "$f" ]] || python3 -c "$2" < "$NDJSON" > "$f"
  j=$(vs_floor "$f" "$NDJSON" "exec $ONE_THREAD $BIN parse --format json < $f > /dev/null")
  row "\`parse --format json\` $3" "(not a target row)" "$(fmt "$(echo "$j" | field ratio)")" "$(mib "$(echo "$j" | field rss_kib)")" "-" "-" "-" "$4"
}

# the same payloads pretty-printed over many lines, as fixture files and
# `console.log(JSON.stringify(body, null, 2))` write them
derived_row pretty '
import json, sys
for line in sys.stdin:
    line = line.strip()
    try:
        print(json.dumps(json.loads(line), indent=2, ensure_ascii=False))
    except ValueError:
        print(line)
' "pretty-printed JSON" "the NDJSON corpus indented by two spaces, per byte"

# a structured log: each payload as a string field of a JSON log line
derived_row jsonlog '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if line:
        print(json.dumps({"ts": "2023-12-16T16:48:27.123Z", "level": "info",
                          "logger": "wx.callback", "msg": "received push", "body": line},
                         ensure_ascii=False))
' "JSON log, payloads in a string field" \
  "\`{\"level\":…,\"body\":\"{\\\"ToUserName\\\":…}\"}\`, per byte"

# a container runtime's log (`docker logs`): each line the application wrote,
# a prefix and the payload, is the string `log` of a JSON line
derived_row dockerlog '
import json, sys
for i, line in enumerate(sys.stdin):
    line = line.strip()
    if line:
        print(json.dumps({"log": "2023-12-16 16:48:27.%03d INFO [wx.callback] received payload: %s\n" % (i % 1000, line),
                          "stream": "stdout", "time": "2023-12-16T08:48:27.%09dZ" % i},
                         ensure_ascii=False, separators=(",", ":")))
' "container log, payloads after a prefix in a string field" \
  "\`{\"log\":\"… received payload: {\\\"ToUserName\\\":…}\\n\",\"stream\":…}\`, per byte"

# convert --to json over XML; xq on a smaller corpus (it holds everything in memory)
j=$(vs_floor "$XML" "$NDJSON" "exec $ONE_THREAD $BIN convert --to json < $XML > /dev/null")
xq_r="-"; xq_note=""
if [[ -n "$XQ" ]]; then
  xq_r=$(fmt "$(ratio_of "$WRAPPED" "$SMALL_NDJSON" "exec $XQ -c '.docs.xml[]' < $WRAPPED > /dev/null")")
  vs=$(python3 bench/timer.py --runs "$RUNS" --base "exec $ONE_THREAD $BIN convert --to json < $SMALL_XML > /dev/null" \
    "exec $XQ -c '.docs.xml[]' < $WRAPPED > /dev/null" | field ratio)
  xq_note="xq on ${XQ_MB} MB: $(fmt "$vs")× wxmsg's time on the same documents"
fi
row "\`convert --to json\` XML" "≤ 3, ≥ 30× faster than xq" "$(fmt "$(echo "$j" | field ratio)")" "$(mib "$(echo "$j" | field rss_kib)")" "-" "-" "$xq_r" \
  "$xq_note"

# pretty output to a file (the annotated report), peers: `jq .` / `jaq .`
j=$(vs_floor "$NDJSON" "$NDJSON" "exec $ONE_THREAD $BIN parse --color never < $NDJSON > $OUT")
TABLES="$DATA/tables.out"
cp "$OUT" "$TABLES"
jq_r="-"; jaq_r="-"
peer jq && jq_r=$(fmt "$(ratio_of "$NDJSON" "$NDJSON" "exec jq . < $NDJSON > $OUT")")
peer jaq && jaq_r=$(fmt "$(ratio_of "$NDJSON" "$NDJSON" "exec jaq . < $NDJSON > $OUT")")
row "pretty output to a file (\`parse\`)" "≤ 5 (jaq . 17.8)" "$(fmt "$(echo "$j" | field ratio)")" "$(mib "$(echo "$j" | field rss_kib)")" "$jq_r" "$jaq_r" "-" \
  "annotated field tables; peers: \`.\`"
# Where that time goes: the same rendering written to /dev/null, and the
# kernel storing the very bytes it wrote (`cat` of that output from the page
# cache into the same file) with no rendering at all.
j=$(vs_floor "$NDJSON" "$NDJSON" "exec $ONE_THREAD $BIN parse --color never < $NDJSON > /dev/null")
row "  the same, to \`/dev/null\`" "(not a target row)" "$(fmt "$(echo "$j" | field ratio)")" "$(mib "$(echo "$j" | field rss_kib)")" "-" "-" "-" \
  "rendering without storing"
j=$(vs_floor "$NDJSON" "$NDJSON" "exec cat $TABLES > $OUT")
row "  storing its bytes alone (\`cat\` into a file)" "(not a target row)" "$(fmt "$(echo "$j" | field ratio)")" "-" "-" "-" "-" \
  "$(awk -v o="$(size "$TABLES")" -v i="$(size "$NDJSON")" 'BEGIN { printf "%.2f", o / i }') bytes out per byte in; no rendering"
rm -f "$TABLES"
j=$(vs_floor "$NDJSON" "$NDJSON" "exec $ONE_THREAD $BIN convert --to json --pretty < $NDJSON > $OUT")
row "pretty JSON to a file (\`convert --pretty\`)" "≤ 5 (jaq . 17.8)" "$(fmt "$(echo "$j" | field ratio)")" "$(mib "$(echo "$j" | field rss_kib)")" "$jq_r" "$jaq_r" "-" \
  "indented JSON, like \`jq .\`"

# both cores on one input: the single-thread time over the two-thread time
j=$(python3 bench/timer.py --runs "$RUNS" --base "exec $ONE_THREAD $BIN parse --format json < $NDJSON > /dev/null" \
  "exec env WXMSG_THREADS=2 $BIN parse --format json < $NDJSON > /dev/null")
speedup=$(awk -v r="$(echo "$j" | field ratio)" 'BEGIN { printf "%.2f", 1 / r }')
row "2 cores, one input (\`parse --format json\`)" "≥ 1.6× one thread" "${speedup}× one thread" "$(mib "$(echo "$j" | field rss_kib)")" "-" "-" "-" \
  "order kept; same bytes as one thread"
j=$(python3 bench/timer.py --runs "$RUNS" --base "exec $ONE_THREAD $BIN validate $NDJSON > /dev/null" \
  "exec env WXMSG_THREADS=2 $BIN validate $NDJSON > /dev/null")
speedup=$(awk -v r="$(echo "$j" | field ratio)" 'BEGIN { printf "%.2f", 1 / r }')
row "2 cores, one input (\`validate\`, human format)" "≥ 1.6× one thread" "${speedup}× one thread" "$(mib "$(echo "$j" | field rss_kib)")" "-" "-" "-" \
  "same report as one thread"

# peak memory on a 10× larger input (the corpus concatenated)
BIG="$DATA/big.ndjson"
for _ in 1 2 3 4 5 6 7 8 9 10; do cat "$NDJSON"; done > "$BIG"
j=$(python3 bench/timer.py --runs 1 "exec $BIN parse --format json < $BIG > /dev/null")
big_rss=$(echo "$j" | field rss_kib)
j1=$(python3 bench/timer.py --runs 1 "exec $ONE_THREAD $BIN parse --format json < $BIG > /dev/null")
rm -f "$BIG"
row "peak memory, $((MB * 10)) MB input" "flat, ≤ 16 MiB at 1 GB" "$(mib "$big_rss") MiB (1 thread: $(mib "$(echo "$j1" | field rss_kib)"))" "-" "-" "-" "-" \
  "${MB} MB, 1 thread: $(mib "$single_rss") MiB"

# start-up on one small file, against cat
j=$(python3 bench/timer.py --runs $((RUNS * 6)) --base "exec cat $ONE > /dev/null" "exec $BIN parse --format json $ONE > /dev/null")
startup=$(python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print("%.1f" % ((j["wall"] - j["base_wall"]) * 1000))' "$j")
row "one small file (start-up)" "within 2 ms of \`cat\`" "+${startup} ms" "$(mib "$(echo "$j" | field rss_kib)")" "-" "-" "-" \
  "$(size "$ONE") B, median of $((RUNS * 6)) pairs"

# validate of 10,000 fixture files
tree=$(RUNS=$RUNS bash bench/validate-tree.sh 2>/dev/null | grep '^median:' | sed 's/^median: //')
row "\`validate\` 10,000 fixture files" "≤ 0.5 s" "$tree" "-" "-" "-" "-" "bench/validate-tree.sh, all cores"

{
  echo "| operation | target (ratio to floor) | wxmsg | peak MiB | jq | jaq | xq | notes |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} | tee "$DATA/results.md"

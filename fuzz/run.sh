#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600) each, seeded from the
# project's fixtures, on stable Rust (RUSTC_BOOTSTRAP=1 unlocks the sanitizer
# flags cargo-fuzz needs). Crashes land in fuzz/artifacts/<target>/; copy each
# into tests/corpus/fuzz-regressions/ with an .expect file once fixed.
#
#   bash fuzz/run.sh            # 10 minutes per target
#   bash fuzz/run.sh 60 json    # one target for a minute
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list 2>/dev/null || ls fuzz_targets | sed 's/\.rs$//')
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  # Seed each corpus with the bundled fixtures and malformed cases.
  find ../fixtures ../tests/corpus -type f \( -name '*.json' -o -name '*.xml' -o -name '*.log' -o -name '*.txt' -o -name '*.ndjson' \) \
    -size -64k -exec cp -n {} "corpus/$t/" \; 2>/dev/null || true
  echo "== $t for ${secs}s"
  # A crash ends that target's run, not the others'.
  cargo fuzz run "$t" "corpus/$t" -- -max_total_time="$secs" -max_len=16384 -rss_limit_mb=2048 2>&1 \
    | grep -E '^#[0-9]+.*DONE|Done [0-9]+ runs|ERROR|SUMMARY|panicked|^error' | tail -3 || true
done

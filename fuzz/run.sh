#!/usr/bin/env bash
# Run every fuzz target for SECONDS each (default 60) from its seed corpus
# in fuzz/corpus/NAME, keeping new inputs in a scratch copy. A crash, leak or
# timeout fails the run and leaves the reproducer in fuzz/artifacts/.
#   fuzz/run.sh [SECONDS]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
bin=$top/fuzz/bin
"$top/fuzz/build.sh" "$bin" >/dev/null
mkdir -p "$top/fuzz/artifacts"
status=0
for target in "$bin"/fuzz_*; do
	name=$(basename "$target" | sed 's/^fuzz_//')
	work=$(mktemp -d)
	cp -r "$top/fuzz/corpus/$name/." "$work/"
	echo "== $name: ${seconds}s"
	if ! "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$top/fuzz/artifacts/$name-" -print_final_stats=1 "$work" 2>"$work.log"; then
		status=1
		tail -n 40 "$work.log"
	fi
	grep -E '^stat::number_of_executed_units|^Done' "$work.log" || true
	rm -rf "$work" "$work.log"
done
exit $status

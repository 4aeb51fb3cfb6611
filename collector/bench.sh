#!/usr/bin/env bash
# bench.sh: how fast `lineup collect` reads a results tree, against `cat`
# of the same files with the page cache warm, and what the incremental
# cache saves on a re-collect. Called by `make bench`.
#
#   collector/bench.sh [RUNS] [LINES]     (default 2000 runs x 400 stats lines, about 230 MB)
set -euo pipefail

runs="${1:-2000}"
lines="${2:-400}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/lineup-bench.XXXXXX")"
trap 'rm -rf -- "$tmp"' EXIT

cd "$repo"
go build -o "$tmp/lineup" ./cmd/lineup
go build -o "$tmp/synthtree" ./collector/internal/synthtree/cmd/synthtree
echo "generating ${runs} runs x ${lines} stats lines in $tmp/tree ..."
"$tmp/synthtree" -out "$tmp/tree" -runs "$runs" -lines "$lines"
find "$tmp/tree" -type f -print0 >"$tmp/files"
size_mb=$(du -sm "$tmp/tree" | cut -f1)
echo "tree: $(tr -cd '\0' <"$tmp/files" | wc -c) files, ${size_mb} MB"

# Warm the page cache so both sides read from memory.
xargs -0 cat <"$tmp/files" >/dev/null
xargs -0 cat <"$tmp/files" >/dev/null

now() { date +%s.%N; }
elapsed() { # command... -> seconds, best of 3
	local best=""
	for _ in 1 2 3; do
		local t0 t1 d
		t0=$(now)
		"$@" >/dev/null
		t1=$(now)
		d=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
		if [ -z "$best" ] || awk -v d="$d" -v b="$best" 'BEGIN { exit !(d < b) }'; then best=$d; fi
	done
	echo "$best"
}

catfiles() { xargs -0 cat <"$tmp/files"; }
cold() { "$tmp/lineup" collect -root "$tmp/tree" -out "$tmp/out-cold" -no-cache -force -q -id bench; }
prime() { "$tmp/lineup" collect -root "$tmp/tree" -out "$tmp/out-cache" -force -q -id bench; }
warm() { "$tmp/lineup" collect -root "$tmp/tree" -out "$tmp/out-cache" -force -q -id bench; }

t_cat=$(elapsed catfiles)
t_cold=$(elapsed cold)
prime >/dev/null
t_warm=$(elapsed warm)

awk -v c="$t_cat" -v l="$t_cold" -v w="$t_warm" -v mb="$size_mb" 'BEGIN {
	printf "cat of the tree:             %8.3f s  (%.0f MB/s)\n", c, mb / c
	printf "lineup collect (no cache):   %8.3f s  (%.0f MB/s)\n", l, mb / l
	printf "lineup collect (cached):     %8.3f s\n", w
	printf "collect / cat ratio:         %8.2f x  (target <= 1.5)\n", l / c
	printf "cached / cold ratio:         %8.1f %%  (target < 5)\n", 100 * w / l
}'

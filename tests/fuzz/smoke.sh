#!/bin/sh
# smoke.sh: run every libFuzzer target for a short, bounded time on a copy of
# its seed corpus, and print TAP (one test per target) for CI to count.
#
#   cd BUILD && sh SRCDIR/tests/fuzz/smoke.sh [BUILD]
#
# BUILD is a build directory configured with CC=clang --enable-fuzzing (the
# current directory by default). FUZZ_SECONDS changes the time per target
# (10). Exits non-zero if a target is missing or finds a crash; the input
# that crashed is kept and its path printed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$(pwd)}
seconds=${FUZZ_SECONDS:-10}
targets="fuzz_ws fuzz_http fuzz_proto fuzz_fetch fuzz_ipc fuzz_icy"

set -- $targets
echo "1..$#"
n=0
status=0
for t in $targets; do
	n=$((n + 1))
	bin=$build/tests/fuzz/$t
	if [ ! -x "$bin" ]; then
		echo "not ok $n - $t # not built in $build (configure CC=clang --enable-fuzzing)"
		status=1
		continue
	fi
	work=$(mktemp -d "${TMPDIR:-/tmp}/cg-$t.XXXXXX") || exit 1
	mkdir "$work/corpus" "$work/crash"
	if [ -d "$here/corpus/$t" ]; then
		cp "$here/corpus/$t/"* "$work/corpus/" 2>/dev/null
	fi
	set --
	if [ -f "$here/$t.dict" ]; then
		set -- "-dict=$here/$t.dict"
	fi
	if "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
	    -print_final_stats=1 -artifact_prefix="$work/crash/" "$@" "$work/corpus" \
	    >"$work/log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
		echo "ok $n - $t (${runs:-?} runs in ${seconds}s)"
		rm -rf "$work"
	else
		echo "not ok $n - $t"
		grep -E 'ERROR|SUMMARY|invariant failed|runtime error|#[0-9]+ 0x' "$work/log" |
		    head -12 | sed 's/^/# /'
		for f in "$work"/crash/*; do
			[ -f "$f" ] && echo "# crashing input kept: $f (replay: $bin $f)"
		done
		echo "# full log: $work/log"
		status=1
	fi
done
exit $status

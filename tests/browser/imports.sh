#!/bin/sh
# imports.sh: the web client's module graph, as TAP (scripts/check-imports.mjs,
# issue 16): first the checker on small trees made to hold an import cycle, a
# self-import or an upward import (it must catch each), then www/ itself, which
# must have no import cycle and keep the layer order of docs/decisions.md
# ("Layout: the web client"). Skips without node.
set -u
root=${CG_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
tool=$root/scripts/check-imports.mjs
if ! command -v node >/dev/null 2>&1; then
	echo "1..0 # SKIP node missing"
	exit 0
fi
echo "1..10"
n=0
out=""
rc=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cg-imports.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# run ARGS...: the checker's output in $out, its exit status in $rc.
run() {
	out=$(node "$tool" "$@" 2>&1)
	rc=$?
}

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=1
	echo "not ok $n - $1"
	printf '%s\n' "$out" | sed 's/^/# /'
}

# status WANT DESCRIPTION
status() {
	if [ "$rc" -eq "$1" ]; then ok "$2 (exit $1)"; else not_ok "$2: exit $rc, not $1"; fi
}

# has LINE DESCRIPTION: the output holds exactly this line.
has() {
	if printf '%s\n' "$out" | grep -F -x -q -e "$1"; then ok "$2"; else not_ok "$2: no line '$1'"; fi
}

# A tree with one cycle through two folders (a multi-line import, an export
# from), a module importing itself, and a JSDoc type import and a dynamic
# import, which are not imports.
mkdir -p "$tmp/ring/low" "$tmp/ring/high"
cat >"$tmp/ring/low/a.js" <<'EOF'
/** @typedef {import('../high/c.js').C} C */
import {
  b,
} from './b.js';
export const a = () => b;
EOF
cat >"$tmp/ring/low/b.js" <<'EOF'
// import { c } from '../high/c.js';  (a comment, not an import)
export { c as b } from '../high/c.js';
EOF
cat >"$tmp/ring/high/c.js" <<'EOF'
import { a } from '../low/a.js';
export const c = 1;
export const later = () => import('../main.js');
EOF
cat >"$tmp/ring/main.js" <<'EOF'
import './main.js';
import { a } from './low/a.js';
a();
EOF
run --root "$tmp/ring"
status 1 "a tree with import cycles fails"
has "cycle: high/c.js -> low/a.js -> low/b.js -> high/c.js" "the cycle through two folders is printed as a closed path"
has "cycle: main.js -> main.js" "a module importing itself is a cycle"

# The same tree without the cycles, and a layer order it breaks.
rm "$tmp/ring/high/c.js"
printf '%s\n' "export const c = 1;" >"$tmp/ring/high/c.js"
printf '%s\n' "import { a } from './low/a.js';" "a();" >"$tmp/ring/main.js"
run --root "$tmp/ring"
status 0 "the tree without its cycles passes"
run --root "$tmp/ring" --layers "low,high,main.js"
status 1 "an import from a lower layer up to a higher one fails"
has "upward: low/b.js (low) -> high/c.js (high)" "the upward import is printed"
run --root "$tmp/ring" --layers "low,main.js"
has "unlayered: high/c.js" "a module in no layer is printed"

# The web client itself.
run --root "$root/www"
status 0 "www/ has no import cycle"
run --root "$root/www" --layers default
status 0 "www/ keeps the layer order of docs/decisions.md (no upward import)"
if printf '%s\n' "$out" | grep -q '^ok: [0-9][0-9]* modules'; then
	ok "www/ was read: $(printf '%s\n' "$out" | tail -1)"
else
	not_ok "www/ was read"
fi
exit $failed

#!/bin/sh
# check.sh: scripts/check-layering, as TAP: first on small trees made to hold
# (or not) circles between parts, then on core/ itself, which must have no
# circle between its part folders (issue 16). Skips without python3.
set -u
root=${CG_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
tool=$root/scripts/check-layering
fx=$root/tests/layering/fixtures
if ! command -v python3 >/dev/null 2>&1; then
	echo "1..0 # SKIP python3 missing (apt-get install python3)"
	exit 0
fi
echo "1..22"
n=0
out=""
rc=0

# run ARGS...: the checker's output in $out, its exit status in $rc.
run() {
	out=$(python3 "$tool" "$@" 2>&1)
	rc=$?
}

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
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

# lacks TEXT DESCRIPTION: no line of the output holds this text.
lacks() {
	if printf '%s\n' "$out" | grep -F -q -e "$1"; then not_ok "$2: '$1' printed"; else ok "$2"; fi
}

run "$fx/flat"
status 0 "a flat tree has one part, so no error"
has "  3 modules: a.c b.c c.c" "the file circle of a flat tree is printed, without the file outside it"

run "$fx/parts-ok"
status 0 "layered parts pass"
has "  2 modules: chatgridd/net/client.c chatgridd/net/http.c" "a circle inside one part is information"
has "parts: 6; errors: 0" "lib, the daemon's root, main.c, net, auth and itemhost are six parts"

run "$fx/parts-circle"
status 1 "two parts using each other fail"
has "circle between parts: chatgridd/auth chatgridd/net" "a circle between parts is found without any file circle"
has "    chatgridd/net/client.c -> chatgridd/auth/session.c  (chatgridd/net/client.c:3: #include \"auth/session.h\"; chatgridd/net/client.c:10: calls session_new)" \
	"each edge of the circle says where it is"

run "$fx/misuse"
status 1 "broken rules fail"
has "lib uses chatgridd/net: lib depends on nothing else" "lib may use nothing outside lib"
has "chatgridd/net uses chatgridd/main.c: nobody calls back into a composition root" "nothing may use a program's main.c"
has "itemhost uses ctl: programs share only lib" "programs share nothing but lib"
lacks "ctl uses" "a local variable named like another part's function is no dependency"
lacks "itemhost uses chatgridd" "\"chatgrid/plugin.h\" is not taken for another folder's plugin.h"

run --map "$fx/flat.map" --order chatgridd/p1,chatgridd/p2,chatgridd/p3,chatgridd/p4 "$fx/flat"
status 1 "a layout judged before any file moves"
has "circle between parts: chatgridd/p1 chatgridd/p2 chatgridd/p3" "--map puts files in the folders it names"
has "chatgridd/p1 uses chatgridd/p2: against --order" "--order names each use of a part above"
lacks "chatgridd/p3 uses chatgridd/p1" "a use of a part below is in order"
run --map "$fx/missing.map" "$fx/flat"
status 2 "a map file that cannot be read is a usage error"

# The file circles of core/ are information (a flat core/ is one part).
run "$root/core"
printf '%s\n' "$out" | grep -v '^parts:' | sed 's/^/# /'
if [ "$rc" -eq 0 ]; then
	ok "core/ has no circle between its parts"
else
	not_ok "core/ has circles between its parts (scripts/check-layering -v core)"
fi
case $out in
*"parts: 1;"*) not_ok "core/ is divided into programs and parts" ;;
*) ok "core/ is divided into programs and parts" ;;
esac

# The daemon's parts bottom up (docs/decisions.md, "Layout: the server"):
# each uses only the ones before it.
order=lib,chatgridd,chatgridd/db,chatgridd/net,chatgridd/proto,chatgridd/auth,chatgridd/world,chatgridd/voice,chatgridd/pluginhost,chatgridd/items,chatgridd/media,chatgridd/admin,chatgridd/ops
run -q --order "$order" "$root/core"
if [ "$rc" -eq 0 ]; then
	ok "core/'s parts keep their order ($order)"
else
	not_ok "a part of core/ uses one above it"
fi

#!/bin/sh
# typecheck.sh: the web client's JSDoc types (tsc --checkJs), and its version
# constant against the server's, as TAP. Skips without node_modules.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
echo "1..2"
if [ -x "$root/node_modules/.bin/tsc" ]; then
	if out=$(cd "$root" && node_modules/.bin/tsc --checkJs --noEmit -p tsconfig.json 2>&1); then
		echo "ok 1 - tsc --checkJs --noEmit finds no type errors in www/"
	else
		echo "not ok 1 - tsc --checkJs --noEmit"
		echo "$out" | head -40 | sed 's/^/# /'
	fi
else
	echo "ok 1 # SKIP node_modules missing (run npm ci)"
fi
# The page reloads itself when the server's version differs from its own.
want=${CG_VERSION:-}
have=$(sed -n "s/.*CLIENT_VERSION *= *['\"]\([^'\"]*\)['\"].*/\1/p" "$root/www/version.js")
if [ -z "$want" ]; then
	echo "ok 2 # SKIP CG_VERSION not set (run through make check)"
elif [ "$want" = "$have" ]; then
	echo "ok 2 - www/version.js says $have, as configure.ac"
else
	echo "not ok 2 - www/version.js says '$have' but the server is '$want'"
fi

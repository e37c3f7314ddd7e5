#!/bin/sh
# controls.sh: docs/controls.md against the client's key table (www/input/keymap.js),
# as TAP: scripts/controls-table.mjs --check (the generated command table is current,
# every bound row is a labelled command, no key bound twice). Skips without node.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v node >/dev/null 2>&1; then
	echo "1..0 # SKIP node missing"
	exit 0
fi
node "$root/scripts/controls-table.mjs" --check

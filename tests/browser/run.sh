#!/bin/sh
# run.sh: chatgrid's browser tests, as one TAP stream on standard output.
#
#   tests/browser/run.sh [test files...]      (default: tests/browser/*.test.mjs)
#
# Chromium's WebRTC ignores loopback interfaces and the tests must not send
# anything to the machine's real addresses, so everything runs inside a private
# network namespace made here: lo plus a veth pair 10.99.0.1/10.99.0.2 that
# exists nowhere else. Inside it: a PostgreSQL cluster of its own
# (scripts/pg-cluster), chatgridd on 10.99.0.1 with fast argon2 (and the media
# proxy allowed to reach the namespace's private addresses), an admin
# account, and node's test runner driving Debian's chromium through
# playwright-core. Everything is removed on the way out, failures included.
#
# Environment: CG_BUILDDIR (where core/chatgridd/chatgridd was built; default the current
# directory when it holds core/chatgridd/chatgridd, else the source tree), CG_BROWSER_PORT (default 8791), CHROMIUM (default /usr/bin/chromium),
# CG_KEEP=1 keeps the temporary directory for a look at the logs.
# Prints "1..0 # SKIP reason" when chromium, unshare or node_modules is missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

skip() {
	echo "1..0 # SKIP $*"
	exit 0
}

if [ -z "${CG_IN_NETNS:-}" ]; then
	chromium=${CHROMIUM:-/usr/bin/chromium}
	[ -x "$chromium" ] || skip "no chromium at $chromium (apt-get install chromium)"
	command -v unshare >/dev/null 2>&1 || skip "no unshare (util-linux)"
	command -v ip >/dev/null 2>&1 || skip "no ip (iproute2)"
	command -v node >/dev/null 2>&1 || skip "no node"
	[ -d "$root/node_modules/playwright-core" ] && [ -d "$root/node_modules/axe-core" ] ||
		skip "node_modules missing (run npm ci in $root)"
	unshare -n true 2>/dev/null || skip "cannot create a network namespace (needs root)"
	export CG_IN_NETNS=1 CHROMIUM="$chromium"
	exec unshare -n sh -c 'ip link set lo up && ip link add v0 type veth peer name v1 &&
		ip addr add 10.99.0.1/24 dev v0 && ip addr add 10.99.0.2/24 dev v1 &&
		ip link set v0 up && ip link set v1 up && exec "$@"' netns "$0" "$@"
fi

# --- inside the namespace ---
# make check runs this from the build directory, which may be out of tree.
if [ -n "${CG_BUILDDIR:-}" ]; then
	builddir=$CG_BUILDDIR
elif [ -x "$PWD/core/chatgridd/chatgridd" ]; then
	builddir=$PWD
else
	builddir=$root
fi
daemon=$builddir/core/chatgridd/chatgridd
ctl=$builddir/core/ctl/chatgridctl
port=${CG_BROWSER_PORT:-8791}
if [ ! -x "$daemon" ] || [ ! -x "$ctl" ]; then
	echo "1..1"
	echo "not ok 1 - browser tests # no chatgridd/chatgridctl in $builddir/core (build first)"
	exit 1
fi

# A short path: the PostgreSQL socket lives in it.
tmp=$(mktemp -d /tmp/cgb.XXXXXX)
chmod 755 "$tmp"
daemon_pid=

cleanup() {
	trap - EXIT INT TERM HUP
	for p in $daemon_pid $(cat "$tmp/chatgridd.pid" 2>/dev/null); do
		kill -CONT "$p" 2>/dev/null
		kill -TERM "$p" 2>/dev/null
	done
	sleep 0.3
	for p in $daemon_pid $(cat "$tmp/chatgridd.pid" 2>/dev/null); do
		kill -KILL "$p" 2>/dev/null
	done
	"$root/scripts/pg-cluster" stop "$tmp/pg" >/dev/null 2>&1
	if [ -n "${CG_KEEP:-}" ]; then
		echo "# kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

bail() {
	echo "Bail out! $*"
	for f in "$tmp/pg/postgres.log" "$tmp/chatgridd.log" "$tmp/ctl.log"; do
		[ -f "$f" ] && sed 's/^/# /' "$f" | tail -20
	done
	exit 1
}

conninfo=$("$root/scripts/pg-cluster" start "$tmp/pg" 2>"$tmp/pg-start.log") ||
	bail "PostgreSQL did not start: $(tail -3 "$tmp/pg-start.log")"

# The bundled item plugins, as built; a test may drop more in and SIGHUP.
plugdir=$tmp/plugins
mkdir -p "$plugdir"
for so in "$builddir"/plugins/*/.libs/*.so; do
	[ -f "$so" ] && cp "$so" "$plugdir/"
done

conf=$tmp/chatgridd.conf
cat >"$conf" <<CONF
listen 10.99.0.1:$port
allow_insecure yes
www_root $root/www
db_conninfo $conninfo
pid_file $tmp/chatgridd.pid
argon2_memory_kib 1024
argon2_time_cost 1
auth_fail_ip_limit 1000
auth_fail_identity_limit 1000
auth_register_ip_limit 100000
auth_hash_ip_limit 1000
log_level info
media_allow_private yes
plugin_dir $plugdir
itemhost $builddir/core/itemhost/chatgrid-itemhost
CONF

admin_user=cgadmin
admin_pass=admin-pass-123
printf '%s\n' "$admin_pass" | "$ctl" -c "$conf" bootstrap-admin "$admin_user" >"$tmp/ctl.log" 2>&1 ||
	bail "chatgridctl bootstrap-admin failed"

"$daemon" -f -c "$conf" >>"$tmp/chatgridd.log" 2>&1 &
daemon_pid=$!
url=http://10.99.0.1:$port/
i=0
until curl -fsS "${url}healthz" >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 100 ] || bail "chatgridd did not answer /healthz"
	kill -0 "$daemon_pid" 2>/dev/null || bail "chatgridd exited"
	sleep 0.1
done

export CG_URL=$url CG_CONF=$conf CG_DAEMON=$daemon CG_CTL=$ctl CG_PIDFILE=$tmp/chatgridd.pid \
	CG_DAEMON_LOG=$tmp/chatgridd.log CG_TMP=$tmp CG_PLUGIN_DIR=$plugdir CG_ADMIN_USER=$admin_user CG_ADMIN_PASS=$admin_pass

cd "$root" || exit 1
if [ $# -eq 0 ]; then
	set -- "$here"/*.test.mjs
fi
# Each test bounds itself; this bounds the whole run should a browser hang.
limit=
command -v timeout >/dev/null 2>&1 && limit="timeout -k 10 ${CG_RUN_LIMIT_S:-1800}"
$limit node --test --test-reporter=tap --test-concurrency=1 --test-timeout="${CG_TEST_TIMEOUT_MS:-300000}" "$@"
rc=$?
exit $rc

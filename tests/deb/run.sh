#!/bin/bash
# tests/deb/run.sh: the Debian packages, tried as an operator would.
#
# Builds chatgrid and chatgrid-dev with dpkg-buildpackage from a copy of the
# source tree, runs lintian on them, installs them with dpkg, starts a
# PostgreSQL cluster with peer authentication for the chatgrid user, starts
# chatgridd as chatgridd.service would (its ExecStartPre and ExecStart lines,
# as the chatgrid user, with the packaged configuration plus a db_conninfo
# line), checks that /healthz answers with the database up, reloads and stops
# it, builds the example plugin against chatgrid-dev, purges both packages
# and checks that nothing of theirs is left: no file, no user, no group.
#
# Needs root (it installs packages) on a Debian 12 machine where chatgrid is
# not installed; scripts/install-deps --deb installs the tools. Whatever the
# outcome, the packages are purged and the cluster removed before it exits.
# Prints "ok N - ..." / "not ok N - ..." lines and "# deb: N ok, N not ok";
# exits 0 only if everything passed. CG_KEEP_TMP=1 keeps the work directory.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
n=0 pass=0 fail=0
started=$(date +%s)

ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
notok() {
	n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"
	shift
	for f in "$@"; do
		[ -f "$f" ] && tail -25 "$f" | sed 's/^/#   /'
	done
	return 0
}
check() {	# check "description" command...: ok if the command succeeds
	d=$1
	shift
	if "$@" >"$work/check.out" 2>&1; then ok "$d"; else notok "$d" "$work/check.out"; fi
}
finish() {
	echo "# deb: $pass ok, $fail not ok ($(($(date +%s) - started)) s)"
	[ "$fail" -eq 0 ]
	exit
}
skip() { echo "ok 1 - # SKIP $1"; exit 0; }

[ "$(id -u)" -eq 0 ] || skip "needs root: it installs and purges packages"
for t in dpkg-buildpackage dh lintian runuser setpriv; do
	command -v "$t" >/dev/null 2>&1 || { echo "not ok 1 - $t is missing (scripts/install-deps --deb)"; exit 1; }
done
if dpkg-query -W -f='${Status}' chatgrid 2>/dev/null | grep -qv not-installed ||
    getent passwd chatgrid >/dev/null || getent group chatgrid >/dev/null; then
	skip "chatgrid is installed here, or a chatgrid user or group exists: not touching them"
fi
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$pgbin/initdb" ] || { echo "not ok 1 - no PostgreSQL server binaries"; exit 1; }

# A short path: it holds the PostgreSQL socket (at most 107 bytes).
work=$(mktemp -d /tmp/cgdeb.XXXXXX)
chmod 755 "$work"
pg=$work/pg
daemon=0
cleanup() {
	if [ "$daemon" -gt 0 ] && kill -0 "$daemon" 2>/dev/null; then
		kill -KILL -- "-$daemon" 2>/dev/null
	fi
	if dpkg-query -W -f='${Status}' chatgrid-dev 2>/dev/null | grep -q installed ||
	    dpkg-query -W -f='${Status}' chatgrid 2>/dev/null | grep -qv not-installed; then
		dpkg --purge chatgrid-dev chatgrid >/dev/null 2>&1
	fi
	[ -d "$pg/data" ] && runuser -u postgres -- "$pgbin/pg_ctl" -D "$pg/data" -m immediate stop >/dev/null 2>&1
	if [ -n "${CG_KEEP_TMP:-}" ]; then echo "# kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# Every path named for chatgrid, outside the places tests and helpers use.
ours() {
	find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp \
	    -o -path /var/tmp -o -path /work -o -path "$root" -o -path /var/cache/man \) -prune \
	    -o -iname '*chatgrid*' -print 2>/dev/null | sort
}
ours >"$work/before"

# ---- build ----
mkdir "$work/src"
if [ -d "$root/.git" ] || git -C "$root" rev-parse >/dev/null 2>&1; then
	git -C "$root" ls-files -co --exclude-standard -z | (cd "$root" && tar --null -T - -cf -) |
	    (cd "$work/src" && tar -xf -)
else
	(cd "$root" && tar --exclude=./build --exclude=./node_modules --exclude=./run -cf - .) |
	    (cd "$work/src" && tar -xf -)
fi
t0=$(date +%s)
if (cd "$work/src" && dpkg-buildpackage -us -uc -b -jauto) >"$work/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b builds chatgrid and chatgrid-dev ($(($(date +%s) - t0)) s)"
else
	notok "dpkg-buildpackage -us -uc -b" "$work/build.log"
	finish
fi
deb=$(ls "$work"/chatgrid_*.deb)
devdeb=$(ls "$work"/chatgrid-dev_*.deb)
changes=$(ls "$work"/chatgrid_*.changes)

# Errors and warnings fail; pedantic and informational tags are shown.
lintian --pedantic -I --fail-on error,warning "$changes" >"$work/lintian.log" 2>&1
st=$?
grep -v '^running with root' "$work/lintian.log" | sed 's/^/#   /'
if [ "$st" -eq 0 ]; then ok "lintian: no errors or warnings"; else notok "lintian: errors or warnings"; fi

check "chatgrid holds the daemon, ctl, item host, six plugins, web client, man pages and unit" \
    sh -c "dpkg -c '$deb' | awk '{print \$6}' >'$work/files' &&
	for f in ./usr/sbin/chatgridd ./usr/sbin/chatgridctl ./usr/libexec/chatgrid/chatgrid-itemhost \
	    ./usr/share/chatgrid/www/index.html ./lib/systemd/system/chatgridd.service \
	    ./usr/share/man/man8/chatgridd.8.gz ./usr/share/man/man8/chatgridctl.8.gz \
	    ./usr/share/man/man5/chatgridd.conf.5.gz ./etc/chatgrid/chatgridd.conf; do
		grep -qx \"\$f\" '$work/files' || { echo \"missing \$f\"; exit 1; }
	done
	for p in clock dice piano radio_station wheel widget; do
		grep -q \"/chatgrid/plugins/\$p.so\$\" '$work/files' || { echo \"missing \$p.so\"; exit 1; }
	done"
check "chatgrid-dev holds <chatgrid/plugin.h>, chatgrid-plugin.pc, chatgrid-plugin(3) and the example" \
    sh -c "dpkg -c '$devdeb' | awk '{print \$6}' >'$work/devfiles' &&
	for f in /usr/include/chatgrid/plugin.h /pkgconfig/chatgrid-plugin.pc \
	    /usr/share/man/man3/chatgrid-plugin.3.gz /examples/counter/counter.c /examples/counter/Makefile; do
		grep -q \"\$f\$\" '$work/devfiles' || { echo \"missing \$f\"; exit 1; }
	done"

# ---- install ----
if dpkg -i "$deb" "$devdeb" >"$work/install.log" 2>&1; then
	ok "dpkg -i installs both"
else
	notok "dpkg -i" "$work/install.log"
	finish
fi
check "the install says how to configure a database before the service starts" \
    grep -q "chatgridd.service is not enabled: it needs a database first" "$work/install.log"
check "the chatgrid system user and group exist" \
    sh -c 'u=$(getent passwd chatgrid) && getent group chatgrid >/dev/null &&
	uid=$(echo "$u" | cut -d: -f3) && [ "$uid" -lt 1000 ] && [ "$(echo "$u" | cut -d: -f7)" = /usr/sbin/nologin ]'
uid=$(id -u chatgrid 2>/dev/null || echo none)
gid=$(getent group chatgrid | cut -d: -f3)
check "/etc/chatgrid/chatgridd.conf is a conffile, root:chatgrid 0640" \
    sh -c "dpkg-query -W -f='\${Conffiles}' chatgrid | grep -q ' /etc/chatgrid/chatgridd.conf ' &&
	[ \"\$(stat -c %U:%G:%a /etc/chatgrid/chatgridd.conf)\" = root:chatgrid:640 ]"
check "the unit is not enabled at install and sets KillMode=mixed" \
    sh -c "! deb-systemd-helper --quiet was-enabled chatgridd.service &&
	grep -qx 'KillMode=mixed' /lib/systemd/system/chatgridd.service"

# ---- a database: local PostgreSQL, peer authentication for the chatgrid user ----
mkdir "$pg"
chown postgres "$pg"
runuser -u postgres -- "$pgbin/initdb" -D "$pg/data" --auth-local=peer --auth-host=reject \
    >"$work/initdb.log" 2>&1 &&
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$pg/data" -l "$pg/log" -w \
	-o "-k $pg -c listen_addresses=''" start >>"$work/initdb.log" 2>&1 &&
    runuser -u postgres -- "$pgbin/createuser" -h "$pg" chatgrid >>"$work/initdb.log" 2>&1 &&
    runuser -u postgres -- "$pgbin/createdb" -h "$pg" --owner=chatgrid chatgrid >>"$work/initdb.log" 2>&1
st=$?
chmod 755 "$pg"
if [ "$st" -eq 0 ]; then ok "PostgreSQL with a chatgrid role and database"; else notok "PostgreSQL" "$work/initdb.log"; finish; fi

# A free loopback port.
port=0
for try in 1 2 3 4 5 6 7 8 9 10; do
	p=$((20000 + RANDOM % 40000))
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
# What the operator adds (README.Debian): the database; plain HTTP on loopback.
cat >>/etc/chatgrid/chatgridd.conf <<EOF

# added by tests/deb/run.sh
db_conninfo host=$pg dbname=chatgrid
allow_insecure yes
listen 127.0.0.1:$port
EOF
check "chatgridctl migrate as the chatgrid user, through peer authentication" \
    runuser -u chatgrid -- chatgridctl migrate

# ---- the service, as chatgridd.service runs it ----
unit=/lib/systemd/system/chatgridd.service
pre=$(sed -n 's/^ExecStartPre=//p' "$unit")
start=$(sed -n 's/^ExecStart=//p' "$unit")
asuser() { setpriv --reuid=chatgrid --regid=chatgrid --init-groups --no-new-privs -- "$@"; }
# shellcheck disable=SC2086
check "ExecStartPre ($pre) accepts the configuration" asuser $pre
# Its own session and process group, as a service's; the log is the journal's part.
# (A background job of this non-interactive shell leads no group: setsid does not fork.)
# shellcheck disable=SC2086
setsid setpriv --reuid=chatgrid --regid=chatgrid --init-groups --no-new-privs -- \
    $start >"$work/daemon.log" 2>&1 </dev/null &
daemon=$!
alive() { [ -d "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
healthz() {
	exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
	cat <&3
	exec 3<&-
}
# 503 "database":"connecting" until the pool is up; 30 s only bounds a hang.
up() { echo "$1" | head -1 | grep -q ' 200 ' && echo "$1" | grep -q '"database":"up"'; }
got=""
for try in $(seq 1 150); do
	got=$(healthz 2>/dev/null) && up "$got" && break
	alive "$daemon" || break
	sleep 0.2
done
echo "$got" >"$work/healthz.out"
if up "$got"; then
	ok "ExecStart: /healthz answers 200 with the database up"
else
	notok "ExecStart: /healthz with the database up" "$work/healthz.out" "$work/daemon.log"
fi
check "chatgridd runs as the chatgrid user, its plugin hosts too" \
    sh -c "[ \"\$(ps -o user= -p $daemon)\" = chatgrid ] &&
	[ \"\$(pgrep -u chatgrid -f chatgrid-itemhost | wc -l)\" -eq 6 ]"
kill -HUP "$daemon"
for try in $(seq 1 50); do grep -q "reloaded configuration" "$work/daemon.log" && break; sleep 0.1; done
check "ExecReload (SIGHUP) reloads" grep -q "reloaded configuration" "$work/daemon.log"
# systemctl stop with KillMode=mixed: SIGTERM to the main process.
kill -TERM "$daemon"
for try in $(seq 1 200); do alive "$daemon" || break; sleep 0.1; done
alive "$daemon" && kill -KILL -- "-$daemon"
wait "$daemon"
st=$?
if [ "$st" = 0 ] && grep -q "stopped" "$work/daemon.log" && ! grep -q "died of signal\|while shutting down" "$work/daemon.log"; then
	ok "SIGTERM stops it cleanly (status 0, every plugin host closed in order)"
else
	notok "SIGTERM stops it cleanly (status $st)" "$work/daemon.log"
fi
daemon=0
check "no process of the chatgrid user is left" sh -c '! pgrep -u chatgrid'

# ---- chatgrid-dev: the example builds against the installed ABI ----
cp -r /usr/share/doc/chatgrid-dev/examples/counter "$work/counter"
check "the example plugin builds with pkg-config chatgrid-plugin" make -C "$work/counter"

# ---- purge ----
check "dpkg --purge removes both" dpkg --purge chatgrid-dev chatgrid
ours >"$work/after"
comm -13 "$work/before" "$work/after" >"$work/left"
check "nothing named chatgrid is left" sh -c "cat '$work/left'; [ ! -s '$work/left' ]"
check "no chatgrid user or group is left" sh -c '! getent passwd chatgrid && ! getent group chatgrid'
if [ "$uid" != none ] && [ -n "$gid" ]; then
	find / -xdev \( -path /proc -o -path /sys -o -path /work -o -path "$work" \) -prune \
	    -o \( -uid "$uid" -o -gid "$gid" \) -print 2>/dev/null | head -5 >"$work/owned"
	check "no file owned by the chatgrid user or group is left" sh -c "cat '$work/owned'; [ ! -s '$work/owned' ]"
fi
finish

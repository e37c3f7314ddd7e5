/*
 * tdaemon.h: start chatgridd on a free loopback port for an integration test.
 *
 * Each daemon gets its own temporary directory holding chatgridd.conf, its
 * log (daemon.log: stdout and stderr), its pid file and, for TLS, a throwaway
 * certificate. Functions whose failure makes the test meaningless (the daemon
 * does not start, does not stop, a connection cannot be made) fail the
 * running Check test themselves, with the log's tail. A daemon still running
 * when the test process exits (a failed assertion) is killed and its log tail
 * printed to stderr, which lands in the test's .log file.
 *
 * Environment: CG_BUILDDIR (daemon at $CG_BUILDDIR/core/chatgridd/chatgridd) and
 * CG_SRCDIR (web root $CG_SRCDIR/www), both "." if unset. CG_VALGRIND set
 * runs the daemon under valgrind (its value, unless "1" or "yes", is extra
 * valgrind options) and stretches td_ms timeouts; CG_TIMEOUT_SCALE (an
 * integer) stretches them too, as does a busy machine (td_ms). CG_KEEP_TMP (non-empty) keeps the temporary
 * directories; otherwise every directory td_mkdtemp makes is removed when
 * the test process ends, even by _exit or SIGKILL (a janitor process does it).
 */
#ifndef TD_TDAEMON_H
#define TD_TDAEMON_H

#include <sys/types.h>

#include "tclient.h"

struct td;

/*
 * Write the configuration and start the daemon; returns once its port
 * accepts connections (fails the test if it exits or does not listen within
 * 10 s). The file holds listen, www_root, log_level debug, pid_file and
 * either allow_insecure yes or (tls) tls_cert/tls_key, then
 * extra_config_lines (may be NULL), whose keys override the ones before.
 */
struct td *td_start(const char *extra_config_lines, int tls);
/*
 * Rewrite chatgridd.conf (atomically) with the same base lines and new extra
 * lines, e.g. before td_signal(td, SIGHUP). Returns 0, or -1 with errno.
 */
int td_rewrite_config(struct td *, const char *extra_config_lines);

int td_port(const struct td *);
int td_tls(const struct td *);
pid_t td_pid(const struct td *);
const char *td_dir(const struct td *);
const char *td_config_path(const struct td *);
const char *td_log_path(const struct td *);

/* A connection (TLS if the daemon has it) to the daemon; fails the test if none. */
struct tc_conn *td_connect(struct td *);
/* td_connect plus a WebSocket handshake to /ws; fails the test if it does not succeed. */
struct tc_conn *td_ws(struct td *);

/* 1 if the log holds substring now. */
int td_log_contains(struct td *, const char *substring);
/* Wait up to timeout_ms for substring to appear in the log; 1 if it did. */
int td_wait_log(struct td *, const char *substring, int timeout_ms);
/* The last lines of the log (at most max bytes); the caller frees it. */
char *td_log_tail(struct td *, size_t max);

/* 1 while the daemon runs (reaping it if it has exited). */
int td_alive(struct td *);
/*
 * "" while every daemon of this test process runs or was asked to stop;
 * otherwise " [chatgridd on port P exited with status S; log: ...]" for
 * one that died on its own, to append to failure messages. Waits up to
 * 200 ms for a dying daemon, so call it only once a test has failed (as an
 * argument of ck_assert_msg, which evaluates it only then). Static storage.
 */
const char *td_health(void);
/* Send a signal (SIGTERM, SIGINT, SIGQUIT or SIGKILL mark the exit as expected); 0 or -1. */
int td_signal(struct td *, int sig);
/*
 * Send a signal to the daemon's whole process group, as Ctrl-C in a terminal
 * or systemd's KillMode=control-group would: the daemon leads a group of its
 * own (the test is not in it), which its children join unless they leave it.
 * Marks the exit as expected as td_signal does; 0 or -1.
 */
int td_signal_group(struct td *, int sig);
/*
 * Wait up to timeout_ms for the daemon to exit. Returns its exit status,
 * 128 + the signal if a signal killed it, or -1 if it still runs.
 */
int td_wait(struct td *, int timeout_ms);
/*
 * SIGTERM, then wait up to 10 s; returns the exit status as td_wait does,
 * but 98 for a clean exit whose log says a plugin host failed at shutdown
 * (crashed, or was killed, or a sanitizer reported its leaks).
 * A daemon that does not stop is killed and the test fails.
 */
int td_stop(struct td *);
/* Kill the daemon if it still runs and remove its directory. NULL is fine. */
void td_free(struct td *);

/*
 * Run chatgridd with args (NULL-terminated, without the program name) and
 * capture stdout and stderr into *output (NUL-terminated, caller frees).
 * Returns the exit status, 128 + signal, or -1 if it could not run or did not
 * finish within 10 s.
 */
int td_run(const char *const args[], char **output);
/*
 * Write config_text to chatgridd.conf in a fresh directory and run
 * chatgridd -n -c <that file>. Returns as td_run; the error lines name the
 * file by its full path, which ends in "/chatgridd.conf".
 */
int td_run_check(const char *config_text, char **output);

/*
 * A fresh temporary directory (caller frees the string). td_rmtree removes it;
 * if the test process ends first, the janitor does.
 */
char *td_mkdtemp(void);
/* Write a file dir/name (its parent directories must exist); 0 or -1. */
int td_write_file(const char *dir, const char *name, const void *data, size_t len);
int td_write_text(const char *dir, const char *name, const char *text);
/* mkdir dir/name; 0 or -1. */
int td_mkdir(const char *dir, const char *name);
/* rm -rf dir, unless CG_KEEP_TMP is set (non-empty). */
void td_rmtree(const char *dir);
/*
 * Write a self-signed certificate (CN and subjectAltName localhost and
 * 127.0.0.1) and its key to dir/cert.pem and dir/key.pem. 0 or -1.
 */
int td_make_cert(const char *dir);
/* The same with an RSA key (2048 bits) instead of an EC one (P-256). */
int td_make_rsa_cert(const char *dir);

/* The daemon binary and the source tree's web root. */
const char *td_daemon_path(void);
const char *td_srcdir(void);
/*
 * A timeout of ms, stretched under valgrind or CG_TIMEOUT_SCALE, and by how
 * busy the machine is when it is asked (load average per CPU): waits are
 * bounds on what a hang would cost, not on how fast the daemon must be.
 */
int td_ms(int ms);

#endif

/*
 * test_auth_db.c: authentication while PostgreSQL goes away and comes back
 * (a stop and a crash), and two daemons started at the same moment against
 * one empty database (migrations, seeding and the session secret must come
 * out once and shared).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tauth.h"

/* GET /healthz: the status and the "database" member (copied into db). */
static int
healthz(struct td *d, char *db, size_t dblen)
{
	struct tc_http_resp r;
	json_object *o;
	int st;

	ag_get(d, "/healthz", NULL, &r);
	st = r.status;
	o = r.body != NULL ? json_tokener_parse(r.body) : NULL;
	ck_assert_msg(o != NULL, "/healthz body is not JSON: %s", r.body ? r.body : "(none)");
	snprintf(db, dblen, "%s", tc_json_str(o, "database") ? tc_json_str(o, "database") : "");
	json_object_put(o);
	tc_http_resp_free(&r);
	return st;
}

/* Whatever a test did to the cluster, the next test finds it running. */
static void
restart_cluster(void)
{
	if (ag_pg != NULL)
		pgtest_start_server(ag_pg);
}

/* Log in user on a new connection; 1 if it worked, 0 on the outage message. */
static int
try_login(struct td *d, const char *user)
{
	struct tc_conn *c = ag_ws(d);
	json_object *o = ag_login(c, user, AG_PASSWORD);
	int ok = json_object_get_boolean(json_object_object_get(o, "ok"));

	if (ok)
		free(ag_expect_ok(o, user));
	else
		ag_expect(o, 0, AG_MSG_DB_DOWN);
	json_object_put(o);
	tc_close(c);
	return ok;
}

static void
outage(int crash)
{
	struct td *d = ag_start(NULL, 0);
	char ua[33], ub[33], uc[33], db[32], hdr[160], *tok_a;
	struct tc_http_resp r;
	struct tc_conn *a, *b;
	json_object *o;
	int64_t t0;
	int ok;

	ag_uname(ua, "outa");
	ag_uname(ub, "outb");
	ag_uname(uc, "outc");
	free(ag_new_account(d, ub));
	a = ag_ws(d);
	o = ag_register(a, ua, AG_PASSWORD, NULL);
	tok_a = ag_expect_ok(o, ua);
	json_object_put(o);
	ta_ws_ping(a, 1);
	ck_assert_int_eq(healthz(d, db, sizeof db), 200);
	ck_assert_str_eq(db, "up");

	/*
	 * The test cluster runs with synchronous_commit off: without a
	 * checkpoint a crash may lose the accounts just made.
	 */
	ag_sql("CHECKPOINT");
	ck_assert_int_eq(crash ? pgtest_kill_server(ag_pg) : pgtest_stop_server(ag_pg), 0);

	/* The loop goes on: a logged-in client is answered at once. */
	t0 = tc_now_ms();
	ta_ws_ping(a, 2);
	ck_assert_msg(tc_now_ms() - t0 < 1000, "pong took %" PRId64 " ms during the outage",
	    tc_now_ms() - t0);
	/* New work that needs the database is told so, in the outage's words. */
	b = ag_ws(d);
	ag_expect_fail(ag_login(b, ub, AG_PASSWORD), AG_MSG_DB_DOWN);
	ag_expect_fail(ag_register(b, uc, AG_PASSWORD, NULL), AG_MSG_DB_DOWN);
	/* Not a session problem: the client must not drop its cookie. */
	o = ag_resume(b, tok_a);
	ag_expect(o, 0, AG_MSG_DB_DOWN);
	ck_assert_msg(strcasestr(tc_json_str(o, "message"), "session") == NULL,
	    "outage answer to a resume mentions \"session\": the client would clear its cookie");
	json_object_put(o);
	tc_close(b);
	snprintf(hdr, sizeof hdr, "Cookie: chgrid_session_token=%s\r\n", tok_a);
	b = ag_ws_raw(d, hdr);
	ag_expect_fail(ag_next(b), AG_MSG_DB_DOWN);
	o = ag_next(b);
	ck_assert_str_eq(tc_json_str(o, "type"), "auth_required");
	json_object_put(o);
	tc_close(b);
	/* The health check says so. */
	ck_assert_int_eq(healthz(d, db, sizeof db), 503);
	ck_assert_msg(strcmp(db, "up") != 0, "/healthz says database up during the outage");
	/* The cookie endpoint does not call a good session invalid. */
	snprintf(hdr, sizeof hdr, "X-Chgrid-Auth-Client: 1\r\nAuthorization: Bearer %s\r\n", tok_a);
	ag_get(d, "/auth/session/set", hdr, &r);
	ck_assert_msg(r.status == 503, "/auth/session/set during the outage: %d %s", r.status,
	    r.body ? r.body : "");
	ck_assert_msg(tc_http_header(&r, "Set-Cookie") == NULL, "cookie changed during the outage");
	tc_http_resp_free(&r);
	ta_ws_ping(a, 3);

	ck_assert_int_eq(pgtest_start_server(ag_pg), 0);
	/* Within about 10 s a login works again. */
	t0 = tc_now_ms();
	while (!(ok = try_login(d, ub)) && tc_now_ms() - t0 < td_ms(10000))
		tc_sleep_ms(200);
	ck_assert_msg(ok, "no successful login within 10 s of PostgreSQL's return%s", td_health());
	fprintf(stderr, "# %s: login works %" PRId64 " ms after the restart\n",
	    crash ? "crash" : "stop", tc_now_ms() - t0);
	ck_assert_int_eq(healthz(d, db, sizeof db), 200);
	ck_assert_str_eq(db, "up");
	/* Everything else is back too, and A never noticed. */
	ta_ws_ping(a, 4);
	b = ag_ws(d);
	o = ag_register(b, uc, AG_PASSWORD, NULL);
	free(ag_expect_ok(o, uc));
	json_object_put(o);
	tc_close(b);
	tc_close(a);
	/* A's cookie resumes again. */
	snprintf(hdr, sizeof hdr, "Cookie: chgrid_session_token=%s\r\n", tok_a);
	b = ag_ws_raw(d, hdr);
	o = ag_next(b);
	ag_expect_cookie_ok(o, ua);
	json_object_put(o);
	tc_close(b);
	free(tok_a);
	it_stop(d);
}

START_TEST(test_outage_stop)
{
	outage(0);
}
END_TEST

START_TEST(test_outage_crash)
{
	outage(1);
}
END_TEST

/*
 * Issue 19 item 6: logins that fail because the database is away are not
 * the user's failures. With a limit of three per username, five logins
 * during an outage must not lock the user out once it is back.
 */
START_TEST(test_outage_not_counted)
{
	struct td *d = ag_start("auth_fail_identity_limit 3\nauth_fail_ip_limit 3\n"
	    "auth_fail_window_s 600\n", 0);
	char user[33], db[32];
	struct tc_conn *c;
	json_object *o;
	int64_t t0;
	int i;

	ag_uname(user, "outcount");
	free(ag_new_account(d, user));
	ag_sql("CHECKPOINT");
	ck_assert_int_eq(pgtest_stop_server(ag_pg), 0);
	c = ag_ws(d);
	for (i = 0; i < 5; i++)
		ag_expect_fail(ag_login(c, user, AG_PASSWORD), AG_MSG_DB_DOWN);
	tc_close(c);
	ck_assert_int_eq(pgtest_start_server(ag_pg), 0);
	/* Wait for the pool to be back without logging in (a try would be a login). */
	t0 = tc_now_ms();
	while (healthz(d, db, sizeof db) != 200 && tc_now_ms() - t0 < td_ms(10000))
		tc_sleep_ms(100);
	ck_assert_msg(strcmp(db, "up") == 0, "the database is not back within 10 s%s", td_health());
	/* The first login after the outage works: no lockout. */
	c = ag_ws(d);
	o = ag_login(c, user, AG_PASSWORD);
	free(ag_expect_ok(o, user));
	json_object_put(o);
	tc_close(c);
	it_stop(d);
}
END_TEST

/* ---- two daemons at once ---- */

struct twin {
	pid_t pid;
	int port;
	char *dir;
	char *log;
};

static struct twin twins[2];

static void
twins_kill(void)
{
	int i, st;

	for (i = 0; i < 2; i++)
		if (twins[i].pid > 0) {
			kill(twins[i].pid, SIGKILL);
			waitpid(twins[i].pid, &st, 0);
			twins[i].pid = 0;
		}
}



static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL)
		return strdup("(no log)");
	buf = calloc(1, 8193);
	n = fread(buf, 1, 8192, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Write a configuration for conninfo and spawn chatgridd; does not wait. */
static void
twin_spawn(struct twin *t, const char *conninfo)
{
	char *conf, *path;
	int fd;

	t->dir = td_mkdtemp();
	ck_assert_ptr_nonnull(t->dir);
	t->port = it_free_port();
	ck_assert_int_gt(t->port, 0);
	ck_assert(asprintf(&conf, "listen 127.0.0.1:%d\nwww_root %s\nallow_insecure yes\n"
	    "log_level debug\ndb_conninfo %s\nargon2_memory_kib 1024\nargon2_time_cost 1\n",
	    t->port, it_www(), conninfo) > 0);
	ck_assert_int_eq(td_write_text(t->dir, "chatgridd.conf", conf), 0);
	free(conf);
	ck_assert(asprintf(&path, "%s/chatgridd.conf", t->dir) > 0);
	ck_assert(asprintf(&t->log, "%s/daemon.log", t->dir) > 0);
	fflush(NULL);
	t->pid = fork();
	ck_assert_int_ge(t->pid, 0);
	if (t->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(t->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		execl(td_daemon_path(), "chatgridd", "-f", "-c", path, (char *)NULL);
		_exit(127);
	}
	free(path);
}

static void
twin_wait_up(struct twin *t)
{
	int64_t end = tc_now_ms() + td_ms(20000);
	int st;
	char *log;

	while (!it_port_open(t->port)) {
		if (waitpid(t->pid, &st, WNOHANG) == t->pid) {
			t->pid = 0;
			log = slurp(t->log);
			ck_abort_msg("chatgridd on port %d exited at start (status %d): %s", t->port,
			    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), log);
		}
		if (tc_now_ms() > end) {
			log = slurp(t->log);
			ck_abort_msg("chatgridd on port %d does not listen after 20 s: %s", t->port, log);
		}
		tc_sleep_ms(20);
	}
}

static void
twin_stop(struct twin *t)
{
	int64_t end = tc_now_ms() + td_ms(10000);
	int st = 0;
	pid_t r;

	kill(t->pid, SIGTERM);
	while ((r = waitpid(t->pid, &st, WNOHANG)) == 0 && tc_now_ms() < end)
		tc_sleep_ms(20);
	ck_assert_msg(r == t->pid, "chatgridd on port %d does not stop", t->port);
	t->pid = 0;
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "chatgridd on port %d: status %d",
	    t->port, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	td_rmtree(t->dir);
	free(t->dir);
	free(t->log);
}

/* A WebSocket to a twin, past its auth_required. */
static struct tc_conn *
twin_ws(const struct twin *t)
{
	struct tc_conn *c = tc_connect("127.0.0.1", t->port, 0, td_ms(5000));
	json_object *o;

	ck_assert_msg(c != NULL, "cannot connect to port %d", t->port);
	ck_assert_msg(tc_ws_handshake(c, "/ws", NULL, NULL, td_ms(5000)) == TC_OK,
	    "handshake on port %d: %s", t->port, tc_error(c));
	o = ag_next(c);
	ck_assert_str_eq(tc_json_str(o, "type"), "auth_required");
	json_object_put(o);
	return c;
}

/* The number of sql/NNN_*.sql migrations in the source tree. */
static int
migration_files(void)
{
	char *pat;
	glob_t g;
	int n;

	ck_assert(asprintf(&pat, "%s/sql/[0-9][0-9][0-9]_*.sql", td_srcdir()) > 0);
	n = glob(pat, 0, NULL, &g) == 0 ? (int)g.gl_pathc : 0;
	if (n > 0)
		globfree(&g);
	free(pat);
	return n;
}

START_TEST(test_two_daemons_one_database)
{
	int round, nmig = migration_files();
	char name[64], user[33], *ci, *v, *tok;
	struct tc_conn *c;
	json_object *o;

	ck_assert_msg(nmig > 0, "no migrations found under %s/sql", td_srcdir());
	atexit(twins_kill);
	for (round = 0; round < 3; round++) {
		snprintf(name, sizeof name, "twin_%d_%d", (int)getpid(), round);
		ci = pgtest_create_db(ag_pg, name);
		ck_assert_ptr_nonnull(ci);
		/* Both at the same moment. */
		twin_spawn(&twins[0], ci);
		twin_spawn(&twins[1], ci);
		twin_wait_up(&twins[0]);
		twin_wait_up(&twins[1]);

		/* Each migration once, all of them. */
		v = ag_sql_value_on(ci, "SELECT count(*) FROM (SELECT version FROM schema_version "
		    "GROUP BY version HAVING count(*) <> 1) x");
		ck_assert_msg(v != NULL && strcmp(v, "0") == 0, "round %d: a migration recorded "
		    "more than once", round);
		free(v);
		v = ag_sql_value_on(ci, "SELECT count(*) FROM schema_version");
		ck_assert_msg(v != NULL && atoi(v) == nmig, "round %d: schema_version holds %s rows "
		    "for %d migrations", round, v ? v : "(null)", nmig);
		free(v);
		/* Seeding once too: one of each system role, the user role's 9 keys, one secret. */
		v = ag_sql_value_on(ci, "SELECT count(*) FROM roles WHERE name IN "
		    "('admin','editor','user','guest')");
		ck_assert_str_eq(v, "4");
		free(v);
		v = ag_sql_value_on(ci, "SELECT count(*) FROM role_permissions rp JOIN roles r "
		    "ON r.id = rp.role_id WHERE r.name = 'user'");
		ck_assert_msg(v != NULL && strcmp(v, "9") == 0, "user role has %s permissions",
		    v ? v : "(null)");
		free(v);
		v = ag_sql_value_on(ci, "SELECT count(*) FROM server_secrets");
		ck_assert_msg(v != NULL && atoi(v) >= 1, "no server secret");
		free(v);

		/* Both serve, and share accounts and the session key. */
		ag_uname(user, "twin");
		c = twin_ws(&twins[0]);
		o = ag_register(c, user, AG_PASSWORD, NULL);
		tok = ag_expect_ok(o, user);
		json_object_put(o);
		tc_close(c);
		c = twin_ws(&twins[1]);
		o = ag_resume(c, tok);
		free(ag_expect_ok(o, user));
		json_object_put(o);
		tc_close(c);
		c = twin_ws(&twins[1]);
		o = ag_login(c, user, AG_PASSWORD);
		free(ag_expect_ok(o, user));
		json_object_put(o);
		tc_close(c);
		free(tok);

		twin_stop(&twins[0]);
		twin_stop(&twins[1]);
		free(ci);
	}
}
END_TEST

static Suite *
db_suite(void)
{
	Suite *s = suite_create("auth-db");
	TCase *tc = tcase_create("outage");

	tcase_set_timeout(tc, 90);
	tcase_add_checked_fixture(tc, NULL, restart_cluster);
	tcase_add_test(tc, test_outage_stop);
	tcase_add_test(tc, test_outage_crash);
	tcase_add_test(tc, test_outage_not_counted);
	suite_add_tcase(s, tc);

	tc = tcase_create("startup");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_two_daemons_one_database);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ag_main(db_suite());
}

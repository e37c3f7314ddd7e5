/*
 * test_db.c: migrations, the libpq pool and the worker pool against a real
 * PostgreSQL (a private cluster from tests/lib/pgtest.c), never a mock.
 */
#include "config.h"

#include <sys/wait.h>

#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <libpq-fe.h>

#include "cfg.h"
#include "db/db.h"
#include "log.h"
#include "migrate.h"
#include "pgtest.h"
#include "tick.h"
#include "worker.h"

/* cfg.c is not linked in: the test owns the configuration db.c reads. */
static struct config test_cfg;
struct config *cfg = &test_cfg;

static struct pgtest *pg;
static struct event_base *base;
static pthread_t main_thread;

/* ---- helpers ---- */

static void
wake_cb(evutil_socket_t fd, short what, void *arg)
{
}

/* Run the loop until pred(arg) or timeout_ms; returns pred's last value. */
static int
run_until(int (*pred)(void *), void *arg, int timeout_ms)
{
	struct event *ev = event_new(base, -1, EV_PERSIST, wake_cb, NULL);
	struct timeval tv = { 0, 10000 };
	uint64_t end = tick_mono_ms() + (uint64_t)timeout_ms;
	int ok;

	ck_assert_ptr_nonnull(ev);
	ck_assert_int_eq(event_add(ev, &tv), 0);
	while (!(ok = pred(arg)) && tick_mono_ms() < end)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(ev);
	return ok;
}

static int
never(void *arg)
{
	return 0;
}

static void
run_for(int ms)
{
	run_until(never, NULL, ms);
}

/* Run until *counter >= want. */
static int
run_count(int *counter, int want, int timeout_ms)
{
	struct event *ev = event_new(base, -1, EV_PERSIST, wake_cb, NULL);
	struct timeval tv = { 0, 10000 };
	uint64_t end = tick_mono_ms() + (uint64_t)timeout_ms;

	ck_assert_ptr_nonnull(ev);
	ck_assert_int_eq(event_add(ev, &tv), 0);
	while (*counter < want && tick_mono_ms() < end)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(ev);
	return *counter >= want;
}

static int
pool_ready(void *arg)
{
	return db_ready_connections() >= *(int *)arg;
}

static int
pool_available(void *arg)
{
	return db_available();
}

static int
pool_unavailable(void *arg)
{
	return !db_available();
}

/* What a db_cb saw. */
struct rec {
	int done;		/* times the callback ran: must end at exactly 1 */
	int ok;
	int ntuples;
	char val[64];		/* first column of the first row */
	char val2[64];		/* second column of the first row */
	char err[256];
	char sqlstate[6];
	char constraint[64];
	int unavailable;
	int order;		/* global completion order */
	pthread_t thread;
};

static int completions;
static int in_db_call;		/* set around db_query: a callback must never see it */

static void
rec_cb(const PGresult *res, const char *error, void *arg)
{
	struct rec *r = arg;

	ck_assert_int_eq(in_db_call, 0);
	r->done++;
	r->order = completions++;
	r->thread = pthread_self();
	if (res != NULL) {
		ck_assert_ptr_null(error);
		r->ok = 1;
		r->ntuples = PQntuples(res);
		if (r->ntuples > 0 && PQnfields(res) > 0)
			snprintf(r->val, sizeof r->val, "%s", PQgetvalue(res, 0, 0));
		if (r->ntuples > 0 && PQnfields(res) > 1)
			snprintf(r->val2, sizeof r->val2, "%s", PQgetvalue(res, 0, 1));
	} else {
		ck_assert_ptr_nonnull(error);
		snprintf(r->err, sizeof r->err, "%s", error);
		ck_assert_ptr_nonnull(db_sqlstate());
		snprintf(r->sqlstate, sizeof r->sqlstate, "%s", db_sqlstate());
		if (db_constraint() != NULL)
			snprintf(r->constraint, sizeof r->constraint, "%s", db_constraint());
		r->unavailable = db_error_unavailable();
	}
}

static void
query(const char *stmt, int n, const char *const *v, struct rec *r)
{
	in_db_call = 1;
	db_query(stmt, n, v, rec_cb, r);
	in_db_call = 0;
}

static void
txn(const struct db_stmt *s, int n, struct rec *r)
{
	in_db_call = 1;
	db_txn(s, n, rec_cb, r);
	in_db_call = 0;
}

static int
rec_done(void *arg)
{
	return ((struct rec *)arg)->done > 0;
}

static void
wait_rec(struct rec *r, int timeout_ms)
{
	ck_assert_msg(run_until(rec_done, r, timeout_ms), "query callback did not run");
	ck_assert_int_eq(r->done, 1);
}

static void
shutdown_done(void *arg)
{
	ck_assert_int_eq(in_db_call, 0);
	(*(int *)arg)++;
}

static void
stop_pool(void)
{
	int done = 0;

	in_db_call = 1;
	db_shutdown(shutdown_done, &done);
	in_db_call = 0;
	ck_assert_msg(run_count(&done, 1, DB_SHUTDOWN_TIMEOUT_MS + 2000), "shutdown never finished");
	ck_assert_int_eq(done, 1);
	ck_assert_str_eq(db_state(), "down");
}

static void
start_pool(int n, int wait_ready)
{
	ck_assert_int_eq(db_start(base, pgtest_conninfo(pg), n), 0);
	if (wait_ready)
		ck_assert_msg(run_until(pool_ready, &n, 5000), "pool did not come up");
}

/* First value of a blocking query, malloc'd, or NULL on error (sqlstate copied). */
static char *
sql_value(const char *ci, const char *sql, char *sqlstate, char *constraint)
{
	PGconn *c = PQconnectdb(ci);
	PGresult *res;
	char *v = NULL;
	const char *s;

	ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
	res = PQexec(c, sql);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0)
		v = strdup(PQgetvalue(res, 0, 0));
	else if (PQresultStatus(res) == PGRES_COMMAND_OK)
		v = strdup("");
	if (sqlstate != NULL) {
		s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		snprintf(sqlstate, 6, "%s", s != NULL ? s : "");
	}
	if (constraint != NULL) {
		s = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
		snprintf(constraint, 64, "%s", s != NULL ? s : "");
	}
	PQclear(res);
	PQfinish(c);
	return v;
}

static void
sql_ok(const char *ci, const char *sql)
{
	char *v = sql_value(ci, sql, NULL, NULL);

	ck_assert_msg(v != NULL, "failed: %s", sql);
	free(v);
}

/* Run sql expecting an error with this SQLSTATE (and constraint if not NULL). */
static void
sql_fails(const char *ci, const char *sql, const char *want_state, const char *want_cons)
{
	char state[6], cons[64];
	char *v = sql_value(ci, sql, state, cons);

	ck_assert_msg(v == NULL, "succeeded but should not: %s", sql);
	ck_assert_str_eq(state, want_state);
	if (want_cons != NULL)
		ck_assert_str_eq(cons, want_cons);
}

static void
sql_expect(const char *ci, const char *sql, const char *want)
{
	char *v = sql_value(ci, sql, NULL, NULL);

	ck_assert_msg(v != NULL, "failed: %s", sql);
	ck_assert_str_eq(v, want);
	free(v);
}

static void
setup(void)
{
	memset(&test_cfg, 0, sizeof test_cfg);
	test_cfg.db_pool_size = 2;
	test_cfg.db_statement_timeout_ms = 5000;
	test_cfg.db_connect_timeout_ms = 5000;
	/* An earlier outage test that failed half-way may have left it stopped. */
	ck_assert_int_eq(pgtest_start_server(pg), 0);
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	main_thread = pthread_self();
	completions = 0;
	in_db_call = 0;

	db_register("t_add", "SELECT $1::int + $2::int AS sum", 2);
	db_register("t_seq_pid", "SELECT $1::int AS seq, pg_backend_pid() AS pid", 1);
	db_register("t_sleep", "SELECT pg_sleep($1::float8)", 1);
	db_register("t_int", "SELECT $1::int", 1);
	db_register("t_ins", "INSERT INTO audit_log (action, target) VALUES ($1, $2) RETURNING id", 2);
	db_register("t_count", "SELECT count(*) FROM audit_log WHERE action = $1", 1);
	db_register("t_isnull", "SELECT $1::text IS NULL", 1);
}

static void
teardown(void)
{
	event_base_free(base);
	base = NULL;
}

/* ---- migrations ---- */

static const char *const tables[] = {
	"roles", "permissions", "role_permissions", "accounts", "sessions",
	"account_state", "audit_log", "server_secrets", "schema_version",
};

static void
assert_migrated(const char *ci)
{
	char sql[256], want[32];
	size_t i;

	snprintf(want, sizeof want, "%d", migrate_count);
	sql_expect(ci, "SELECT count(*) FROM schema_version", want);
	sql_expect(ci, "SELECT count(DISTINCT version) FROM schema_version", want);
	snprintf(want, sizeof want, "%d", migrate_latest());
	sql_expect(ci, "SELECT max(version) FROM schema_version", want);
	for (i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		snprintf(sql, sizeof sql, "SELECT to_regclass('public.%s') IS NOT NULL", tables[i]);
		sql_expect(ci, sql, "t");
	}
}

START_TEST(test_migrate_empty)
{
	char err[256] = "";
	char *ci = pgtest_create_db(pg, "mig_empty");

	ck_assert_ptr_nonnull(ci);
	ck_assert_int_ge(migrate_count, 1);
	ck_assert_int_eq(migrate_list[0].version, 1);
	ck_assert_msg(migrate_run(ci, err, sizeof err) == 0, "migrate: %s", err);
	assert_migrated(ci);
	free(ci);
}
END_TEST

START_TEST(test_migrate_idempotent)
{
	char err[256] = "";
	char *ci = pgtest_create_db(pg, "mig_idem");
	char *first;

	ck_assert_msg(migrate_run(ci, err, sizeof err) == 0, "first: %s", err);
	first = sql_value(ci, "SELECT string_agg(version || '@' || applied_at, ',') "
	    "FROM schema_version", NULL, NULL);
	ck_assert_msg(migrate_run(ci, err, sizeof err) == 0, "second: %s", err);
	ck_assert_msg(migrate_run(ci, err, sizeof err) == 0, "third: %s", err);
	assert_migrated(ci);
	/* Nothing was applied again. */
	sql_expect(ci, "SELECT string_agg(version || '@' || applied_at, ',') FROM schema_version",
	    first);
	free(first);
	free(ci);
}
END_TEST

START_TEST(test_migrate_concurrent)
{
	enum { N = 4 };
	char *ci = pgtest_create_db(pg, "mig_conc");
	pid_t pids[N];
	int go[2], i, status;
	char c;

	ck_assert_ptr_nonnull(ci);
	ck_assert_int_eq(pipe(go), 0);
	for (i = 0; i < N; i++) {
		pids[i] = fork();
		ck_assert_int_ne(pids[i], -1);
		if (pids[i] == 0) {
			char err[256];
			int rc;

			close(go[1]);
			/* All start together when the parent closes the pipe. */
			(void)!read(go[0], &c, 1);
			rc = migrate_run(ci, err, sizeof err);
			if (rc != 0)
				fprintf(stderr, "child %d: %s\n", i, err);
			free(ci);
			_exit(rc == 0 ? 0 : 1);
		}
	}
	close(go[0]);
	close(go[1]);
	for (i = 0; i < N; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "migrating process %d failed", i);
	}
	assert_migrated(ci);
	free(ci);
}
END_TEST

START_TEST(test_migrate_newer_refused)
{
	char err[256] = "", want[256];
	char *ci = pgtest_create_db(pg, "mig_newer");

	ck_assert_msg(migrate_run(ci, err, sizeof err) == 0, "migrate: %s", err);
	sql_ok(ci, "INSERT INTO schema_version (version) VALUES (999)");
	ck_assert_int_eq(migrate_run(ci, err, sizeof err), -1);
	snprintf(want, sizeof want, "database schema version 999 is newer than this "
	    "chatgridd knows (%d); upgrade chatgridd", migrate_latest());
	ck_assert_str_eq(err, want);
	/* Refused without touching anything. */
	snprintf(want, sizeof want, "%d", migrate_count);
	sql_expect(ci, "SELECT count(*) FROM schema_version WHERE version <> 999", want);
	free(ci);
}
END_TEST

START_TEST(test_migrate_no_server)
{
	char err[256] = "";

	ck_assert_int_eq(migrate_run("host=/nonexistent/pgtest port=5432 dbname=x user=postgres",
	    err, sizeof err), -1);
	ck_assert_msg(strncmp(err, "cannot connect to the database: ", 32) == 0, "%s", err);
	ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

/* The constraints of 001 do what the code relies on. */
START_TEST(test_migrate_schema)
{
	char err[256] = "";
	char *ci = pgtest_create_db(pg, "mig_schema");
	const char *h = "'0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'";
	char sql[512];

	ck_assert_msg(migrate_run(ci, err, sizeof err) == 0, "migrate: %s", err);
	sql_ok(ci, "INSERT INTO roles (name, is_system) VALUES ('user', true), ('spare', false)");
	sql_fails(ci, "INSERT INTO roles (name) VALUES ('user')", "23505", "roles_name_key");
	sql_ok(ci, "INSERT INTO accounts (username, password_hash, role_id) "
	    "SELECT 'alice', '$argon2id$x', id FROM roles WHERE name = 'user'");
	sql_fails(ci, "INSERT INTO accounts (username, password_hash, role_id) "
	    "SELECT 'ALICE', 'h', id FROM roles WHERE name = 'user'", "23505",
	    "accounts_username_key");
	/* Emails: any number of NULLs, unique regardless of case otherwise. */
	sql_ok(ci, "INSERT INTO accounts (username, password_hash, role_id, email) "
	    "SELECT 'bob', 'h', id, 'Bob@Example.org' FROM roles WHERE name = 'user'");
	sql_ok(ci, "INSERT INTO accounts (username, password_hash, role_id) "
	    "SELECT 'carol', 'h', id FROM roles WHERE name = 'user'");
	sql_fails(ci, "INSERT INTO accounts (username, password_hash, role_id, email) "
	    "SELECT 'dave', 'h', id, 'bob@example.org' FROM roles WHERE name = 'user'", "23505",
	    "accounts_email_key");
	sql_fails(ci, "UPDATE accounts SET status = 'banned' WHERE username = 'bob'", "23514",
	    "accounts_status_check");
	sql_expect(ci, "SELECT status FROM accounts WHERE username = 'alice'", "active");
	/* Sessions store only a 64-hex-digit HMAC. */
	snprintf(sql, sizeof sql, "INSERT INTO sessions (account_id, token_hash, expires_at) "
	    "SELECT id, %s, now() + interval '14 days' FROM accounts WHERE username = 'alice'", h);
	sql_ok(ci, sql);
	sql_fails(ci, "INSERT INTO sessions (account_id, token_hash, expires_at) "
	    "SELECT id, 'plain-token', now() FROM accounts WHERE username = 'alice'", "23514",
	    "sessions_token_hash_check");
	sql_fails(ci, sql, "23505", "sessions_token_hash_key");
	sql_ok(ci, "INSERT INTO account_state (account_id, last_nickname, last_x, last_y) "
	    "SELECT id, 'Alice', 3, 4 FROM accounts WHERE username = 'alice'");
	sql_fails(ci, "UPDATE account_state SET last_y = NULL", "23514",
	    "account_state_position_check");
	/* A role with accounts cannot go; an account takes its sessions and state along. */
	sql_fails(ci, "DELETE FROM roles WHERE name = 'user'", "23503", NULL);
	sql_ok(ci, "INSERT INTO audit_log (actor_account_id, actor_name, action, detail) "
	    "SELECT id, username, 'test', '{\"k\": 1}' FROM accounts WHERE username = 'alice'");
	sql_ok(ci, "DELETE FROM accounts WHERE username = 'alice'");
	sql_expect(ci, "SELECT count(*) FROM sessions", "0");
	sql_expect(ci, "SELECT count(*) FROM account_state", "0");
	sql_expect(ci, "SELECT count(*) FROM audit_log WHERE actor_name = 'alice'", "1");
	sql_ok(ci, "INSERT INTO server_secrets (name, value) VALUES ('session_hmac', "
	    "'\\x00ff'::bytea)");
	sql_expect(ci, "SELECT pg_typeof(created_at)::text FROM server_secrets",
	    "timestamp with time zone");
	free(ci);
}
END_TEST

/* ---- the pool ---- */

START_TEST(test_db_roundtrip)
{
	const char *v[] = { "2", "3" };
	const char *vn[] = { NULL };
	struct rec r = { 0 }, rn = { 0 };

	log_set_trace(TRACE_DB);
	ck_assert_int_eq(db_start(base, pgtest_conninfo(pg), 2), 0);
	/* Not up yet: queries wait for the first connection. */
	ck_assert_str_eq(db_state(), "connecting");
	ck_assert_int_eq(db_available(), 0);
	query("t_add", 2, v, &r);
	query("t_isnull", 1, vn, &rn);
	ck_assert_int_eq(r.done, 0);
	wait_rec(&r, 5000);
	wait_rec(&rn, 5000);
	ck_assert_msg(r.ok, "error: %s", r.err);
	ck_assert_str_eq(r.val, "5");
	ck_assert_msg(rn.ok, "error: %s", rn.err);
	ck_assert_str_eq(rn.val, "t");
	ck_assert(pthread_equal(r.thread, main_thread));
	ck_assert_str_eq(db_state(), "up");
	ck_assert_int_eq(db_available(), 1);
	log_set_trace(0);
	stop_pool();
}
END_TEST

START_TEST(test_db_fifo_pool2)
{
	enum { N = 200 };
	static struct rec r[N];
	char seq[N][12];
	const char *v[1];
	long last[2] = { -1, -1 };
	char pid[2][64] = { "", "" };
	int i, k, done = 0;

	memset(r, 0, sizeof r);
	start_pool(2, 1);
	for (i = 0; i < N; i++) {
		snprintf(seq[i], sizeof seq[i], "%d", i);
		v[0] = seq[i];
		query("t_seq_pid", 1, v, &r[i]);
	}
	/* The queue holds what the two connections cannot take yet. */
	ck_assert_int_eq(db_queued(), N - 2);
	for (i = 0; i < N; i++)
		wait_rec(&r[i], 10000);
	/* Per connection (backend pid), results arrive in submission order. */
	for (k = 0; k < N; k++) {
		for (i = 0; i < N; i++)
			if (r[i].order == k)
				break;
		ck_assert_int_lt(i, N);
		ck_assert_msg(r[i].ok, "error: %s", r[i].err);
		ck_assert_int_eq(atoi(r[i].val), i);
		if (pid[0][0] == '\0' || strcmp(pid[0], r[i].val2) == 0) {
			snprintf(pid[0], sizeof pid[0], "%s", r[i].val2);
			ck_assert_int_gt(i, last[0]);
			last[0] = i;
		} else {
			if (pid[1][0] == '\0')
				snprintf(pid[1], sizeof pid[1], "%s", r[i].val2);
			ck_assert_str_eq(pid[1], r[i].val2);
			ck_assert_int_gt(i, last[1]);
			last[1] = i;
		}
		done++;
	}
	ck_assert_int_eq(done, N);
	/* Both connections did work. */
	ck_assert(pid[1][0] != '\0');
	ck_assert_int_eq(db_queued(), 0);
	stop_pool();
}
END_TEST

START_TEST(test_db_statement_timeout)
{
	const char *slow[] = { "3" };
	const char *v[] = { "40", "2" };
	struct rec r = { 0 }, r2 = { 0 };
	uint64_t t0;

	test_cfg.db_statement_timeout_ms = 200;
	start_pool(1, 1);
	t0 = tick_mono_ms();
	query("t_sleep", 1, slow, &r);
	wait_rec(&r, 5000);
	ck_assert_int_eq(r.ok, 0);
	ck_assert_str_eq(r.sqlstate, "57014");
	ck_assert_int_eq(r.unavailable, 0);
	ck_assert_msg(strstr(r.err, "statement timeout") != NULL, "%s", r.err);
	ck_assert_uint_lt(tick_mono_ms() - t0, 2000);
	/* The connection survives a timeout. */
	ck_assert_int_eq(db_available(), 1);
	query("t_add", 2, v, &r2);
	wait_rec(&r2, 5000);
	ck_assert_str_eq(r2.val, "42");
	stop_pool();
}
END_TEST

START_TEST(test_db_txn_commit)
{
	const char *a[] = { "txn_commit", "a" };
	const char *b[] = { "txn_commit", "b" };
	const char *c[] = { "txn_commit" };
	struct db_stmt s[] = {
		{ "t_ins", 2, a },
		{ "t_ins", 2, b },
		{ "t_count", 1, c },
	};
	struct rec r = { 0 }, rc = { 0 };

	start_pool(1, 1);
	txn(s, 3, &r);
	wait_rec(&r, 5000);
	ck_assert_msg(r.ok, "error: %s", r.err);
	/* The callback gets the last statement's result. */
	ck_assert_str_eq(r.val, "2");
	query("t_count", 1, c, &rc);
	wait_rec(&rc, 5000);
	ck_assert_str_eq(rc.val, "2");
	stop_pool();
}
END_TEST

START_TEST(test_db_txn_rollback)
{
	const char *a[] = { "txn_rollback", "a" };
	const char *bad[] = { "not a number" };
	const char *c[] = { "txn_rollback" };
	struct db_stmt s[] = {
		{ "t_ins", 2, a },
		{ "t_int", 1, bad },
		{ "t_ins", 2, a },
	};
	struct db_stmt unknown[] = { { "t_ins", 2, a }, { "no_such", 0, NULL } };
	struct rec r = { 0 }, rc = { 0 }, ru = { 0 };

	/* One connection: the count below runs where the rollback ran. */
	start_pool(1, 1);
	txn(s, 3, &r);
	wait_rec(&r, 5000);
	ck_assert_int_eq(r.ok, 0);
	ck_assert_str_eq(r.sqlstate, "22P02");
	ck_assert_int_eq(r.unavailable, 0);
	query("t_count", 1, c, &rc);
	wait_rec(&rc, 5000);
	ck_assert_msg(rc.ok, "after rollback: %s", rc.err);
	ck_assert_str_eq(rc.val, "0");
	/* A transaction naming an unknown statement fails before running anything. */
	txn(unknown, 2, &ru);
	ck_assert_int_eq(ru.done, 0);
	wait_rec(&ru, 5000);
	ck_assert_int_eq(ru.ok, 0);
	ck_assert_str_eq(ru.sqlstate, "26000");
	stop_pool();
}
END_TEST

START_TEST(test_db_unique_violation)
{
	const char *v[] = { "x" };
	struct rec r = { 0 };

	db_register("t_dup", "INSERT INTO permissions (key, description) VALUES ($1, 'd')", 1);
	start_pool(1, 1);
	query("t_dup", 1, v, &r);
	wait_rec(&r, 5000);
	ck_assert(r.ok);
	memset(&r, 0, sizeof r);
	query("t_dup", 1, v, &r);
	wait_rec(&r, 5000);
	ck_assert_int_eq(r.ok, 0);
	ck_assert_str_eq(r.sqlstate, "23505");
	ck_assert_str_eq(r.constraint, "permissions_pkey");
	ck_assert_int_eq(r.unavailable, 0);
	stop_pool();
}
END_TEST

/* A parameter far larger than the socket buffer: sending must wait for writability. */
START_TEST(test_db_large_parameter)
{
	enum { LEN = 8 << 20 };
	char *big = malloc(LEN + 1), want[16];
	const char *v[1];
	struct rec r[3];
	int i;

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', LEN);
	big[LEN] = '\0';
	v[0] = big;
	memset(r, 0, sizeof r);
	db_register("t_len", "SELECT length($1::text)", 1);
	start_pool(2, 1);
	for (i = 0; i < 3; i++)
		query("t_len", 1, v, &r[i]);
	free(big);	/* db_query copied it */
	snprintf(want, sizeof want, "%d", LEN);
	for (i = 0; i < 3; i++) {
		wait_rec(&r[i], 20000);
		ck_assert_msg(r[i].ok, "error: %s", r[i].err);
		ck_assert_str_eq(r[i].val, want);
	}
	stop_pool();
}
END_TEST

START_TEST(test_db_unknown_statement)
{
	struct rec r = { 0 };
	const char *v[] = { "1", "2", "3" };

	start_pool(1, 0);
	query("no_such_statement", 0, NULL, &r);
	ck_assert_int_eq(r.done, 0);
	wait_rec(&r, 1000);
	ck_assert_int_eq(r.ok, 0);
	memset(&r, 0, sizeof r);
	query("t_add", 3, v, &r);	/* wrong parameter count */
	wait_rec(&r, 1000);
	ck_assert_int_eq(r.ok, 0);
	stop_pool();
}
END_TEST

static int shutdown_order = -1;

static void
shutdown_order_cb(void *arg)
{
	shutdown_order = completions++;
}

START_TEST(test_db_shutdown_drains)
{
	enum { N = 5 };
	struct rec r[N], late = { 0 };
	const char *v[] = { "0.05" };
	int i;

	memset(r, 0, sizeof r);
	start_pool(1, 1);
	for (i = 0; i < N; i++)
		query("t_sleep", 1, v, &r[i]);
	db_shutdown(shutdown_order_cb, NULL);
	ck_assert_int_eq(db_available(), 0);
	query("t_sleep", 1, v, &late);
	ck_assert_int_eq(late.done, 0);
	ck_assert_msg(run_until(rec_done, &late, 1000), "late query never answered");
	ck_assert_int_eq(late.ok, 0);
	ck_assert_msg(strstr(late.err, DB_ERR_SHUTDOWN) != NULL, "%s", late.err);
	for (i = 0; i < N; i++) {
		wait_rec(&r[i], 5000);
		ck_assert_msg(r[i].ok, "queued query %d failed: %s", i, r[i].err);
	}
	ck_assert_msg(run_count(&shutdown_order, 0, 2000), "shutdown done never ran");
	/* done runs after every callback. */
	ck_assert_int_eq(shutdown_order, N + 1);
	ck_assert_str_eq(db_state(), "down");
	/* After a shutdown, queries still get an answer, and the pool can start again. */
	memset(&late, 0, sizeof late);
	query("t_sleep", 1, v, &late);
	wait_rec(&late, 1000);
	ck_assert_int_eq(late.ok, 0);
	start_pool(1, 1);
	stop_pool();
}
END_TEST

START_TEST(test_db_down_at_start)
{
	const char *v[] = { "1", "1" };
	struct rec r = { 0 };
	uint64_t t0;

	ck_assert_int_eq(db_start(base, "host=/nonexistent/pgtest port=5432 dbname=x user=postgres",
	    2), 0);
	ck_assert_str_eq(db_state(), "down");
	t0 = tick_mono_ms();
	query("t_add", 2, v, &r);
	ck_assert_int_eq(r.done, 0);
	wait_rec(&r, 1000);
	ck_assert_uint_lt(tick_mono_ms() - t0, 500);
	ck_assert_int_eq(r.ok, 0);
	ck_assert_str_eq(r.err, DB_ERR_UNAVAILABLE);
	ck_assert_int_eq(r.unavailable, 1);
	/* The daemon keeps retrying in the background without trouble. */
	run_for(400);
	ck_assert_str_eq(db_state(), "down");
	stop_pool();
}
END_TEST

/* Stop (or kill) the server under the pool, check the failures, bring it back. */
static void
outage(int immediate, int busy)
{
	enum { NQ = 3 };
	const char *sleepv[] = { "5" };
	const char *addv[] = { "2", "3" };
	struct rec slow[2], queued[NQ], now = { 0 }, after = { 0 };
	uint64_t t0;
	int i;

	memset(slow, 0, sizeof slow);
	memset(queued, 0, sizeof queued);
	test_cfg.db_statement_timeout_ms = 20000;
	start_pool(2, 1);
	if (busy) {
		/* Both connections busy, more waiting behind them. */
		for (i = 0; i < 2; i++)
			query("t_sleep", 1, sleepv, &slow[i]);
		for (i = 0; i < NQ; i++)
			query("t_add", 2, addv, &queued[i]);
		run_for(300);
		ck_assert_int_eq(slow[0].done + slow[1].done, 0);
	}

	ck_assert_int_eq(immediate ? pgtest_kill_server(pg) : pgtest_stop_server(pg), 0);

	if (busy) {
		/* In-flight queries fail to their callers; so do the waiting ones. */
		for (i = 0; i < 2; i++) {
			wait_rec(&slow[i], 5000);
			ck_assert_int_eq(slow[i].ok, 0);
			ck_assert_msg(slow[i].unavailable, "in flight: %s (%s)", slow[i].err,
			    slow[i].sqlstate);
		}
		for (i = 0; i < NQ; i++) {
			wait_rec(&queued[i], 5000);
			ck_assert_int_eq(queued[i].ok, 0);
			ck_assert_int_eq(queued[i].unavailable, 1);
		}
	}
	/* Idle connections notice too: the pool goes down. */
	ck_assert_msg(run_until(pool_unavailable, NULL, 5000), "pool still claims to be up");
	ck_assert_str_eq(db_state(), "down");

	/* New queries fail at once, and later (never inside db_query). */
	t0 = tick_mono_ms();
	query("t_add", 2, addv, &now);
	ck_assert_int_eq(now.done, 0);
	wait_rec(&now, 1000);
	ck_assert_uint_lt(tick_mono_ms() - t0, 500);
	ck_assert_int_eq(now.ok, 0);
	ck_assert_str_eq(now.err, DB_ERR_UNAVAILABLE);
	ck_assert_int_eq(now.unavailable, 1);

	/* Down for a while: backoff grows, the loop runs on. */
	run_for(1500);
	ck_assert_str_eq(db_state(), "down");

	ck_assert_int_eq(pgtest_start_server(pg), 0);
	t0 = tick_mono_ms();
	ck_assert_msg(run_until(pool_available, NULL, 8000), "pool did not reconnect");
	ck_assert_uint_lt(tick_mono_ms() - t0, 7000);
	ck_assert_str_eq(db_state(), "up");
	query("t_add", 2, addv, &after);
	wait_rec(&after, 5000);
	ck_assert_msg(after.ok, "after reconnect: %s", after.err);
	ck_assert_str_eq(after.val, "5");
	/* Every connection comes back, statements prepared again. */
	i = 2;
	ck_assert_msg(run_until(pool_ready, &i, 8000), "second connection did not return");
	stop_pool();
}

START_TEST(test_db_outage_fast)
{
	outage(0, 1);
}
END_TEST

START_TEST(test_db_outage_immediate_idle)
{
	outage(1, 0);
}
END_TEST

START_TEST(test_db_outage_immediate_busy)
{
	outage(1, 1);
}
END_TEST

/* ---- worker pool ---- */

struct job {
	pthread_t work_thread;
	pthread_t done_thread;
	int worked;
	int done;
	sem_t *gate;		/* if set, work waits on it */
	int *counter;
};

static void
job_work(void *arg)
{
	struct job *j = arg;

	j->work_thread = pthread_self();
	if (j->gate != NULL)
		while (sem_wait(j->gate) == -1)
			;
	else
		usleep(20000);
	j->worked++;
}

static void
job_done(void *arg)
{
	struct job *j = arg;

	j->done_thread = pthread_self();
	j->done++;
	(*j->counter)++;
}

START_TEST(test_worker_on_loop)
{
	enum { N = 6 };
	struct job j[N];
	int i, count = 0;

	memset(j, 0, sizeof j);
	ck_assert_int_eq(worker_init(base, 2, 8), 0);
	for (i = 0; i < N; i++) {
		j[i].counter = &count;
		ck_assert_int_eq(worker_submit(job_work, job_done, &j[i]), 0);
	}
	ck_assert_int_eq(count, 0);
	ck_assert_msg(run_count(&count, N, 5000), "jobs did not complete");
	for (i = 0; i < N; i++) {
		ck_assert_int_eq(j[i].worked, 1);
		ck_assert_int_eq(j[i].done, 1);
		ck_assert(!pthread_equal(j[i].work_thread, main_thread));
		ck_assert(pthread_equal(j[i].done_thread, main_thread));
	}
	worker_shutdown();
	ck_assert_int_eq(count, N);
}
END_TEST

START_TEST(test_worker_queue_full)
{
	struct job j[4];
	sem_t gate;
	int i, count = 0;

	memset(j, 0, sizeof j);
	ck_assert_int_eq(sem_init(&gate, 0, 0), 0);
	ck_assert_int_eq(worker_init(base, 1, 2), 0);
	for (i = 0; i < 4; i++) {
		j[i].counter = &count;
		j[i].gate = &gate;
	}
	ck_assert_int_eq(worker_submit(job_work, job_done, &j[0]), 0);
	for (i = 0; i < 200 && worker_running() == 0; i++)
		usleep(10000);
	ck_assert_int_eq(worker_running(), 1);
	ck_assert_int_eq(worker_submit(job_work, job_done, &j[1]), 0);
	ck_assert_int_eq(worker_submit(job_work, job_done, &j[2]), 0);
	/* One running, two waiting: the next is refused and stays the caller's. */
	ck_assert_int_eq(worker_queued(), 2);
	ck_assert_int_eq(worker_submit(job_work, job_done, &j[3]), -1);
	for (i = 0; i < 3; i++)
		sem_post(&gate);
	ck_assert_msg(run_count(&count, 3, 5000), "jobs did not complete");
	ck_assert_int_eq(j[3].worked + j[3].done, 0);
	/* Room again. */
	j[3].gate = NULL;
	ck_assert_int_eq(worker_submit(job_work, job_done, &j[3]), 0);
	ck_assert_msg(run_count(&count, 4, 5000), "job did not complete");
	worker_shutdown();
	ck_assert_int_eq(worker_submit(job_work, job_done, &j[3]), -1);
	sem_destroy(&gate);
}
END_TEST

/* A waiting job can be withdrawn: its work never runs, its done still does, later. */
START_TEST(test_worker_cancel)
{
	struct job j[3];
	sem_t gate;
	int i, count = 0;

	memset(j, 0, sizeof j);
	ck_assert_int_eq(sem_init(&gate, 0, 0), 0);
	ck_assert_int_eq(worker_init(base, 1, 4), 0);
	for (i = 0; i < 3; i++)
		j[i].counter = &count;
	j[0].gate = &gate;
	ck_assert_int_eq(worker_submit(job_work, job_done, &j[0]), 0);
	for (i = 0; i < 200 && worker_running() == 0; i++)
		usleep(10000);
	ck_assert_int_eq(worker_running(), 1);
	ck_assert_int_eq(worker_submit(job_work, job_done, &j[1]), 0);
	ck_assert_int_eq(worker_submit(job_work, job_done, &j[2]), 0);
	ck_assert_int_eq(worker_cancel(&j[1]), 1);
	/* Not inside the call; out of the queue at once; a running job is not withdrawn. */
	ck_assert_int_eq(count, 0);
	ck_assert_int_eq(worker_queued(), 1);
	ck_assert_int_eq(worker_cancel(&j[0]), 0);
	ck_assert_int_eq(worker_cancel(&j[1]), 0);
	sem_post(&gate);
	ck_assert_msg(run_count(&count, 3, 5000), "jobs did not complete");
	ck_assert_int_eq(j[0].worked, 1);
	ck_assert_int_eq(j[1].worked, 0);
	ck_assert_int_eq(j[2].worked, 1);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(j[i].done, 1);
		ck_assert(pthread_equal(j[i].done_thread, main_thread));
	}
	worker_shutdown();
	sem_destroy(&gate);
}
END_TEST

START_TEST(test_worker_shutdown_runs_all)
{
	enum { N = 5 };
	struct job j[N];
	int i, count = 0;

	memset(j, 0, sizeof j);
	ck_assert_int_eq(worker_init(base, 1, 8), 0);
	for (i = 0; i < N; i++) {
		j[i].counter = &count;
		ck_assert_int_eq(worker_submit(job_work, job_done, &j[i]), 0);
	}
	/* Every accepted job runs and its done runs here, exactly once. */
	worker_shutdown();
	ck_assert_int_eq(count, N);
	for (i = 0; i < N; i++) {
		ck_assert_int_eq(j[i].worked, 1);
		ck_assert_int_eq(j[i].done, 1);
		ck_assert(pthread_equal(j[i].done_thread, main_thread));
	}
	/* And it can start again. */
	ck_assert_int_eq(worker_init(base, 1, 1), 0);
	worker_shutdown();
}
END_TEST

static Suite *
db_suite(void)
{
	Suite *s = suite_create("db");
	TCase *tc;

	tc = tcase_create("migrate");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_migrate_empty);
	tcase_add_test(tc, test_migrate_idempotent);
	tcase_add_test(tc, test_migrate_concurrent);
	tcase_add_test(tc, test_migrate_newer_refused);
	tcase_add_test(tc, test_migrate_no_server);
	tcase_add_test(tc, test_migrate_schema);
	suite_add_tcase(s, tc);

	tc = tcase_create("pool");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_db_roundtrip);
	tcase_add_test(tc, test_db_fifo_pool2);
	tcase_add_test(tc, test_db_statement_timeout);
	tcase_add_test(tc, test_db_txn_commit);
	tcase_add_test(tc, test_db_txn_rollback);
	tcase_add_test(tc, test_db_unique_violation);
	tcase_add_test(tc, test_db_large_parameter);
	tcase_add_test(tc, test_db_unknown_statement);
	tcase_add_test(tc, test_db_shutdown_drains);
	tcase_add_test(tc, test_db_down_at_start);
	suite_add_tcase(s, tc);

	tc = tcase_create("outage");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_db_outage_fast);
	tcase_add_test(tc, test_db_outage_immediate_idle);
	tcase_add_test(tc, test_db_outage_immediate_busy);
	suite_add_tcase(s, tc);

	tc = tcase_create("worker");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_worker_on_loop);
	tcase_add_test(tc, test_worker_queue_full);
	tcase_add_test(tc, test_worker_cancel);
	tcase_add_test(tc, test_worker_shutdown_runs_all);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	char err[256];
	int failed;

	/* As chatgridd's main does, before any event base exists. */
	if (evthread_use_pthreads() != 0) {
		printf("Bail out! evthread_use_pthreads failed\n");
		return 99;
	}
	if ((pg = pgtest_start()) == NULL) {
		printf("Bail out! cannot start a private PostgreSQL cluster\n");
		return 99;
	}
	if (migrate_run(pgtest_conninfo(pg), err, sizeof err) != 0) {
		printf("Bail out! migrating the test database: %s\n", err);
		pgtest_free(pg);
		return 99;
	}
	sr = srunner_create(db_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	pgtest_free(pg);
	return failed == 0 ? 0 : 1;
}

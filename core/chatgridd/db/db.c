/*
 * db.c: a pool of non-blocking libpq connections driven by the event loop.
 *
 * Each connection is a small state machine: WAIT (backoff timer before the
 * next attempt) -> CONNECTING (PQconnectPoll on socket readiness) -> SETUP
 * (SET statement_timeout, then PREPARE every registered statement, one
 * round trip each) -> READY <-> BUSY (one request in flight). Any failure
 * closes the PGconn, fails the request in flight and goes back to WAIT with
 * a doubled backoff. Requests wait in one FIFO; finished requests go to a
 * done list whose callbacks run from a separate event, so a callback never
 * runs inside db_query and may itself start queries or shut the pool down.
 *
 * libpq traps (TOOLING.md): after the server dies PQstatus may still say
 * CONNECTION_OK once, so every FATAL or SQLSTATE-less error result is taken
 * as a lost connection; and a new PGconn means a new fd, so the socket event
 * is made afresh for every PGconn and after every PQconnectPoll step.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "cfg.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "tick.h"
#include "xmalloc.h"

#define DB_BACKOFF_MIN_MS 100
#define DB_BACKOFF_MAX_MS 5000
#define DB_CONNECT_TIMEOUT_MS 10000	/* when cfg has none */
/* Past statement_timeout, how long before we stop trusting the connection. */
#define DB_QUERY_GRACE_MS 10000
/* Requests waiting for a connection; beyond this, refuse rather than pile up. */
#define DB_QUEUE_MAX 4096

/* SQLSTATEs we hand out for failures that never reached a server. */
#define DB_STATE_CONN "08006"		/* connection_failure */
#define DB_STATE_FULL "53000"		/* insufficient_resources */
#define DB_STATE_NOSTMT "26000"		/* invalid_sql_statement_name */

struct db_prep {
	char *name;
	char *sql;
	int nparams;
};

struct db_step {
	const struct db_prep *prep;	/* in db_preps, which only grows */
	char **values;			/* owned; entries NULL for SQL NULL */
};

/* A txn runs BEGIN, steps 0..nsteps-1, COMMIT; ROLLBACK after a failure. */
#define DB_PHASE_BEGIN (-1)
#define DB_PHASE_ROLLBACK (-2)

struct db_req {
	struct db_req *next;
	struct db_step *steps;		/* owned */
	int nsteps;
	int txn;
	int phase;			/* step index, DB_PHASE_*, or nsteps for COMMIT */
	int sent;			/* something reached a connection */
	db_cb cb;
	void *arg;
	PGresult *res;			/* owned; the result handed to cb */
	char *error;			/* owned; non-NULL means failure */
	char sqlstate[6];
	char *constraint;		/* owned */
	uint64_t queued_ms;
	uint64_t sent_ms;
	uint64_t queued_ns;		/* for the query-time histogram */
};

struct db_reqlist {
	struct db_req *head;
	struct db_req *tail;
	int n;
};

enum db_conn_state {
	DBC_CLOSED,		/* not connected and not coming back (shutdown) */
	DBC_WAIT,		/* backoff timer armed before the next attempt */
	DBC_CONNECTING,
	DBC_SETUP,
	DBC_READY,
	DBC_BUSY,
};

struct db_conn {
	int idx;
	enum db_conn_state state;
	PGconn *pg;			/* owned; NULL unless CONNECTING..BUSY */
	struct event *ev;		/* owned; on PQsocket(pg) */
	short ev_what;
	struct event *timer;		/* owned; backoff, connect or query timeout */
	int backoff_ms;
	int setup_step;			/* 0: SET ...; 1..: PREPARE db_preps[step - 1] */
	PGresult *step_res;		/* owned; the step's first error or last result */
	struct db_req *req;		/* owned while in flight */
	int attempts_failed;		/* since the last time this connection was up */
};

static struct db_prep *db_preps;
static int db_nprep;

/* LISTEN channels, all on connection 0 (so each notification arrives once). */
struct db_listener {
	char *channel;
	void (*fn)(const char *payload, void *arg);
	void *arg;
};
static struct db_listener *db_listeners;
static int db_nlisteners;

static struct event_base *db_base;
static char *db_conninfo;
static struct db_conn *db_conns;
static int db_nconns;
static int db_running;		/* between db_start and the end of db_shutdown */
static int db_nup;		/* connections READY or BUSY */
static int db_failed;		/* nothing up and an attempt failed since the last up */
static int db_stopping;
static void (*db_stop_done)(void *);
static void *db_stop_arg;
static struct event *db_stop_timer;

static struct db_reqlist db_wait;	/* waiting for a connection */
static struct db_reqlist db_done;	/* finished, callback not yet run */
static struct event *db_done_ev;
static const struct db_req *db_cur;	/* the request whose callback runs now */

static void db_conn_connect(struct db_conn *);
static void db_conn_fail(struct db_conn *, const char *why);
static void db_dispatch(void);

/* ---- requests ---- */

static void
db_list_push(struct db_reqlist *l, struct db_req *r)
{
	r->next = NULL;
	if (l->tail != NULL)
		l->tail->next = r;
	else
		l->head = r;
	l->tail = r;
	l->n++;
}

static void
db_list_push_front(struct db_reqlist *l, struct db_req *r)
{
	r->next = l->head;
	l->head = r;
	if (l->tail == NULL)
		l->tail = r;
	l->n++;
}

static struct db_req *
db_list_pop(struct db_reqlist *l)
{
	struct db_req *r = l->head;

	if (r == NULL)
		return NULL;
	l->head = r->next;
	if (l->head == NULL)
		l->tail = NULL;
	l->n--;
	r->next = NULL;
	return r;
}

static void
db_req_free(struct db_req *r)
{
	int i, j;

	for (i = 0; i < r->nsteps; i++) {
		if (r->steps[i].values == NULL)
			continue;
		for (j = 0; j < r->steps[i].prep->nparams; j++)
			free(r->steps[i].values[j]);
		free(r->steps[i].values);
	}
	free(r->steps);
	if (r->res != NULL)
		PQclear(r->res);
	free(r->error);
	free(r->constraint);
	free(r);
}

static const char *
db_req_name(const struct db_req *r)
{
	return r->nsteps > 0 && r->steps[0].prep != NULL ? r->steps[0].prep->name : "?";
}

static void db_deliver(struct db_req *);

/* Outside db_start..db_shutdown: one request, delivered by event_base_once. */
static void
db_once_cb(evutil_socket_t fd, short what, void *arg)
{
	db_deliver(arg);
}

/* Hand r to the done list; its callback runs from db_done_cb. */
static void
db_complete(struct db_req *r)
{
	if (log_trace_mask & TRACE_DB) {
		uint64_t now = tick_mono_ms();

		log_trace(TRACE_DB, "%s%s finished in %llu ms: %s", r->txn ? "txn " : "",
		    db_req_name(r), (unsigned long long)(now - r->queued_ms),
		    r->error != NULL ? r->error : "ok");
	}
	if (db_done_ev == NULL) {
		if (event_base_once(db_base, -1, EV_TIMEOUT, db_once_cb, r, NULL) != 0)
			fatalx("cannot schedule a database callback");
		return;
	}
	db_list_push(&db_done, r);
	event_active(db_done_ev, EV_TIMEOUT, 0);
}

/* Fail r with a message of ours (not from a server). */
static void
db_fail_req(struct db_req *r, const char *error, const char *sqlstate)
{
	if (r->res != NULL)
		PQclear(r->res);
	r->res = NULL;
	if (r->error == NULL) {
		r->error = xstrdup(error);
		snprintf(r->sqlstate, sizeof r->sqlstate, "%s", sqlstate);
	}
	db_complete(r);
}

static void
db_fail_waiting(const char *error, const char *sqlstate)
{
	struct db_req *r;

	while ((r = db_list_pop(&db_wait)) != NULL)
		db_fail_req(r, error, sqlstate);
}

/* Record a server's (or libpq's) error result on r. */
static void
db_req_set_error(struct db_req *r, PGconn *pg, const PGresult *res)
{
	const char *msg = NULL, *state = NULL, *cons = NULL;
	size_t len;

	if (r->error != NULL)
		return;
	if (res != NULL) {
		msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		if (msg == NULL || *msg == '\0')
			msg = PQresultErrorMessage(res);
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		cons = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
	}
	if (msg == NULL || *msg == '\0')
		msg = PQerrorMessage(pg);
	if (msg == NULL || *msg == '\0')
		msg = DB_ERR_LOST;
	r->error = xstrdup(msg);
	len = strlen(r->error);
	while (len > 0 && (r->error[len - 1] == '\n' || r->error[len - 1] == ' '))
		r->error[--len] = '\0';
	snprintf(r->sqlstate, sizeof r->sqlstate, "%s", state != NULL ? state : DB_STATE_CONN);
	if (cons != NULL)
		r->constraint = xstrdup(cons);
}

static struct db_req *
db_req_new(db_cb cb, void *arg, int nsteps, int txn)
{
	struct db_req *r;

	/* Without a loop there is nowhere to run the callback later: a bug. */
	if (db_base == NULL)
		fatalx("database query before db_start");
	r = xcalloc(1, sizeof *r);

	r->steps = xcalloc((size_t)nsteps, sizeof *r->steps);
	r->nsteps = nsteps;
	r->txn = txn;
	r->phase = txn ? DB_PHASE_BEGIN : 0;
	r->cb = cb;
	r->arg = arg;
	r->queued_ms = tick_mono_ms();
	r->queued_ns = metrics_now_ns();
	return r;
}

static const struct db_prep *
db_find_prep(const char *name)
{
	int i;

	for (i = 0; i < db_nprep; i++)
		if (strcmp(db_preps[i].name, name) == 0)
			return &db_preps[i];
	return NULL;
}

/* Fill step i of r; returns -1 (logged, r failed later) for an unknown statement. */
static int
db_req_set_step(struct db_req *r, int i, const char *name, int nparams,
    const char *const *values)
{
	const struct db_prep *p = db_find_prep(name);
	int j;

	if (p == NULL || p->nparams != nparams) {
		log_error("statement %s %s", name,
		    p == NULL ? "is not registered" : "called with the wrong number of parameters");
		return -1;
	}
	r->steps[i].prep = p;
	if (nparams > 0) {
		r->steps[i].values = xcalloc((size_t)nparams, sizeof *r->steps[i].values);
		for (j = 0; j < nparams; j++)
			r->steps[i].values[j] = values[j] != NULL ? xstrdup(values[j]) : NULL;
	}
	return 0;
}

/* Queue r, or fail it at once when it cannot run soon. */
static void
db_enqueue(struct db_req *r)
{
	if (!db_running || db_stopping) {
		db_fail_req(r, db_running ? DB_ERR_SHUTDOWN : DB_ERR_UNAVAILABLE, DB_STATE_CONN);
		return;
	}
	if (db_nup == 0 && db_failed) {
		db_fail_req(r, DB_ERR_UNAVAILABLE, DB_STATE_CONN);
		return;
	}
	if (db_wait.n >= DB_QUEUE_MAX) {
		db_fail_req(r, DB_ERR_QUEUE_FULL, DB_STATE_FULL);
		return;
	}
	db_list_push(&db_wait, r);
	db_dispatch();
}

void
db_query(const char *stmt, int nparams, const char *const *values, db_cb cb, void *arg)
{
	struct db_req *r = db_req_new(cb, arg, 1, 0);

	if (db_req_set_step(r, 0, stmt, nparams, values) == -1) {
		db_fail_req(r, "unknown statement", DB_STATE_NOSTMT);
		return;
	}
	db_enqueue(r);
}

void
db_txn(const struct db_stmt *stmts, int n, db_cb cb, void *arg)
{
	struct db_req *r;
	int i;

	if (n < 1) {
		r = db_req_new(cb, arg, 0, 1);
		db_fail_req(r, "empty transaction", DB_STATE_NOSTMT);
		return;
	}
	r = db_req_new(cb, arg, n, 1);
	for (i = 0; i < n; i++) {
		if (db_req_set_step(r, i, stmts[i].name, stmts[i].nparams, stmts[i].values) == -1) {
			r->nsteps = i;	/* free only what was filled */
			db_fail_req(r, "unknown statement", DB_STATE_NOSTMT);
			return;
		}
	}
	db_enqueue(r);
}

/* ---- connections: socket event and timer ---- */

static void db_conn_io(evutil_socket_t, short, void *);

static void
db_conn_unwatch(struct db_conn *c)
{
	if (c->ev != NULL)
		event_free(c->ev);
	c->ev = NULL;
	c->ev_what = 0;
}

/*
 * Watch the PGconn's socket for what. force makes a new event even when fd
 * and flags look unchanged: during connection set-up libpq may close a
 * socket and open another with the same number.
 */
static int
db_conn_watch(struct db_conn *c, short what, int force)
{
	int fd = PQsocket(c->pg);

	if (fd < 0)
		return -1;
	if (!force && c->ev != NULL && c->ev_what == what && event_get_fd(c->ev) == fd)
		return 0;
	db_conn_unwatch(c);
	c->ev = event_new(db_base, fd, what | EV_PERSIST, db_conn_io, c);
	if (c->ev == NULL || event_add(c->ev, NULL) != 0) {
		log_error("db connection %d: cannot add socket event", c->idx);
		db_conn_unwatch(c);
		return -1;
	}
	c->ev_what = what;
	return 0;
}

static void
db_conn_arm(struct db_conn *c, int ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (evtimer_add(c->timer, &tv) != 0)
		log_error("db connection %d: cannot arm timer", c->idx);
}

static void
db_conn_close(struct db_conn *c)
{
	db_conn_unwatch(c);
	evtimer_del(c->timer);
	if (c->step_res != NULL)
		PQclear(c->step_res);
	c->step_res = NULL;
	if (c->pg != NULL)
		PQfinish(c->pg);
	c->pg = NULL;
}

/* Is this error result the end of the session rather than of one statement? */
static int
db_result_lost(PGconn *pg, const PGresult *res)
{
	const char *state, *sev;

	if (PQstatus(pg) != CONNECTION_OK || res == NULL)
		return 1;
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	/* libpq's own errors (no SQLSTATE) are about the connection. */
	if (state == NULL || strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
		return 1;
	if (sev != NULL && (strcmp(sev, "FATAL") == 0 || strcmp(sev, "PANIC") == 0))
		return 1;
	return 0;
}

static void
db_set_up(int up)
{
	if (up) {
		if (db_nup++ == 0) {
			log_notice("database up");
			db_failed = 0;
		}
		return;
	}
	db_nup--;
}

/*
 * The connection failed or was lost: fail its request, close it, and come
 * back after the backoff. When nothing is up any more the pool is down and
 * waiting requests fail at once rather than pile up.
 */
static void
db_conn_fail(struct db_conn *c, const char *reason)
{
	int was_up = c->state == DBC_READY || c->state == DBC_BUSY;
	struct db_req *r = c->req;
	char *why, *msg;

	/* reason may be PQerrorMessage, which db_conn_close frees. */
	why = xstrdup(reason != NULL && *reason != '\0' ? reason : "connection closed");
	why[strcspn(why, "\n")] = '\0';
	c->req = NULL;
	if (was_up) {
		log_warn("database connection %d lost: %s", c->idx, why);
		db_set_up(0);
	} else if (c->attempts_failed++ == 0)
		log_warn("database connection %d failed: %s", c->idx, why);
	else
		log_debug("database connection %d failed again: %s", c->idx, why);
	if (r != NULL) {
		/*
		 * A server's own message (admin shutdown, ...) is kept, but the
		 * SQLSTATE must say "connection" so callers see an outage.
		 */
		if (r->error != NULL && strncmp(r->sqlstate, "08", 2) != 0 &&
		    strncmp(r->sqlstate, "57P", 3) != 0)
			snprintf(r->sqlstate, sizeof r->sqlstate, "%s", DB_STATE_CONN);
		xasprintf(&msg, "%s: %s", db_stopping ? DB_ERR_SHUTDOWN : DB_ERR_LOST, why);
		db_fail_req(r, msg, DB_STATE_CONN);
		free(msg);
	}
	db_conn_close(c);

	if (db_stopping) {
		c->state = DBC_CLOSED;
		if (db_nup == 0)
			db_fail_waiting(DB_ERR_SHUTDOWN, DB_STATE_CONN);
		event_active(db_done_ev, EV_TIMEOUT, 0);
		free(why);
		return;
	}
	c->state = DBC_WAIT;
	c->backoff_ms = c->backoff_ms == 0 ? DB_BACKOFF_MIN_MS : c->backoff_ms * 2;
	if (c->backoff_ms > DB_BACKOFF_MAX_MS)
		c->backoff_ms = DB_BACKOFF_MAX_MS;
	db_conn_arm(c, c->backoff_ms);
	if (db_nup == 0) {
		if (!db_failed)
			log_error("database unavailable: %s", why);
		db_failed = 1;
		db_fail_waiting(DB_ERR_UNAVAILABLE, DB_STATE_CONN);
	}
	free(why);
}

/* After a send: flush what libpq buffered, watching for writability if needed. */
static int
db_conn_flush(struct db_conn *c)
{
	int rc = PQflush(c->pg);

	if (rc == -1)
		return -1;
	return db_conn_watch(c, rc == 1 ? EV_READ | EV_WRITE : EV_READ, 0);
}

static void
db_notice(void *arg, const PGresult *res)
{
	struct db_conn *c = arg;
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	if (msg == NULL)
		return;
	if (sev != NULL && (strcmp(sev, "WARNING") == 0 || strcmp(sev, "FATAL") == 0 ||
	    strcmp(sev, "PANIC") == 0))
		log_warn("database connection %d: %s: %s", c->idx, sev, msg);
	else
		log_debug("database connection %d: %s", c->idx, msg);
}

/* ---- connecting and set-up ---- */

static int
db_setup_send(struct db_conn *c)
{
	char sql[512];
	int ok, ms, i;

	if (c->setup_step == 0) {
		ms = cfg != NULL ? cfg->db_statement_timeout_ms : 0;
		/* UTC so that timestamptz text is the same whatever the server's zone. */
		snprintf(sql, sizeof sql, "SET statement_timeout = %d; SET TIME ZONE 'UTC'",
		    ms > 0 ? ms : 0);
		/* Channel names are checked by db_listen: plain identifiers. */
		for (i = 0; c->idx == 0 && i < db_nlisteners; i++)
			if (strlen(sql) + strlen(db_listeners[i].channel) + 10 < sizeof sql)
				snprintf(sql + strlen(sql), sizeof sql - strlen(sql), "; LISTEN %s",
				    db_listeners[i].channel);
		ok = PQsendQuery(c->pg, sql);
	} else {
		const struct db_prep *p = &db_preps[c->setup_step - 1];

		ok = PQsendPrepare(c->pg, p->name, p->sql, p->nparams, NULL);
	}
	if (!ok || db_conn_flush(c) == -1)
		return -1;
	return 0;
}

static void
db_conn_ready(struct db_conn *c)
{
	int i;

	evtimer_del(c->timer);
	c->state = DBC_READY;
	c->backoff_ms = 0;
	if (c->attempts_failed > 0) {
		log_notice("database connection %d up again", c->idx);
		/* The server is back: the others need not sit out their backoff. */
		for (i = 0; i < db_nconns; i++) {
			if (db_conns[i].state == DBC_WAIT) {
				db_conns[i].backoff_ms = 0;
				db_conn_arm(&db_conns[i], 0);
			}
		}
	} else
		log_debug("database connection %d up", c->idx);
	c->attempts_failed = 0;
	db_set_up(1);
	/* Notifications may have been missed while it was down: listeners catch up. */
	for (i = 0; c->idx == 0 && i < db_nlisteners; i++)
		db_listeners[i].fn(NULL, db_listeners[i].arg);
}

/* One set-up step answered: res is its first error or last result (owned). */
static void
db_setup_done(struct db_conn *c, PGresult *res)
{
	ExecStatusType st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	char *why;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		if (db_result_lost(c->pg, res)) {
			xasprintf(&why, "during set-up: %s", res != NULL ?
			    PQresultErrorMessage(res) : PQerrorMessage(c->pg));
			why[strcspn(why, "\n")] = '\0';
			if (res != NULL)
				PQclear(res);
			db_conn_fail(c, why);
			free(why);
			return;
		}
		/*
		 * A statement that does not prepare is a bug in its SQL: say so
		 * loudly, keep the connection; queries using it will fail.
		 */
		if (c->setup_step == 0)
			log_error("database connection %d: session set-up failed: %s",
			    c->idx, PQresultErrorMessage(res));
		else
			log_error("cannot prepare statement %s: %s",
			    db_preps[c->setup_step - 1].name, PQresultErrorMessage(res));
	}
	if (res != NULL)
		PQclear(res);
	if (c->setup_step++ < db_nprep) {
		if (db_setup_send(c) == -1)
			db_conn_fail(c, PQerrorMessage(c->pg));
		return;
	}
	db_conn_ready(c);
	db_dispatch();
}

static void
db_conn_poll(struct db_conn *c)
{
	PostgresPollingStatusType st = PQconnectPoll(c->pg);

	switch (st) {
	case PGRES_POLLING_FAILED:
		db_conn_fail(c, PQerrorMessage(c->pg));
		return;
	case PGRES_POLLING_READING:
		if (db_conn_watch(c, EV_READ, 1) == -1)
			db_conn_fail(c, "no socket while connecting");
		return;
	case PGRES_POLLING_OK:
		break;
	default:	/* PGRES_POLLING_WRITING, or the obsolete ACTIVE: poll again */
		if (db_conn_watch(c, EV_WRITE, 1) == -1)
			db_conn_fail(c, "no socket while connecting");
		return;
	}
	/* Connected; the connect timeout keeps running over set-up. */
	if (PQsetnonblocking(c->pg, 1) != 0) {
		db_conn_fail(c, "cannot make the connection non-blocking");
		return;
	}
	c->state = DBC_SETUP;
	c->setup_step = 0;
	if (db_setup_send(c) == -1) {
		db_conn_fail(c, PQerrorMessage(c->pg));
		return;
	}
}

static void
db_conn_connect(struct db_conn *c)
{
	static const char *const kw[] = { "fallback_application_name", "dbname", NULL };
	const char *val[] = { "chatgridd", db_conninfo, NULL };
	int ms;

	c->pg = PQconnectStartParams(kw, val, 1);
	if (c->pg == NULL)
		fatalx("out of memory starting a database connection");
	c->state = DBC_CONNECTING;
	if (PQstatus(c->pg) == CONNECTION_BAD) {
		db_conn_fail(c, PQerrorMessage(c->pg));
		return;
	}
	PQsetNoticeReceiver(c->pg, db_notice, c);
	ms = cfg != NULL && cfg->db_connect_timeout_ms > 0 ?
	    cfg->db_connect_timeout_ms : DB_CONNECT_TIMEOUT_MS;
	db_conn_arm(c, ms);
	/* libpq: before the first PQconnectPoll, behave as if it asked for writing. */
	if (db_conn_watch(c, EV_WRITE, 1) == -1)
		db_conn_fail(c, "no socket while connecting");
}

/* ---- requests on a connection ---- */

static int
db_req_send(struct db_conn *c, struct db_req *r)
{
	const struct db_step *s;
	int ok, st_ms = cfg != NULL ? cfg->db_statement_timeout_ms : 0;

	if (r->phase == DB_PHASE_BEGIN)
		ok = PQsendQuery(c->pg, "BEGIN");
	else if (r->phase == DB_PHASE_ROLLBACK)
		ok = PQsendQuery(c->pg, "ROLLBACK");
	else if (r->phase == r->nsteps)
		ok = PQsendQuery(c->pg, "COMMIT");
	else {
		s = &r->steps[r->phase];
		ok = PQsendQueryPrepared(c->pg, s->prep->name, s->prep->nparams,
		    (const char *const *)s->values, NULL, NULL, 0);
	}
	if (!ok || db_conn_flush(c) == -1)
		return -1;
	/* A safety net: statement_timeout should have ended the step long before. */
	if (st_ms > 0)
		db_conn_arm(c, st_ms + DB_QUERY_GRACE_MS);
	return 0;
}

/* Give r to the ready connection c. */
static void
db_conn_start(struct db_conn *c, struct db_req *r)
{
	c->req = r;
	c->state = DBC_BUSY;
	r->sent_ms = tick_mono_ms();
	if (db_req_send(c, r) == -1) {
		/* Nothing reached the server: the next connection may run it. */
		if (!r->sent) {
			c->req = NULL;
			db_list_push_front(&db_wait, r);
		}
		db_conn_fail(c, PQerrorMessage(c->pg));
		return;
	}
	if (!r->sent)
		log_trace(TRACE_DB, "conn %d: %s%s sent after %llu ms in queue", c->idx,
		    r->txn ? "txn " : "", db_req_name(r),
		    (unsigned long long)(r->sent_ms - r->queued_ms));
	r->sent = 1;
}

static void
db_dispatch(void)
{
	int i;

	for (i = 0; i < db_nconns && db_wait.head != NULL; i++) {
		if (db_conns[i].state == DBC_READY)
			db_conn_start(&db_conns[i], db_list_pop(&db_wait));
	}
}

/* The request's current step answered: res is its first error or last result. */
static void
db_req_step_done(struct db_conn *c, PGresult *res)
{
	struct db_req *r = c->req;
	ExecStatusType st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
	int lost = !ok && db_result_lost(c->pg, res);

	if (!ok) {
		db_req_set_error(r, c->pg, res);
		if (res != NULL)
			PQclear(res);
		if (lost || r->phase == DB_PHASE_ROLLBACK) {
			db_conn_fail(c, r->error);
			return;
		}
		if (r->txn && r->phase >= 0 && r->phase < r->nsteps) {
			r->phase = DB_PHASE_ROLLBACK;
			if (db_req_send(c, r) == -1)
				db_conn_fail(c, PQerrorMessage(c->pg));
			return;
		}
		/* a single statement, BEGIN or COMMIT failed: nothing to undo */
	} else if (r->phase == DB_PHASE_ROLLBACK || r->phase == DB_PHASE_BEGIN ||
	    r->phase == r->nsteps) {
		PQclear(res);
	} else {
		if (r->res != NULL)
			PQclear(r->res);
		r->res = res;
	}

	if (ok && r->txn && r->phase != DB_PHASE_ROLLBACK && r->phase < r->nsteps) {
		r->phase++;
		if (db_req_send(c, r) == -1)
			db_conn_fail(c, PQerrorMessage(c->pg));
		return;
	}

	/* Finished: COMMIT, ROLLBACK, a single statement, or a failure with no undo. */
	c->req = NULL;
	c->state = DBC_READY;
	evtimer_del(c->timer);
	if (r->error != NULL && r->res != NULL) {
		PQclear(r->res);
		r->res = NULL;
	}
	db_complete(r);
	db_dispatch();
}

/* Read every result available; a NULL result ends the current step. */
static void
db_conn_results(struct db_conn *c)
{
	PGresult *res;
	ExecStatusType st;

	while (!PQisBusy(c->pg)) {
		res = PQgetResult(c->pg);
		if (res == NULL) {
			res = c->step_res;
			c->step_res = NULL;
			if (c->state == DBC_SETUP)
				db_setup_done(c, res);
			else
				db_req_step_done(c, res);
			return;
		}
		st = PQresultStatus(res);
		if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
			PQclear(res);
			db_conn_fail(c, "unexpected COPY");
			return;
		}
		/* Keep the first error, else the last result. */
		if (c->step_res == NULL || (PQresultStatus(c->step_res) != PGRES_FATAL_ERROR &&
		    PQresultStatus(c->step_res) != PGRES_NONFATAL_ERROR)) {
			if (c->step_res != NULL)
				PQclear(c->step_res);
			c->step_res = res;
		} else
			PQclear(res);
	}
}

static void
db_conn_io(evutil_socket_t fd, short what, void *arg)
{
	struct db_conn *c = arg;
	PGnotify *n;
	int rc, i;

	if (c->state == DBC_CONNECTING) {
		db_conn_poll(c);
		return;
	}
	if ((what & EV_READ) && !PQconsumeInput(c->pg)) {
		db_conn_fail(c, PQerrorMessage(c->pg));
		return;
	}
	if (c->ev_what & EV_WRITE) {
		if ((rc = PQflush(c->pg)) == -1) {
			db_conn_fail(c, PQerrorMessage(c->pg));
			return;
		}
		if (rc == 0 && db_conn_watch(c, EV_READ, 0) == -1) {
			db_conn_fail(c, "lost the socket");
			return;
		}
	}
	while ((n = PQnotifies(c->pg)) != NULL) {
		for (i = 0; i < db_nlisteners; i++)
			if (strcmp(n->relname, db_listeners[i].channel) == 0)
				db_listeners[i].fn(n->extra != NULL ? n->extra : "", db_listeners[i].arg);
		PQfreemem(n);
	}
	if (PQstatus(c->pg) != CONNECTION_OK) {
		db_conn_fail(c, PQerrorMessage(c->pg));
		return;
	}
	/* An idle connection reads only notices, or the EOF of a dying server. */
	if (c->state == DBC_SETUP || c->state == DBC_BUSY)
		db_conn_results(c);
}

static void
db_conn_timer(evutil_socket_t fd, short what, void *arg)
{
	struct db_conn *c = arg;

	switch (c->state) {
	case DBC_WAIT:
		db_conn_connect(c);
		break;
	case DBC_CONNECTING:
	case DBC_SETUP:
		db_conn_fail(c, "connect timeout");
		break;
	case DBC_BUSY:
		db_conn_fail(c, DB_ERR_TIMEOUT);
		break;
	default:
		break;
	}
}

/* ---- pool ---- */

void
db_register(const char *name, const char *sql, int nparams)
{
	const struct db_prep *p = db_find_prep(name);

	if (p != NULL) {
		if (strcmp(p->sql, sql) != 0 || p->nparams != nparams)
			fatalx("statement %s registered twice with different SQL", name);
		return;
	}
	if (db_running)
		fatalx("statement %s registered after db_start", name);
	if (nparams < 0)
		fatalx("statement %s: bad parameter count %d", name, nparams);
	db_preps = xreallocarray(db_preps, (size_t)db_nprep + 1, sizeof *db_preps);
	db_preps[db_nprep].name = xstrdup(name);
	db_preps[db_nprep].sql = xstrdup(sql);
	db_preps[db_nprep].nparams = nparams;
	db_nprep++;
}

void
db_listen(const char *channel, void (*fn)(const char *payload, void *arg), void *arg)
{
	if (db_running)
		fatalx("LISTEN %s registered after db_start", channel);
	if (channel[0] == '\0' || strlen(channel) > 63 || strspn(channel, "abcdefghijklmnopqrstuvwxyz_") != strlen(channel))
		fatalx("LISTEN %s: not a plain lower-case identifier", channel);
	db_listeners = xreallocarray(db_listeners, (size_t)db_nlisteners + 1, sizeof *db_listeners);
	db_listeners[db_nlisteners].channel = xstrdup(channel);
	db_listeners[db_nlisteners].fn = fn;
	db_listeners[db_nlisteners].arg = arg;
	db_nlisteners++;
}

static void db_finish(void);

static void
db_deliver(struct db_req *r)
{
	db_cur = r;
	metrics_observe(&cg_metrics.db_query, metrics_now_ns() - r->queued_ns);
	r->cb(r->error == NULL ? r->res : NULL, r->error, r->arg);
	db_cur = NULL;
	db_req_free(r);
}

static void
db_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_req *r;

	/* Requests completed by these callbacks re-activate the event for next time. */
	while ((r = db_list_pop(&db_done)) != NULL)
		db_deliver(r);
	if (db_stopping)
		db_finish();
}

/* The pool's connections by state and the requests waiting, for /metrics. */
static void
db_metrics(struct metrics_out *o)
{
	static const char *const names[] = { "closed", "backoff", "connecting", "setup", "idle", "busy" };
	double n[6] = { 0 };
	char l[40];
	int i;

	for (i = 0; i < db_nconns; i++)
		if ((int)db_conns[i].state >= 0 && (int)db_conns[i].state < 6)
			n[db_conns[i].state]++;
	metrics_family(o, "chatgrid_db_connections", "gauge", "The database pool's connections by state.");
	for (i = 0; i < 6; i++)
		metrics_sample(o, "chatgrid_db_connections", metrics_label(l, sizeof l, "state", names[i]), n[i]);
	metrics_family(o, "chatgrid_db_queued_requests", "gauge", "Database requests waiting for a connection.");
	metrics_sample(o, "chatgrid_db_queued_requests", NULL, db_wait.n);
	metrics_family(o, "chatgrid_db_up", "gauge", "1 while at least one database connection is ready.");
	metrics_sample(o, "chatgrid_db_up", NULL, strcmp(db_state(), "up") == 0);
}

int
db_start(struct event_base *base, const char *conninfo, int pool_size)
{
	int i;

	if (db_running) {
		log_error("database pool already running");
		return -1;
	}
	if (pool_size < 1 || conninfo == NULL) {
		log_error("bad database pool size %d", pool_size);
		return -1;
	}
	if ((db_done_ev = event_new(base, -1, 0, db_done_cb, NULL)) == NULL) {
		log_error("cannot make the database completion event");
		return -1;
	}
	metrics_add_collector(db_metrics);
	db_base = base;
	db_conninfo = xstrdup(conninfo);
	db_nconns = pool_size;
	db_conns = xcalloc((size_t)pool_size, sizeof *db_conns);
	db_running = 1;
	db_stopping = 0;
	db_nup = 0;
	db_failed = 0;
	for (i = 0; i < pool_size; i++) {
		db_conns[i].idx = i;
		db_conns[i].state = DBC_WAIT;
		db_conns[i].timer = evtimer_new(base, db_conn_timer, &db_conns[i]);
		if (db_conns[i].timer == NULL)
			fatalx("cannot make a database timer");
	}
	log_debug("database pool of %d, %d statements", pool_size, db_nprep);
	for (i = 0; i < pool_size; i++)
		db_conn_connect(&db_conns[i]);
	return 0;
}

int
db_available(void)
{
	return db_running && !db_stopping && db_nup > 0;
}

const char *
db_state(void)
{
	if (!db_running || db_stopping)
		return "down";
	if (db_nup > 0)
		return "up";
	return db_failed ? "down" : "connecting";
}

int
db_ready_connections(void)
{
	return db_nup;
}

int
db_queued(void)
{
	return db_wait.n;
}

const char *
db_sqlstate(void)
{
	return db_cur != NULL && db_cur->error != NULL ? db_cur->sqlstate : NULL;
}

const char *
db_constraint(void)
{
	return db_cur != NULL ? db_cur->constraint : NULL;
}

int
db_error_unavailable(void)
{
	const char *s = db_sqlstate();

	return s != NULL && (strncmp(s, "08", 2) == 0 || strncmp(s, "57P", 3) == 0 ||
	    strcmp(s, DB_STATE_FULL) == 0);
}

static void
db_stop_timeout(evutil_socket_t fd, short what, void *arg)
{
	int i;

	log_warn("database shutdown timed out; failing %d queued queries", db_wait.n);
	db_fail_waiting(DB_ERR_SHUTDOWN, DB_STATE_CONN);
	for (i = 0; i < db_nconns; i++)
		if (db_conns[i].state == DBC_BUSY)
			db_conn_fail(&db_conns[i], "shutdown timeout");
	event_active(db_done_ev, EV_TIMEOUT, 0);
}

/* From db_done_cb while stopping: when nothing is left, close and say so. */
static void
db_finish(void)
{
	void (*done)(void *) = db_stop_done;
	void *arg = db_stop_arg;
	int i;

	if (db_wait.head != NULL || db_done.head != NULL)
		return;
	for (i = 0; i < db_nconns; i++)
		if (db_conns[i].state == DBC_BUSY)
			return;
	for (i = 0; i < db_nconns; i++) {
		db_conn_close(&db_conns[i]);
		event_free(db_conns[i].timer);
	}
	free(db_conns);
	db_conns = NULL;
	db_nconns = 0;
	db_nup = 0;
	free(db_conninfo);
	db_conninfo = NULL;
	if (db_stop_timer != NULL)
		event_free(db_stop_timer);
	db_stop_timer = NULL;
	/*
	 * Safe inside its own callback (libevent does not touch it after); late
	 * queries are answered through event_base_once on db_base instead.
	 */
	event_free(db_done_ev);
	db_done_ev = NULL;
	db_running = 0;
	db_stopping = 0;
	db_stop_done = NULL;
	db_stop_arg = NULL;
	log_debug("database pool closed");
	if (done != NULL)
		done(arg);
}

struct db_later {
	void (*done)(void *);
	void *arg;
};

static void
db_later_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_later *l = arg;

	l->done(l->arg);
	free(l);
}

void
db_shutdown(void (*done)(void *), void *arg)
{
	struct db_later *l;
	struct timeval tv;
	int i;

	if (!db_running || db_stopping) {
		/* Nothing to wait for (or someone else waits): still answer from the loop. */
		if (done == NULL)
			return;
		l = xmalloc(sizeof *l);
		l->done = done;
		l->arg = arg;
		if (db_base == NULL || event_base_once(db_base, -1, EV_TIMEOUT, db_later_cb, l,
		    NULL) != 0) {
			free(l);
			done(arg);
		}
		return;
	}
	db_stopping = 1;
	db_stop_done = done;
	db_stop_arg = arg;
	/* Connections not yet up will not be needed. */
	for (i = 0; i < db_nconns; i++) {
		struct db_conn *c = &db_conns[i];

		if (c->state == DBC_WAIT || c->state == DBC_CONNECTING || c->state == DBC_SETUP) {
			db_conn_close(c);
			c->state = DBC_CLOSED;
		}
	}
	if (db_nup == 0)
		db_fail_waiting(DB_ERR_SHUTDOWN, DB_STATE_CONN);
	db_stop_timer = evtimer_new(db_base, db_stop_timeout, NULL);
	tv.tv_sec = DB_SHUTDOWN_TIMEOUT_MS / 1000;
	tv.tv_usec = (DB_SHUTDOWN_TIMEOUT_MS % 1000) * 1000;
	if (db_stop_timer == NULL || evtimer_add(db_stop_timer, &tv) != 0)
		log_error("cannot arm the database shutdown timer");
	event_active(db_done_ev, EV_TIMEOUT, 0);
}

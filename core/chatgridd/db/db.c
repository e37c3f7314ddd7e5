/*
 * db.c: a pool of non-blocking libpq connections driven by the event loop.
 * This file is the pool itself (registration, start, state, completion
 * delivery, metrics, shutdown); db-int.h lists the part's other files.
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

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "db-int.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

struct db_prep *db_preps;
int db_nprep;
struct db_listener *db_listeners;
int db_nlisteners;
struct event_base *db_base;
char *db_conninfo;
struct db_conn *db_conns;
int db_nconns;
int db_running;		/* between db_start and the end of db_shutdown */
int db_nup;		/* connections READY or BUSY */
int db_failed;		/* nothing up and an attempt failed since the last up */
int db_stopping;
void (*db_stop_done)(void *);
void *db_stop_arg;
struct event *db_stop_timer;
struct db_reqlist db_wait;	/* waiting for a connection */
struct db_reqlist db_done;	/* finished, callback not yet run */
struct event *db_done_ev;
const struct db_req *db_cur;	/* the request whose callback runs now */

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

void
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

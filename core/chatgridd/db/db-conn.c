/*
 * db-conn.c: one pool connection's life: its socket event and timer, the
 * failure path with backoff, connecting (PQconnectPoll) and the set-up
 * steps (statement_timeout, PREPARE, LISTEN) before it is ready.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "cfg.h"
#include "db-int.h"
#include "db.h"
#include "log.h"
#include "xmalloc.h"

/* ---- connections: socket event and timer ---- */

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
int
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

void
db_conn_arm(struct db_conn *c, int ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (evtimer_add(c->timer, &tv) != 0)
		log_error("db connection %d: cannot arm timer", c->idx);
}

void
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
int
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
void
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
int
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
void
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

void
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

void
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

/*
 * db-exec.c: running requests on ready connections: dispatching from the
 * queue, sending each step (BEGIN, statements, COMMIT or ROLLBACK), reading
 * the results, notifications, and the connection's socket and timer events.
 */
#include "config.h"

#include <string.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "cfg.h"
#include "db-int.h"
#include "db.h"
#include "log.h"
#include "tick.h"

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

void
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

void
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

void
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

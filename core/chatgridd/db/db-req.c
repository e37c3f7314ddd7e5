/*
 * db-req.c: database requests: the wait and done lists, building a query or
 * a transaction from registered statements, queueing it, and completing or
 * failing it (with the server's error, SQLSTATE and constraint).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "db-int.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "tick.h"
#include "xmalloc.h"

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

void
db_list_push_front(struct db_reqlist *l, struct db_req *r)
{
	r->next = l->head;
	l->head = r;
	if (l->tail == NULL)
		l->tail = r;
	l->n++;
}

struct db_req *
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

void
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

const char *
db_req_name(const struct db_req *r)
{
	return r->nsteps > 0 && r->steps[0].prep != NULL ? r->steps[0].prep->name : "?";
}

/* Outside db_start..db_shutdown: one request, delivered by event_base_once. */
static void
db_once_cb(evutil_socket_t fd, short what, void *arg)
{
	db_deliver(arg);
}

/* Hand r to the done list; its callback runs from db_done_cb. */
void
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
void
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

void
db_fail_waiting(const char *error, const char *sqlstate)
{
	struct db_req *r;

	while ((r = db_list_pop(&db_wait)) != NULL)
		db_fail_req(r, error, sqlstate);
}

/* Record a server's (or libpq's) error result on r. */
void
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

const struct db_prep *
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

/*
 * db-int.h: inside the db part only (nothing outside it includes this).
 * The pool's records and state, and what the part's files share about them:
 *
 *   db.c       the pool: statement and LISTEN registration, start, state
 *              queries, completion delivery, metrics, shutdown
 *   db-req.c   requests: the queue, building queries and transactions,
 *              completing and failing them, error details
 *   db-conn.c  connections: socket event, backoff, failure, connecting and
 *              the per-connection set-up (SET, PREPARE, LISTEN)
 *   db-exec.c  requests on a connection: sending steps, reading results,
 *              the socket and timer callbacks
 */
#ifndef CG_DB_DB_INT_H
#define CG_DB_DB_INT_H

#include <stdint.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "db.h"

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

extern struct db_prep *db_preps;
extern int db_nprep;

/* LISTEN channels, all on connection 0 (so each notification arrives once). */
struct db_listener {
	char *channel;
	void (*fn)(const char *payload, void *arg);
	void *arg;
};
extern struct db_listener *db_listeners;
extern int db_nlisteners;

extern struct event_base *db_base;
extern char *db_conninfo;
extern struct db_conn *db_conns;
extern int db_nconns;
extern int db_running;		/* between db_start and the end of db_shutdown */
extern int db_nup;		/* connections READY or BUSY */
extern int db_failed;		/* nothing up and an attempt failed since the last up */
extern int db_stopping;
extern void (*db_stop_done)(void *);
extern void *db_stop_arg;
extern struct event *db_stop_timer;

extern struct db_reqlist db_wait;	/* waiting for a connection */
extern struct db_reqlist db_done;	/* finished, callback not yet run */
extern struct event *db_done_ev;
extern const struct db_req *db_cur;	/* the request whose callback runs now */

/* db.c */
void db_deliver(struct db_req *r);

/* db-req.c */
void db_list_push_front(struct db_reqlist *l, struct db_req *r);
struct db_req *db_list_pop(struct db_reqlist *l);
void db_req_free(struct db_req *r);
const char *db_req_name(const struct db_req *r);
void db_complete(struct db_req *r);
void db_fail_req(struct db_req *r, const char *error, const char *sqlstate);
void db_fail_waiting(const char *error, const char *sqlstate);
void db_req_set_error(struct db_req *r, PGconn *pg, const PGresult *res);
const struct db_prep *db_find_prep(const char *name);

/* db-conn.c */
int db_conn_watch(struct db_conn *c, short what, int force);
void db_conn_arm(struct db_conn *c, int ms);
void db_conn_close(struct db_conn *c);
int db_result_lost(PGconn *pg, const PGresult *res);
void db_conn_fail(struct db_conn *c, const char *reason);
int db_conn_flush(struct db_conn *c);
void db_setup_done(struct db_conn *c, PGresult *res);
void db_conn_poll(struct db_conn *c);
void db_conn_connect(struct db_conn *c);

/* db-exec.c */
void db_dispatch(void);
void db_conn_io(evutil_socket_t fd, short what, void *arg);
void db_conn_timer(evutil_socket_t fd, short what, void *arg);

#endif

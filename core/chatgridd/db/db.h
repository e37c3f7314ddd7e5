/*
 * db.h: PostgreSQL through libpq on the event loop.
 *
 * A pool of non-blocking connections runs prepared statements. Each module
 * registers its statements once at init (db_register) and later runs them by
 * name (db_query, db_txn); the callback always runs later, on the loop,
 * exactly once. When PostgreSQL goes away the daemon keeps running: queries
 * fail at once with DB_ERR_UNAVAILABLE while the pool reconnects with backoff.
 * Everything here is for the loop thread only (not for worker jobs).
 */
#ifndef CG_DB_H
#define CG_DB_H

#include <libpq-fe.h>

struct event_base;

/*
 * A query's outcome. On success res is the statement's result (tuples or
 * command status) and error is NULL; on failure res is NULL and error a
 * message for the log. Both are valid only during the call.
 */
typedef void (*db_cb)(const PGresult *res, const char *error, void *arg);

/* One step of a transaction; values are copied by db_txn. */
struct db_stmt {
	const char *name;		/* a registered statement */
	int nparams;
	const char *const *values;	/* text format; NULL for SQL NULL */
};

/* error strings for failures that never reached the server */
#define DB_ERR_UNAVAILABLE "database unavailable"
#define DB_ERR_QUEUE_FULL "database queue full"
#define DB_ERR_SHUTDOWN "database shutting down"
#define DB_ERR_LOST "database connection lost"
#define DB_ERR_TIMEOUT "database query timed out"

/* What to tell a user whose request failed because of the database. */
#define DB_USER_MESSAGE "Server database unavailable. Try again shortly."

/*
 * Register a prepared statement (SQL with $1..$nparams). Call before
 * db_start (modules do it at init); every new connection prepares it. The
 * strings are copied. Registering the same name twice with different SQL,
 * or while the pool runs, is a programming error (fatal).
 */
void db_register(const char *name, const char *sql, int nparams);

/*
 * LISTEN on channel (a plain lower-case identifier) for the daemon's life:
 * fn(payload, arg) runs on the loop for each NOTIFY, and fn(NULL, arg)
 * each time the listening connection comes up (notifications sent while
 * it was down are lost: catch up then). Register before db_start.
 */
void db_listen(const char *channel, void (*fn)(const char *payload, void *arg), void *arg);

/*
 * Start pool_size connections to conninfo (key=value string or URI) in the
 * background; statement_timeout and the connect timeout come from cfg when
 * each connection is made (so a reload applies to new connections), and
 * every session runs with TimeZone UTC. Returns 0, or -1 (logged) for bad
 * arguments or a pool already running. It does not wait for PostgreSQL:
 * db_state() says "connecting" until a connection is ready, and queries
 * wait for it (until the first failed attempt).
 */
int db_start(struct event_base *, const char *conninfo, int pool_size);

/*
 * Run a registered statement with nparams text values (copied; NULL means
 * SQL NULL). Queries wait in one FIFO for a free connection. cb runs exactly
 * once, always later from the loop, never inside db_query; with an error
 * when the pool is down (DB_ERR_UNAVAILABLE, at once), the wait queue is full
 * (DB_ERR_QUEUE_FULL), the pool is shutting down (DB_ERR_SHUTDOWN), the
 * connection was lost with the query in flight (DB_ERR_LOST: it may or may
 * not have run), or PostgreSQL reported an error (its message).
 */
void db_query(const char *stmt, int nparams, const char *const *values, db_cb cb, void *arg);

/*
 * Run n statements in order on one connection inside BEGIN/COMMIT; ROLLBACK
 * when any fails. cb runs once like db_query's, with the last statement's
 * result on success. Statements and values are copied.
 */
void db_txn(const struct db_stmt *stmts, int n, db_cb cb, void *arg);

/*
 * Only inside a failing db_cb: the five-character SQLSTATE ("23505" unique
 * violation, "57014" statement timeout, ...; "08006" for the DB_ERR_*
 * failures that never reached a server, "53000" for a full queue), and the
 * violated constraint's name or NULL. Lets callers tell "Username is already
 * taken." from a database outage.
 */
const char *db_sqlstate(void);
const char *db_constraint(void);
/* Inside a failing db_cb: 1 if the failure is the database being unreachable. */
int db_error_unavailable(void);

/* 1 when at least one connection is ready and the pool is not shutting down. */
int db_available(void);
/* "up", "connecting" (starting, nothing failed yet) or "down" (for /healthz). */
const char *db_state(void);
/* Ready connections and queries waiting for one (for /healthz). */
int db_ready_connections(void);
int db_queued(void);

/*
 * Refuse new queries, let queued and in-flight ones finish (at most
 * DB_SHUTDOWN_TIMEOUT_MS, then they fail with DB_ERR_SHUTDOWN), close every
 * connection, then call done(arg) from the loop. The registered statements
 * are kept, so db_start may be called again afterwards.
 */
#define DB_SHUTDOWN_TIMEOUT_MS 5000
void db_shutdown(void (*done)(void *), void *arg);

#endif

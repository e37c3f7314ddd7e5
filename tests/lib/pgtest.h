/*
 * pgtest.h: a private PostgreSQL cluster for a test program.
 *
 * initdb into a fresh temporary directory, a server listening on a unix
 * socket in that directory only (no TCP port), trust authentication, and a
 * database "chatgrid". Works as root (the server runs as "postgres", else
 * "nobody") and as an ordinary user. A watchdog process stops the server and
 * removes the directory if the test program dies without pgtest_free, even
 * by SIGKILL.
 */
#ifndef CG_PGTEST_H
#define CG_PGTEST_H

struct pgtest;

/*
 * Make and start a cluster (about a second). Returns NULL, after printing
 * why to stderr, if PostgreSQL's binaries are missing or anything fails.
 * The server binaries are found through $PGTEST_BINDIR, `pg_config
 * --bindir`, or the newest /usr/lib/postgresql/<version>/bin.
 */
struct pgtest *pgtest_start(void);

/* "host=<dir> port=<port> dbname=chatgrid user=postgres"; owned by pg. */
const char *pgtest_conninfo(const struct pgtest *);
/* The temporary directory (socket, data/, logs); owned by pg. */
const char *pgtest_dir(const struct pgtest *);

/*
 * Drop (if present) and create database name; returns its conninfo
 * (malloc'd, caller frees) or NULL. For tests that need an empty database.
 */
char *pgtest_create_db(struct pgtest *, const char *name);

/* Run SQL (one or more statements) on database name; 0 or -1 (printed). */
int pgtest_exec(struct pgtest *, const char *dbname, const char *sql);

/*
 * For outage tests: stop the server (fast shutdown: sessions get an admin
 * shutdown error), kill it (immediate: no goodbye, crash recovery on the
 * next start), or start it again on the same socket. All wait until done
 * and return 0 or -1; they may be called from any process of the test.
 * Starting a running server and stopping a stopped one succeed.
 */
int pgtest_stop_server(struct pgtest *);
int pgtest_kill_server(struct pgtest *);
int pgtest_start_server(struct pgtest *);
/* 1 if the server is running. */
int pgtest_running(struct pgtest *);

/* Stop the server, remove the directory, free pg. Only the creating process acts. */
void pgtest_free(struct pgtest *);

#endif

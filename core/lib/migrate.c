/*
 * migrate.c: apply the compiled-in sql/NNN_*.sql migrations at start-up.
 *
 * A blocking connection is fine: this runs before the loop serves anyone.
 * The advisory lock serialises every chatgridd starting against the same
 * database, which also avoids the race in concurrent CREATE TABLE IF NOT
 * EXISTS (it can fail on pg_type's unique index).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "log.h"
#include "migrate.h"
#include "xmalloc.h"

/* "chatgrid" in ASCII as a bigint: the key of our session advisory lock. */
#define MIGRATE_LOCK_KEY "7164793152033040740"
/* How long to wait for another chatgridd's migrations before giving up. */
#define MIGRATE_LOCK_WAIT "120s"
#define MIGRATE_CONNECT_TIMEOUT "10"

int
migrate_latest(void)
{
	return migrate_count > 0 ? migrate_list[migrate_count - 1].version : 0;
}

static void
migrate_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	/* One line for the start-up log. */
	for (p = err; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
	while (p > err && p[-1] == ' ')
		*--p = '\0';
}

static void
migrate_notice(void *arg, const PGresult *res)
{
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	if (msg != NULL)
		log_debug("%s", msg);
}

/* The primary message of a failed result, else the connection's. */
static const char *
migrate_errmsg(PGconn *pg, const PGresult *res)
{
	const char *msg = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	return msg != NULL ? msg : PQerrorMessage(pg);
}

/* Run sql expecting want; returns the result (caller clears) or NULL with err set. */
static PGresult *
migrate_exec(PGconn *pg, const char *sql, ExecStatusType want, const char *what,
    char *err, size_t errlen)
{
	PGresult *res = PQexec(pg, sql);

	if (res == NULL || PQresultStatus(res) != want) {
		migrate_seterr(err, errlen, "%s: %s", what, migrate_errmsg(pg, res));
		if (res != NULL)
			PQclear(res);
		return NULL;
	}
	return res;
}

static int
migrate_cmd(PGconn *pg, const char *sql, const char *what, char *err, size_t errlen)
{
	PGresult *res = migrate_exec(pg, sql, PGRES_COMMAND_OK, what, err, errlen);

	if (res == NULL)
		return -1;
	PQclear(res);
	return 0;
}

/* The line of a script at a 1-based character position, for error messages. */
static int
migrate_line(const char *sql, const char *pos)
{
	long want = pos != NULL ? strtol(pos, NULL, 10) : 0;
	long chars = 0;
	int line = 1;
	const unsigned char *p;

	for (p = (const unsigned char *)sql; *p != '\0'; p++) {
		if ((*p & 0xc0) != 0x80 && ++chars >= want)
			break;
		if (*p == '\n')
			line++;
	}
	return line;
}

static int
migrate_apply(PGconn *pg, const struct migration *m, char *err, size_t errlen)
{
	PGresult *res;
	char version[16];
	const char *values[1] = { version };
	const char *pos;

	if (migrate_cmd(pg, "BEGIN", "BEGIN", err, errlen) == -1)
		return -1;
	res = PQexec(pg, m->sql);
	if (res == NULL || (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK)) {
		pos = res != NULL ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
		if (pos != NULL)
			migrate_seterr(err, errlen, "migration %s failed at line %d: %s", m->name,
			    migrate_line(m->sql, pos), migrate_errmsg(pg, res));
		else
			migrate_seterr(err, errlen, "migration %s failed: %s", m->name,
			    migrate_errmsg(pg, res));
		goto fail;
	}
	PQclear(res);

	snprintf(version, sizeof version, "%d", m->version);
	res = PQexecParams(pg, "INSERT INTO schema_version (version) VALUES ($1::int)", 1,
	    NULL, values, NULL, NULL, 0);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		migrate_seterr(err, errlen, "recording migration %s: %s", m->name,
		    migrate_errmsg(pg, res));
		goto fail;
	}
	PQclear(res);
	if (migrate_cmd(pg, "COMMIT", "COMMIT", err, errlen) == -1)
		return -1;
	log_notice("applied migration %s", m->name);
	return 0;

fail:
	if (res != NULL)
		PQclear(res);
	/* The error above is the one worth reporting; the connection is closed next. */
	res = PQexec(pg, "ROLLBACK");
	if (res != NULL)
		PQclear(res);
	return -1;
}

/* Versions already applied, ascending, in *out (caller frees); count or -1. */
static int
migrate_applied(PGconn *pg, int **out, char *err, size_t errlen)
{
	PGresult *res;
	int i, n;

	res = migrate_exec(pg, "SELECT version FROM schema_version ORDER BY version",
	    PGRES_TUPLES_OK, "reading schema_version", err, errlen);
	if (res == NULL)
		return -1;
	n = PQntuples(res);
	*out = xcalloc((size_t)n, sizeof **out);
	for (i = 0; i < n; i++)
		(*out)[i] = atoi(PQgetvalue(res, i, 0));
	PQclear(res);
	return n;
}

static int
migrate_locked(PGconn *pg, char *err, size_t errlen)
{
	int *have = NULL, nhave, i, j, latest = migrate_latest(), applied = 0;

	if (migrate_cmd(pg,
	    "CREATE TABLE IF NOT EXISTS schema_version ("
	    " version integer PRIMARY KEY,"
	    " applied_at timestamptz NOT NULL DEFAULT now())",
	    "creating schema_version", err, errlen) == -1)
		return -1;
	if ((nhave = migrate_applied(pg, &have, err, errlen)) == -1)
		return -1;
	if (nhave > 0 && have[nhave - 1] > latest) {
		migrate_seterr(err, errlen, "database schema version %d is newer than this "
		    "chatgridd knows (%d); upgrade chatgridd", have[nhave - 1], latest);
		free(have);
		return -1;
	}
	/* Both lists ascend: walk them together, applying what the database lacks. */
	for (i = 0, j = 0; i < migrate_count; i++) {
		while (j < nhave && have[j] < migrate_list[i].version)
			j++;
		if (j < nhave && have[j] == migrate_list[i].version)
			continue;
		if (migrate_apply(pg, &migrate_list[i], err, errlen) == -1) {
			free(have);
			return -1;
		}
		applied++;
	}
	free(have);
	if (applied > 0)
		log_notice("database schema now at version %d", latest);
	else
		log_info("database schema at version %d", latest);
	return 0;
}

int
migrate_run(const char *conninfo, char *err, size_t errlen)
{
	static const char *const kw[] = {
		"connect_timeout", "fallback_application_name", "dbname", NULL
	};
	const char *val[] = { MIGRATE_CONNECT_TIMEOUT, "chatgridd-migrate", conninfo, NULL };
	PGconn *pg;
	PGresult *res;
	int i, rc = -1;

	/* The generated list must ascend; anything else is a build bug. */
	for (i = 0; i < migrate_count; i++) {
		if (migrate_list[i].version < 1 ||
		    (i > 0 && migrate_list[i].version <= migrate_list[i - 1].version)) {
			migrate_seterr(err, errlen, "compiled-in migration %s is out of order",
			    migrate_list[i].name);
			return -1;
		}
	}

	/* Later keywords win, so connect_timeout in conninfo overrides ours. */
	pg = PQconnectdbParams(kw, val, 1);
	if (pg == NULL) {
		migrate_seterr(err, errlen, "cannot connect to the database: out of memory");
		return -1;
	}
	if (PQstatus(pg) != CONNECTION_OK) {
		migrate_seterr(err, errlen, "cannot connect to the database: %s", PQerrorMessage(pg));
		PQfinish(pg);
		return -1;
	}
	PQsetNoticeReceiver(pg, migrate_notice, NULL);

	/* Migrations may be slow; only the wait for the lock is bounded. */
	if (migrate_cmd(pg, "SET client_min_messages = warning; SET statement_timeout = 0; "
	    "SET lock_timeout = '" MIGRATE_LOCK_WAIT "'", "session set-up", err, errlen) == -1)
		goto out;
	res = migrate_exec(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")",
	    PGRES_TUPLES_OK, "waiting for the migration lock (another chatgridd migrating?)",
	    err, errlen);
	if (res == NULL)
		goto out;
	PQclear(res);
	if (migrate_cmd(pg, "SET lock_timeout = 0", "session set-up", err, errlen) == -1)
		goto out;

	rc = migrate_locked(pg, err, errlen);

	/* Closing the session releases the lock too; unlocking says so sooner. */
	res = PQexec(pg, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")");
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
		log_warn("cannot release the migration lock: %s", migrate_errmsg(pg, res));
	if (res != NULL)
		PQclear(res);
out:
	PQfinish(pg);
	return rc;
}

/*
 * ctl-db.c: chatgridctl's database access: one blocking connection,
 * explicit transactions, the audit log and change notifications.
 *
 * Blocking libpq is right here: chatgridctl runs one command and exits.
 * Every mutation is one transaction that ends with its audit row and its
 * NOTIFY, so the daemon hears of exactly the changes that committed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "cfg.h"
#include "ctl-common.h"
#include "migrate.h"
#include "seed.h"

/* Replace line breaks (libpq's messages have them) by spaces, trim the end. */
static void
ctl_db_oneline(char *s)
{
	char *p;

	for (p = s; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	while (p > s && p[-1] == ' ')
		*--p = '\0';
}

static void
ctl_db_notice(void *arg, const PGresult *res)
{
	/* Notices (e.g. from the migrations) are not for the operator. */
}

int
ctl_db_open(struct ctl *ctl)
{
	static const char *const kw[] = {
		"connect_timeout", "fallback_application_name", "dbname", NULL
	};
	const char *val[4];
	char timeout[16], set[160], msg[512];
	PGresult *r;

	/* libpq counts whole seconds; later keywords win, so the conninfo's own timeout does. */
	snprintf(timeout, sizeof timeout, "%d", (ctl->cfg->db_connect_timeout_ms + 999) / 1000);
	val[0] = timeout;
	val[1] = "chatgridctl";
	val[2] = ctl->cfg->db_conninfo;
	val[3] = NULL;
	ctl->db = PQconnectdbParams(kw, val, 1);
	if (ctl->db == NULL)
		return ctl_errx(CTL_NODB, "cannot connect to the database: out of memory");
	if (PQstatus(ctl->db) != CONNECTION_OK) {
		snprintf(msg, sizeof msg, "%s", PQerrorMessage(ctl->db));
		ctl_db_oneline(msg);
		return ctl_errx(CTL_NODB, "cannot connect to the database: %s", msg);
	}
	PQsetNoticeReceiver(ctl->db, ctl_db_notice, NULL);
	snprintf(set, sizeof set, "SET client_min_messages = warning; SET TimeZone = 'UTC'; "
	    "SET statement_timeout = %d", ctl->cfg->db_statement_timeout_ms);
	r = PQexec(ctl->db, set);
	if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
		snprintf(msg, sizeof msg, "%s", PQerrorMessage(ctl->db));
		ctl_db_oneline(msg);
		PQclear(r);
		return ctl_errx(PQstatus(ctl->db) == CONNECTION_OK ? CTL_FAIL : CTL_NODB,
		    "database session set-up: %s", msg);
	}
	PQclear(r);
	return CTL_OK;
}

void
ctl_db_close(struct ctl *ctl)
{
	if (ctl->db != NULL)
		PQfinish(ctl->db);
	ctl->db = NULL;
}

PGresult *
ctl_db_exec(struct ctl *ctl, const char *sql, int n, const char *const *v)
{
	PGresult *r = PQexecParams(ctl->db, sql, n, NULL, v, NULL, NULL, 0);
	ExecStatusType st = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	const char *f;

	ctl->err_state[0] = ctl->err_constraint[0] = ctl->err_msg[0] = '\0';
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	if (r != NULL && (f = PQresultErrorField(r, PG_DIAG_SQLSTATE)) != NULL)
		snprintf(ctl->err_state, sizeof ctl->err_state, "%s", f);
	if (r != NULL && (f = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME)) != NULL)
		snprintf(ctl->err_constraint, sizeof ctl->err_constraint, "%s", f);
	if (r != NULL && (f = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)) != NULL)
		snprintf(ctl->err_msg, sizeof ctl->err_msg, "%s", f);
	else
		snprintf(ctl->err_msg, sizeof ctl->err_msg, "%s", PQerrorMessage(ctl->db));
	ctl_db_oneline(ctl->err_msg);
	PQclear(r);
	return NULL;
}

/* Run a statement whose rows do not matter; 0 or -1 (err_* set). */
static int
ctl_db_cmd(struct ctl *ctl, const char *sql, int n, const char *const *v)
{
	PGresult *r = ctl_db_exec(ctl, sql, n, v);

	if (r == NULL)
		return -1;
	PQclear(r);
	return 0;
}

void
ctl_db_rollback(struct ctl *ctl)
{
	PGresult *r;

	if (!ctl->in_tx)
		return;
	ctl->in_tx = 0;
	/* A failure here means the connection is gone, which ends the transaction too. */
	r = PQexec(ctl->db, "ROLLBACK");
	PQclear(r);
}

int
ctl_db_error(struct ctl *ctl)
{
	const char *s = ctl->err_state;
	int lost;

	ctl_db_rollback(ctl);
	/*
	 * Class 08 is a connection exception, 57P0x an administrator's
	 * shutdown; a dead server may still show CONNECTION_OK until the
	 * next call, which the rollback above was.
	 */
	lost = PQstatus(ctl->db) != CONNECTION_OK || strncmp(s, "08", 2) == 0 ||
	    strncmp(s, "57P0", 4) == 0;
	if (lost)
		return ctl_errx(CTL_NODB, "lost the database connection: %s", ctl->err_msg);
	return ctl_errx(CTL_FAIL, "database error: %s", ctl->err_msg);
}

int
ctl_db_begin(struct ctl *ctl)
{
	if (ctl_db_cmd(ctl, "BEGIN", 0, NULL) == -1)
		return ctl_db_error(ctl);
	ctl->in_tx = 1;
	return CTL_OK;
}

int
ctl_db_commit(struct ctl *ctl)
{
	if (ctl_db_cmd(ctl, "COMMIT", 0, NULL) == -1)
		return ctl_db_error(ctl);
	ctl->in_tx = 0;
	return CTL_OK;
}

/* The newest applied migration, 0 for an empty database, -1 on error. */
static int
ctl_db_schema_version(struct ctl *ctl)
{
	PGresult *r;
	int v = 0, have;

	if ((r = ctl_db_exec(ctl, "SELECT to_regclass('schema_version') IS NOT NULL", 0, NULL)) == NULL)
		return -1;
	have = PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	if (!have)
		return 0;
	if ((r = ctl_db_exec(ctl, "SELECT coalesce(max(version), 0) FROM schema_version",
	    0, NULL)) == NULL)
		return -1;
	v = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

int
ctl_db_prepare(struct ctl *ctl)
{
	char err[512];

	if ((ctl->schema_before = ctl_db_schema_version(ctl)) == -1)
		return ctl_db_error(ctl);
	/* The same start-up work as chatgridd's, on their own connections. */
	if (migrate_run(ctl->cfg->db_conninfo, err, sizeof err) == -1 ||
	    seed_roles(ctl->cfg->db_conninfo, err, sizeof err) == -1) {
		ctl_db_oneline(err);
		return ctl_errx(strncmp(err, "cannot connect", 14) == 0 ? CTL_NODB : CTL_FAIL,
		    "%s", err);
	}
	if ((ctl->schema_after = ctl_db_schema_version(ctl)) == -1)
		return ctl_db_error(ctl);
	return CTL_OK;
}

int
ctl_db_lock_admins(struct ctl *ctl)
{
	PGresult *r;
	int n;

	/*
	 * NO KEY UPDATE serialises with every other holder of this lock
	 * without blocking the foreign-key checks of accounts inserted with
	 * the role. The count is a separate statement so that it sees what
	 * committed while we waited.
	 */
	if (ctl_db_cmd(ctl, "SELECT id FROM roles WHERE name = 'admin' FOR NO KEY UPDATE",
	    0, NULL) == -1)
		return -1;
	r = ctl_db_exec(ctl, "SELECT count(*) FROM accounts a JOIN roles r ON r.id = a.role_id "
	    "WHERE r.name = 'admin' AND a.status = 'active'", 0, NULL);
	if (r == NULL)
		return -1;
	n = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return n;
}

int
ctl_db_find_account(struct ctl *ctl, const char *name, int lock, struct ctl_account *out)
{
	const char *v[1] = { name };
	PGresult *r;
	int found;

	/* lower(username) is what the unique index accounts_username_key covers. */
	r = ctl_db_exec(ctl, lock ?
	    "SELECT a.id, a.username, r.name, a.status FROM accounts a "
	    "JOIN roles r ON r.id = a.role_id WHERE lower(a.username) = $1 FOR UPDATE OF a" :
	    "SELECT a.id, a.username, r.name, a.status FROM accounts a "
	    "JOIN roles r ON r.id = a.role_id WHERE lower(a.username) = $1", 1, v);
	if (r == NULL)
		return -1;
	found = PQntuples(r) == 1;
	if (found) {
		snprintf(out->id, sizeof out->id, "%s", PQgetvalue(r, 0, 0));
		snprintf(out->username, sizeof out->username, "%s", PQgetvalue(r, 0, 1));
		snprintf(out->role, sizeof out->role, "%s", PQgetvalue(r, 0, 2));
		snprintf(out->status, sizeof out->status, "%s", PQgetvalue(r, 0, 3));
	}
	PQclear(r);
	return found;
}

long
ctl_db_revoke_sessions(struct ctl *ctl, const char *account_id)
{
	const char *v[1] = { account_id };
	PGresult *r;
	long n;

	r = ctl_db_exec(ctl, "UPDATE sessions SET revoked_at = now() WHERE account_id = $1 "
	    "AND revoked_at IS NULL AND expires_at > now()", 1, v);
	if (r == NULL)
		return -1;
	n = strtol(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return n;
}

int
ctl_db_audit(struct ctl *ctl, const char *action, const char *target, int ok,
    const char *message, const char *detail)
{
	const char *v[6] = { ctl->actor, action, target, ok ? "true" : "false", message, detail };

	return ctl_db_cmd(ctl, "INSERT INTO audit_log (actor_name, action, target, ok, message, detail) "
	    "VALUES ($1, $2, $3, $4::boolean, $5, $6::jsonb)", 6, v);
}

int
ctl_db_refuse(struct ctl *ctl, const char *action, const char *target, const char *message)
{
	ctl_db_rollback(ctl);
	ctl_errx(CTL_FAIL, "%s", message);
	/* The refusal is worth recording; failing to is reported but changes nothing. */
	if (ctl_db_audit(ctl, action, target, 0, message, NULL) == -1)
		return ctl_db_error(ctl) == CTL_NODB ? CTL_NODB : CTL_FAIL;
	return CTL_FAIL;
}

int
ctl_db_finish(struct ctl *ctl, const char *action, const char *target, const char *message,
    const char *detail, const char *account_id)
{
	const char *v[2] = { CTL_NOTIFY_CHANNEL, account_id };
	int rc;

	if (ctl_db_audit(ctl, action, target, 1, message, detail) == -1)
		return ctl_db_error(ctl);
	/* Queued now, delivered by the server at COMMIT (and not at all without it). */
	if (account_id != NULL && ctl_db_cmd(ctl, "SELECT pg_notify($1, $2)", 2, v) == -1)
		return ctl_db_error(ctl);
	if ((rc = ctl_db_commit(ctl)) != CTL_OK)
		return rc;
	printf("%s\n", message);
	return CTL_OK;
}

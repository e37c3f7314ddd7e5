/*
 * ctl-common.h: chatgridctl(8), one-shot administration on chatgridd's database.
 *
 * chatgridctl.c holds main() and the command table; each command family
 * has its own file (ctl-admin.c, ctl-user.c, ctl-role.c, ctl-session.c,
 * ctl-audit.c). ctl-db.c wraps blocking libpq, transactions, the audit log
 * and notifications; ctl-pass.c reads passwords; ctl-table.c prints tables.
 */
#ifndef CG_CTL_COMMON_H
#define CG_CTL_COMMON_H

#include <stdio.h>

#include <libpq-fe.h>

struct config;

/* Exit statuses, as in chatgridctl(8). */
enum ctl_exit {
	CTL_OK = 0,
	CTL_FAIL = 1,		/* refused or failed operation */
	CTL_USAGE = 2,		/* bad command line */
	CTL_NODB = 3,		/* database unreachable */
};

#define CTL_MAX_OPTS 4
#define CTL_MAX_ARGS 4
/* Longest command-line argument accepted, in bytes (names, roles, emails). */
#define CTL_ARG_MAX 512

/* The channel chatgridd listens on; the payload is an account id. */
#define CTL_NOTIFY_CHANNEL "chatgrid_account"
/* How times are shown (the session's TimeZone is UTC). */
#define CTL_TIME_FMT "'YYYY-MM-DD HH24:MI:SS'"

struct ctl {
	struct config *cfg;	/* owned: freed at exit */
	PGconn *db;		/* owned: blocking connection, TimeZone UTC */
	char actor[160];	/* "chatgridctl:<unix user>", audit_log.actor_name */
	int in_tx;		/* a transaction is open on db */
	int schema_before;	/* newest applied migration before this run */
	int schema_after;	/* ... and after */

	/* The last failed statement (ctl_db_exec), for ctl_db_error and callers. */
	char err_state[6];	/* SQLSTATE, "" if none */
	char err_constraint[64];
	char err_msg[256];
};

/* A command line, split by the table entry's option names. */
struct ctl_args {
	const char *opt[CTL_MAX_OPTS];	/* --name VALUE, index as in ctl_cmd.opts; NULL if absent */
	char *arg[CTL_MAX_ARGS];	/* positional arguments */
	int narg;
};

/* One command, as "family name" ("user ban") or "family" alone ("audit"). */
struct ctl_cmd {
	const char *family;
	const char *name;		/* NULL for a one-word command */
	const char *usage;		/* what follows the command words */
	const char *opts[CTL_MAX_OPTS];	/* long option names, each taking a value */
	int min_args, max_args;
	int (*exec)(struct ctl *, const struct ctl_args *);
};

/* An account as looked up by name. */
struct ctl_account {
	char id[24];
	char username[CTL_ARG_MAX + 1];
	char role[64];
	char status[16];
};

/* chatgridctl.c */
/* Print "chatgridctl: message" on stderr; returns rc, for "return ctl_errx(...)". */
int ctl_errx(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "s" unless n is 1, for counts in messages. */
const char *ctl_plural(long n);

/* ctl-db.c */
/*
 * Connect with the configuration's conninfo and set the session up.
 * CTL_OK, or CTL_NODB after printing why.
 */
int ctl_db_open(struct ctl *);
void ctl_db_close(struct ctl *);
/*
 * Apply the migrations and seed the roles (migrate.c, seed.c), recording
 * the schema version before and after. CTL_OK or CTL_FAIL after printing.
 */
int ctl_db_prepare(struct ctl *);
/*
 * Run sql with text parameters (NULL for SQL NULL). Returns the result
 * (caller PQclear) when it succeeded, else NULL with err_* set and nothing
 * printed: the caller decides (ctl_db_error for the generic message).
 */
PGresult *ctl_db_exec(struct ctl *, const char *sql, int n, const char *const *v);
/*
 * After a failed ctl_db_exec: roll back, print the database's message and
 * return CTL_NODB if the connection is gone, else CTL_FAIL.
 */
int ctl_db_error(struct ctl *);
/* Transactions; each returns CTL_OK or (printed) ctl_db_error's status. */
int ctl_db_begin(struct ctl *);
int ctl_db_commit(struct ctl *);
void ctl_db_rollback(struct ctl *);
/*
 * In a transaction: lock the admin role's row, the point every change of
 * the set of active admins serialises on, and count the active admins.
 * Returns the count, or -1 after a failed ctl_db_exec.
 */
int ctl_db_lock_admins(struct ctl *);
/*
 * Look up an account by its normalised name (FOR UPDATE when lock).
 * Returns 1 found, 0 not found, -1 after a failed ctl_db_exec.
 */
int ctl_db_find_account(struct ctl *, const char *name, int lock, struct ctl_account *out);
/*
 * Revoke the account's live sessions (neither revoked nor expired).
 * Returns how many, or -1 after a failed ctl_db_exec.
 */
long ctl_db_revoke_sessions(struct ctl *, const char *account_id);
/* Insert an audit_log row; detail is JSON text or NULL. 0, or -1 after ctl_db_exec failed. */
int ctl_db_audit(struct ctl *, const char *action, const char *target, int ok,
    const char *message, const char *detail);
/*
 * Refuse an operation: roll back, record it in the audit log (ok false),
 * print message on stderr. Returns CTL_FAIL.
 */
int ctl_db_refuse(struct ctl *, const char *action, const char *target, const char *message);
/*
 * Finish a mutation inside its transaction: the audit row, NOTIFY
 * chatgrid_account for account_id (if not NULL; delivered at commit), the
 * commit, then message on stdout. Returns CTL_OK or the failure's status.
 */
int ctl_db_finish(struct ctl *, const char *action, const char *target, const char *message,
    const char *detail, const char *account_id);

/* ctl-pass.c */
/* On a terminal, print the username and/or password rules. */
void ctl_pass_rules(const struct config *, int username, int password);
/*
 * Read a new password: hidden, twice, from a terminal on stdin (up to three
 * tries), else one line of stdin. Checked against the policy. Returns it
 * (release with ctl_pass_free), or NULL after printing why.
 */
char *ctl_pass_read(const struct config *);
/* Wipe and free. */
void ctl_pass_free(char *);

/* ctl-table.c */
/*
 * Print a result as a table with these column headers (one per column):
 * columns padded to their widest cell, NULL as "-", control characters
 * shown as "?".
 */
void ctl_table_print(FILE *, const PGresult *, const char *const *headers);

/* ctl-*.c: the commands of chatgridctl.c's table. */
int ctl_admin_migrate(struct ctl *, const struct ctl_args *);
int ctl_admin_bootstrap(struct ctl *, const struct ctl_args *);
int ctl_user_list(struct ctl *, const struct ctl_args *);
int ctl_user_usage(struct ctl *, const struct ctl_args *);
int ctl_user_set_role(struct ctl *, const struct ctl_args *);
int ctl_user_ban(struct ctl *, const struct ctl_args *);
int ctl_user_unban(struct ctl *, const struct ctl_args *);
int ctl_user_delete(struct ctl *, const struct ctl_args *);
int ctl_user_passwd(struct ctl *, const struct ctl_args *);
int ctl_role_list(struct ctl *, const struct ctl_args *);
int ctl_session_revoke(struct ctl *, const struct ctl_args *);
int ctl_audit_list(struct ctl *, const struct ctl_args *);

#endif

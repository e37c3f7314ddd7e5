/*
 * ctl-user.c: chatgridctl user list, usage, set-role, ban, unban, delete, passwd.
 *
 * Each mutation is one transaction: lock the admin role (ctl_db_lock_admins)
 * when the set of active admins may change, lock the account row, check,
 * change, then audit + NOTIFY + COMMIT (ctl_db_finish). Refusals roll back
 * and are audited with ok false (ctl_db_refuse).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cfg.h"
#include "ctl-common.h"
#include "password.h"
#include "policy.h"

/* An active admin: the kind whose last one may not go. */
static int
user_is_active_admin(const struct ctl_account *acc)
{
	return strcmp(acc->role, "admin") == 0 && strcmp(acc->status, "active") == 0;
}

/* Run a statement about one account ($1 its id, $2 an optional value); 0 or -1. */
static int
user_update(struct ctl *ctl, const char *sql, const char *id, const char *value)
{
	const char *v[2] = { id, value };
	PGresult *r = ctl_db_exec(ctl, sql, value != NULL ? 2 : 1, v);

	if (r == NULL)
		return -1;
	PQclear(r);
	return 0;
}

/* ctl_db_finish with a JSON detail object, which it consumes. */
static int
user_finish(struct ctl *ctl, const char *action, const struct ctl_account *acc,
    const char *msg, struct json_object *d)
{
	int rc = ctl_db_finish(ctl, action, acc->username, msg,
	    d != NULL ? json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN) : NULL, acc->id);

	json_object_put(d);
	return rc;
}

/*
 * Begin, optionally lock the admin set (*admins gets the count), and lock
 * the named account. CTL_OK with *acc filled, or the status to return.
 */
static int
user_begin(struct ctl *ctl, const char *action, const char *arg, int *admins,
    struct ctl_account *acc)
{
	char name[CTL_ARG_MAX + 1];
	int rc, found;

	policy_normalize_username(arg, name, sizeof name);
	if ((rc = ctl_db_begin(ctl)) != CTL_OK)
		return rc;
	if (admins != NULL && (*admins = ctl_db_lock_admins(ctl)) == -1)
		return ctl_db_error(ctl);
	if ((found = ctl_db_find_account(ctl, name, 1, acc)) == -1)
		return ctl_db_error(ctl);
	if (!found)
		return ctl_db_refuse(ctl, action, name, "User not found.");
	return CTL_OK;
}

int
ctl_user_list(struct ctl *ctl, const struct ctl_args *a)
{
	static const char *const headers[] = {
		"ID", "USERNAME", "ROLE", "STATUS", "CREATED", "LAST LOGIN"
	};
	const char *v[2] = { NULL, a->opt[1] };
	char role[CTL_ARG_MAX + 1];
	PGresult *r;
	int found;

	if (a->opt[1] != NULL && strcmp(a->opt[1], "active") != 0 &&
	    strcmp(a->opt[1], "disabled") != 0)
		return ctl_errx(CTL_USAGE, "--status is active or disabled");
	if (a->opt[0] != NULL) {
		v[0] = policy_normalize_username(a->opt[0], role, sizeof role);
		if ((r = ctl_db_exec(ctl, "SELECT 1 FROM roles WHERE name = $1", 1, v)) == NULL)
			return ctl_db_error(ctl);
		found = PQntuples(r) > 0;
		PQclear(r);
		if (!found)
			return ctl_errx(CTL_FAIL, "Role not found.");
	}
	r = ctl_db_exec(ctl, "SELECT a.id, a.username, r.name, a.status, "
	    "to_char(a.created_at, " CTL_TIME_FMT "), "
	    "coalesce(to_char(a.last_login_at, " CTL_TIME_FMT "), 'never') "
	    "FROM accounts a JOIN roles r ON r.id = a.role_id "
	    "WHERE ($1::text IS NULL OR r.name = $1) AND ($2::text IS NULL OR a.status = $2) "
	    "ORDER BY lower(a.username) COLLATE \"C\", a.id", 2, v);
	if (r == NULL)
		return ctl_db_error(ctl);
	ctl_table_print(stdout, r, headers);
	PQclear(r);
	return CTL_OK;
}

/* "N KiB" rounded up, or "no limit" for a limit of 0. */
static void
kib(char *out, size_t len, long long bytes)
{
	snprintf(out, len, "%lld KiB", (bytes + 1023) / 1024);
}

/*
 * What one account holds, against the limits of the configuration read:
 * items it owns, the song data of those items (the measure
 * song_account_max_kib applies), and its sessions, live and expired (the
 * expired ones until the daemon's sweep deletes them).
 */
int
ctl_user_usage(struct ctl *ctl, const struct ctl_args *a)
{
	struct ctl_account acc;
	char name[CTL_ARG_MAX + 1], used[32], lim[32];
	const char *v[1];
	PGresult *r;
	int found;

	policy_normalize_username(a->arg[0], name, sizeof name);
	if ((found = ctl_db_find_account(ctl, name, 0, &acc)) == -1)
		return ctl_db_error(ctl);
	if (!found)
		return ctl_errx(CTL_FAIL, "User not found.");
	v[0] = acc.id;
	r = ctl_db_exec(ctl, "SELECT (SELECT count(*) FROM items WHERE created_by = $1::bigint), "
	    "(SELECT count(*) FROM songs s JOIN items i ON i.id = s.item_id WHERE i.created_by = $1::bigint), "
	    "(SELECT COALESCE(SUM(octet_length(s.body::text)), 0) FROM songs s JOIN items i ON i.id = s.item_id "
	    "  WHERE i.created_by = $1::bigint), "
	    "(SELECT count(*) FROM sessions WHERE account_id = $1::bigint AND revoked_at IS NULL "
	    "  AND expires_at > now()), "
	    "(SELECT count(*) FROM sessions WHERE account_id = $1::bigint AND expires_at <= now())", 1, v);
	if (r == NULL)
		return ctl_db_error(ctl);
	printf("user: %s\n", acc.username);
	if (ctl->cfg->max_items_per_account > 0)
		printf("items: %s of %d\n", PQgetvalue(r, 0, 0), ctl->cfg->max_items_per_account);
	else
		printf("items: %s (no limit)\n", PQgetvalue(r, 0, 0));
	kib(used, sizeof used, strtoll(PQgetvalue(r, 0, 2), NULL, 10));
	if (ctl->cfg->song_account_max_kib > 0) {
		snprintf(lim, sizeof lim, "%d KiB", ctl->cfg->song_account_max_kib);
		printf("songs: %s, %s of %s\n", PQgetvalue(r, 0, 1), used, lim);
	} else
		printf("songs: %s, %s (no limit)\n", PQgetvalue(r, 0, 1), used);
	printf("sessions: %s live, %s expired\n", PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 4));
	PQclear(r);
	return CTL_OK;
}

int
ctl_user_set_role(struct ctl *ctl, const struct ctl_args *a)
{
	struct ctl_account acc;
	struct json_object *d;
	char name[CTL_ARG_MAX + 1], role[CTL_ARG_MAX + 1], role_id[24], msg[2 * CTL_ARG_MAX + 64];
	const char *v[1];
	int rc, admins, found;
	PGresult *r;

	/* The reference's order: the role must exist, then the user. */
	policy_normalize_username(a->arg[0], name, sizeof name);
	v[0] = policy_normalize_username(a->arg[1], role, sizeof role);
	if ((rc = ctl_db_begin(ctl)) != CTL_OK)
		return rc;
	if ((admins = ctl_db_lock_admins(ctl)) == -1)
		return ctl_db_error(ctl);
	if ((r = ctl_db_exec(ctl, "SELECT id FROM roles WHERE name = $1 FOR KEY SHARE", 1, v)) == NULL)
		return ctl_db_error(ctl);
	if (PQntuples(r) != 1) {
		PQclear(r);
		return ctl_db_refuse(ctl, "user_set_role", name, "Role not found.");
	}
	snprintf(role_id, sizeof role_id, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	if ((found = ctl_db_find_account(ctl, name, 1, &acc)) == -1)
		return ctl_db_error(ctl);
	if (!found)
		return ctl_db_refuse(ctl, "user_set_role", name, "User not found.");
	if (user_is_active_admin(&acc) && strcmp(role, "admin") != 0 && admins <= 1)
		return ctl_db_refuse(ctl, "user_set_role", acc.username,
		    "Cannot change role for the last active admin.");
	if (user_update(ctl, "UPDATE accounts SET role_id = $2::integer, updated_at = now() "
	    "WHERE id = $1", acc.id, role_id) == -1)
		return ctl_db_error(ctl);
	snprintf(msg, sizeof msg, "Set role for %s to %s.", acc.username, role);
	d = json_object_new_object();
	json_object_object_add(d, "from", json_object_new_string(acc.role));
	json_object_object_add(d, "to", json_object_new_string(role));
	return user_finish(ctl, "user_set_role", &acc, msg, d);
}

int
ctl_user_ban(struct ctl *ctl, const struct ctl_args *a)
{
	struct ctl_account acc;
	struct json_object *d;
	char msg[CTL_ARG_MAX + 64];
	int rc, admins;
	long n;

	if ((rc = user_begin(ctl, "user_ban", a->arg[0], &admins, &acc)) != CTL_OK)
		return rc;
	if (user_is_active_admin(&acc) && admins <= 1)
		return ctl_db_refuse(ctl, "user_ban", acc.username,
		    "Cannot disable the last active admin.");
	if (user_update(ctl, "UPDATE accounts SET status = 'disabled', updated_at = now() "
	    "WHERE id = $1", acc.id, NULL) == -1)
		return ctl_db_error(ctl);
	if ((n = ctl_db_revoke_sessions(ctl, acc.id)) == -1)
		return ctl_db_error(ctl);
	snprintf(msg, sizeof msg, "Banned %s; revoked %ld session%s.", acc.username, n,
	    ctl_plural(n));
	d = json_object_new_object();
	json_object_object_add(d, "from_status", json_object_new_string(acc.status));
	json_object_object_add(d, "sessions_revoked", json_object_new_int64(n));
	return user_finish(ctl, "user_ban", &acc, msg, d);
}

int
ctl_user_unban(struct ctl *ctl, const struct ctl_args *a)
{
	struct ctl_account acc;
	struct json_object *d;
	char msg[CTL_ARG_MAX + 64];
	int rc, admins;

	/* Unbanning an admin changes the admin set too: take the same lock. */
	if ((rc = user_begin(ctl, "user_unban", a->arg[0], &admins, &acc)) != CTL_OK)
		return rc;
	if (user_update(ctl, "UPDATE accounts SET status = 'active', updated_at = now() "
	    "WHERE id = $1", acc.id, NULL) == -1)
		return ctl_db_error(ctl);
	snprintf(msg, sizeof msg, "Unbanned %s.", acc.username);
	d = json_object_new_object();
	json_object_object_add(d, "from_status", json_object_new_string(acc.status));
	return user_finish(ctl, "user_unban", &acc, msg, d);
}

int
ctl_user_delete(struct ctl *ctl, const struct ctl_args *a)
{
	struct ctl_account acc;
	struct json_object *d;
	char msg[CTL_ARG_MAX + 64];
	int rc, admins;

	if ((rc = user_begin(ctl, "user_delete", a->arg[0], &admins, &acc)) != CTL_OK)
		return rc;
	if (user_is_active_admin(&acc) && admins <= 1)
		return ctl_db_refuse(ctl, "user_delete", acc.username,
		    "Cannot delete the last active admin.");
	/* Sessions and account_state go with it (ON DELETE CASCADE). */
	if (user_update(ctl, "DELETE FROM accounts WHERE id = $1", acc.id, NULL) == -1)
		return ctl_db_error(ctl);
	snprintf(msg, sizeof msg, "Deleted %s.", acc.username);
	d = json_object_new_object();
	json_object_object_add(d, "role", json_object_new_string(acc.role));
	json_object_object_add(d, "status", json_object_new_string(acc.status));
	return user_finish(ctl, "user_delete", &acc, msg, d);
}

int
ctl_user_passwd(struct ctl *ctl, const struct ctl_args *a)
{
	struct password_params pp;
	struct ctl_account acc;
	struct json_object *d;
	char name[CTL_ARG_MAX + 1], hash[PASSWORD_ENCODED_MAX], msg[CTL_ARG_MAX + 64];
	char *pw;
	int rc, found;
	long n;

	/* Refuse an unknown name before asking for a password. */
	policy_normalize_username(a->arg[0], name, sizeof name);
	if ((found = ctl_db_find_account(ctl, name, 0, &acc)) == -1)
		return ctl_db_error(ctl);
	if (!found)
		return ctl_db_refuse(ctl, "user_passwd", name, "User not found.");
	ctl_pass_rules(ctl->cfg, 0, 1);
	if ((pw = ctl_pass_read(ctl->cfg)) == NULL)
		return CTL_FAIL;
	password_params_from_cfg(ctl->cfg, &pp);
	rc = password_hash(pw, &pp, hash);
	ctl_pass_free(pw);
	if (rc == -1)
		return ctl_errx(CTL_FAIL, "cannot hash the password");

	if ((rc = user_begin(ctl, "user_passwd", a->arg[0], NULL, &acc)) != CTL_OK)
		return rc;
	rc = user_update(ctl, "UPDATE accounts SET password_hash = $2, updated_at = now() "
	    "WHERE id = $1", acc.id, hash);
	explicit_bzero(hash, sizeof hash);
	if (rc == -1)
		return ctl_db_error(ctl);
	if ((n = ctl_db_revoke_sessions(ctl, acc.id)) == -1)
		return ctl_db_error(ctl);
	snprintf(msg, sizeof msg, "Changed the password of %s; revoked %ld session%s.",
	    acc.username, n, ctl_plural(n));
	d = json_object_new_object();
	json_object_object_add(d, "sessions_revoked", json_object_new_int64(n));
	return user_finish(ctl, "user_passwd", &acc, msg, d);
}

/*
 * ctl-admin.c: chatgridctl migrate and bootstrap-admin, the commands that
 * get a fresh installation going.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cfg.h"
#include "ctl-common.h"
#include "migrate.h"
#include "password.h"
#include "policy.h"

#define ADMIN_EXISTS "An admin account already exists."

int
ctl_admin_migrate(struct ctl *ctl, const struct ctl_args *a)
{
	char msg[128];
	int i;

	/* main() has already migrated and seeded; say what that did. */
	if (ctl->schema_after != ctl->schema_before) {
		for (i = 0; i < migrate_count; i++)
			if (migrate_list[i].version > ctl->schema_before &&
			    migrate_list[i].version <= ctl->schema_after)
				printf("Applied migration %s.\n", migrate_list[i].name);
		snprintf(msg, sizeof msg, "Migrated the database schema from version %d to %d.",
		    ctl->schema_before, ctl->schema_after);
		if (ctl_db_audit(ctl, "migrate", NULL, 1, msg, NULL) == -1)
			return ctl_db_error(ctl);
	}
	printf("Schema version %d.\n", ctl->schema_after);
	return CTL_OK;
}

/* Promote an existing account, in the open transaction. */
static int
admin_promote(struct ctl *ctl, const char *name)
{
	struct ctl_account acc;
	struct json_object *d;
	const char *v[1];
	char msg[CTL_ARG_MAX + 128];
	int found, rc;
	PGresult *r;

	if ((found = ctl_db_find_account(ctl, name, 1, &acc)) == -1)
		return ctl_db_error(ctl);
	if (!found)
		return ctl_db_refuse(ctl, "bootstrap_admin", name, "User not found.");
	v[0] = acc.id;
	/* An admin that cannot log in would not be the admin this command promises. */
	r = ctl_db_exec(ctl, "UPDATE accounts SET role_id = (SELECT id FROM roles WHERE name = 'admin'), "
	    "status = 'active', updated_at = now() WHERE id = $1", 1, v);
	if (r == NULL)
		return ctl_db_error(ctl);
	PQclear(r);
	snprintf(msg, sizeof msg, "Promoted the existing account %s to admin%s; no password "
	    "needed, it keeps its own.", acc.username,
	    strcmp(acc.status, "active") != 0 ? " and enabled it" : "");
	d = json_object_new_object();
	json_object_object_add(d, "promoted", json_object_new_boolean(1));
	json_object_object_add(d, "from_role", json_object_new_string(acc.role));
	json_object_object_add(d, "from_status", json_object_new_string(acc.status));
	rc = ctl_db_finish(ctl, "bootstrap_admin", acc.username, msg,
	    json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN), acc.id);
	json_object_put(d);
	return rc;
}

/* Create the account, in the open transaction. */
static int
admin_create(struct ctl *ctl, const char *name, const char *email, const char *hash)
{
	const char *v[3] = { name, email[0] != '\0' ? email : NULL, hash };
	char id[24], msg[CTL_ARG_MAX + 64];
	PGresult *r;

	r = ctl_db_exec(ctl, "INSERT INTO accounts (username, email, password_hash, role_id) "
	    "SELECT $1, $2, $3, id FROM roles WHERE name = 'admin' RETURNING id", 3, v);
	if (r == NULL) {
		/* Someone took the name or address since we looked. */
		if (strcmp(ctl->err_state, "23505") == 0 &&
		    strcmp(ctl->err_constraint, "accounts_username_key") == 0)
			return ctl_db_refuse(ctl, "bootstrap_admin", name, "Username is already taken.");
		if (strcmp(ctl->err_state, "23505") == 0 &&
		    strcmp(ctl->err_constraint, "accounts_email_key") == 0)
			return ctl_db_refuse(ctl, "bootstrap_admin", name, "Email is already in use.");
		return ctl_db_error(ctl);
	}
	if (PQntuples(r) != 1) {
		PQclear(r);
		return ctl_db_refuse(ctl, "bootstrap_admin", name, "Role not found.");
	}
	snprintf(id, sizeof id, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	v[0] = id;
	v[1] = name;
	if ((r = ctl_db_exec(ctl, "INSERT INTO account_state (account_id, last_nickname) "
	    "VALUES ($1, $2)", 2, v)) == NULL)
		return ctl_db_error(ctl);
	PQclear(r);
	snprintf(msg, sizeof msg, "Created the admin account %s.", name);
	return ctl_db_finish(ctl, "bootstrap_admin", name, msg, NULL, id);
}

int
ctl_admin_bootstrap(struct ctl *ctl, const struct ctl_args *a)
{
	struct password_params pp;
	struct ctl_account acc;
	char name[CTL_ARG_MAX + 1], email[CTL_ARG_MAX + 1], ebuf[160];
	char hash[PASSWORD_ENCODED_MAX];
	const char *e;
	char *pw;
	int n, found, rc;

	policy_normalize_username(a->arg[0], name, sizeof name);
	email[0] = '\0';
	if (a->opt[0] != NULL)
		policy_normalize_email(a->opt[0], email, sizeof email);

	/* Look first, so nobody types a password for nothing; checked again below. */
	if ((n = ctl_db_lock_admins(ctl)) == -1)
		return ctl_db_error(ctl);
	if (n > 0)
		return ctl_db_refuse(ctl, "bootstrap_admin", name, ADMIN_EXISTS);
	if ((found = ctl_db_find_account(ctl, name, 0, &acc)) == -1)
		return ctl_db_error(ctl);

	if (found) {
		if (a->opt[0] != NULL)
			ctl_errx(CTL_OK, "%s exists: --email ignored", acc.username);
	} else {
		ctl_pass_rules(ctl->cfg, 1, 1);
		if ((e = policy_username_error(ctl->cfg, name, ebuf, sizeof ebuf)) != NULL)
			return ctl_errx(CTL_FAIL, "%s", e);
		if ((pw = ctl_pass_read(ctl->cfg)) == NULL)
			return CTL_FAIL;
		password_params_from_cfg(ctl->cfg, &pp);
		rc = password_hash(pw, &pp, hash);
		ctl_pass_free(pw);
		if (rc == -1)
			return ctl_errx(CTL_FAIL, "cannot hash the password");
	}

	if ((rc = ctl_db_begin(ctl)) != CTL_OK)
		return rc;
	if ((n = ctl_db_lock_admins(ctl)) == -1)
		return ctl_db_error(ctl);
	if (n > 0)
		return ctl_db_refuse(ctl, "bootstrap_admin", name, ADMIN_EXISTS);
	rc = found ? admin_promote(ctl, name) : admin_create(ctl, name, email, hash);
	explicit_bzero(hash, sizeof hash);
	return rc;
}

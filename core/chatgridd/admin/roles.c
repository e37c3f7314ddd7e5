/*
 * roles.c: the role and user lists, and roles: create, change a role's
 * permissions (everyone holding it is told at once), delete one moving its
 * users to a replacement. Nobody grants, strips or hands out keys they do
 * not hold themselves.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "admin-int.h"
#include "auth/auth.h"
#include "auth/session.h"
#include "db/db.h"
#include "log.h"
#include "net/client.h"
#include "perm.h"
#include "proto/proto.h"

/* --- lists --- */

static void
roles_list_cb(const PGresult *res, const char *error, void *arg)
{
	struct admin_op *op = arg;
	struct client *c = op->c;
	struct json_object *o, *roles, *keys, *tips, *r;
	int i;

	if (error != NULL) {
		log_warn("%s: roles list failed: %s", c->id, error);
		if (c->state == CS_WS)
			admin_action_result(c, "role_update_permissions", 0,
			    db_error_unavailable() ? DB_USER_MESSAGE : "Server error. Please try again.");
	} else if (c->state == CS_WS) {
		o = json_object_new_object();
		roles = json_object_new_array();
		for (i = 0; i < PQntuples(res); i++) {
			r = json_object_new_object();
			json_object_object_add(r, "id", json_object_new_int(atoi(PQgetvalue(res, i, 0))));
			json_object_object_add(r, "name", json_object_new_string(PQgetvalue(res, i, 1)));
			json_object_object_add(r, "isSystem", json_object_new_boolean(PQgetvalue(res, i, 2)[0] == 't'));
			json_object_object_add(r, "userCount", json_object_new_int(atoi(PQgetvalue(res, i, 3))));
			json_object_object_add(r, "permissions", perm_json_array(perm_mask_from_list(PQgetvalue(res, i, 4))));
			json_object_array_add(roles, r);
		}
		keys = json_object_new_array();
		tips = json_object_new_object();
		for (i = 0; i < P_COUNT; i++) {
			json_object_array_add(keys, json_object_new_string(perm_defs[i].key));
			json_object_object_add(tips, perm_defs[i].key, json_object_new_string(perm_defs[i].description));
		}
		json_object_object_add(o, "type", json_object_new_string("admin_roles_list"));
		json_object_object_add(o, "roles", roles);
		json_object_object_add(o, "permissionKeys", keys);
		json_object_object_add(o, "permissionTooltips", tips);
		client_send_json(c, o);
	}
	free(op);
	client_resume(c);
	client_unref(c);
}

void
admin_roles_list(struct client *c, struct json_object *msg)
{
	db_query("admin_roles_list", 0, NULL, roles_list_cb, admin_op_new(c, "roles_list"));
}

static void
users_list_cb(const PGresult *res, const char *error, void *arg)
{
	struct admin_op *op = arg;
	struct client *c = op->c;
	struct json_object *o, *users, *u;
	int i;

	if (error != NULL) {
		log_warn("%s: users list failed: %s", c->id, error);
		if (c->state == CS_WS)
			admin_action_result(c, "user_set_role", 0,
			    db_error_unavailable() ? DB_USER_MESSAGE : "Server error. Please try again.");
	} else if (c->state == CS_WS) {
		o = json_object_new_object();
		users = json_object_new_array();
		for (i = 0; i < PQntuples(res); i++) {
			u = json_object_new_object();
			json_object_object_add(u, "id", json_object_new_string(PQgetvalue(res, i, 0)));
			json_object_object_add(u, "username", json_object_new_string(PQgetvalue(res, i, 1)));
			json_object_object_add(u, "role", json_object_new_string(PQgetvalue(res, i, 2)));
			json_object_object_add(u, "status", json_object_new_string(PQgetvalue(res, i, 3)));
			json_object_array_add(users, u);
		}
		json_object_object_add(o, "type", json_object_new_string("admin_users_list"));
		json_object_object_add(o, "users", users);
		client_send_json(c, o);
	}
	free(op);
	client_resume(c);
	client_unref(c);
}

void
admin_users_list(struct client *c, struct json_object *msg)
{
	const char *action = proto_str(msg, "action"), *status = "";
	const char *v[1];

	if (action != NULL && strcmp(action, "ban") == 0)
		status = "active";
	else if (action != NULL && strcmp(action, "unban") == 0)
		status = "disabled";
	v[0] = status;
	db_query("admin_users_list", 1, v, users_list_cb, admin_op_new(c, "users_list"));
}

/* --- roles --- */

static void
role_create_cb(const PGresult *res, const char *error, void *arg)
{
	struct admin_op *op = arg;

	if (admin_db_failed(op, error))
		return;
	if (PQntuples(res) == 0)
		admin_finish(op, 0, "Role already exists.");
	else
		admin_finishf(op, 1, "Created role %s.", op->a);
}

void
admin_role_create(struct client *c, struct json_object *msg)
{
	struct admin_op *op = admin_op_new(c, "role_create");
	const char *err, *v[1];

	admin_normalise_into(proto_str(msg, "name"), op->a, sizeof op->a, op->a_sent, sizeof op->a_sent);
	if ((err = perm_role_name_error(op->a)) != NULL) {
		admin_finish(op, 0, err);
		return;
	}
	v[0] = op->a;
	db_query("admin_role_create", 1, v, role_create_cb, op);
}

static void
role_update_cb(const PGresult *res, const char *error, void *arg)
{
	struct admin_op *op = arg;
	struct client *c, *next;

	if (admin_db_failed(op, error))
		return;
	if (PQntuples(res) == 0) {
		admin_finish(op, 0, "Role not found.");
		return;
	}
	/* Everyone holding the role gets the new set now. */
	for (c = TAILQ_FIRST(&clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state == CS_WS && c->session->authed && strcmp(c->session->role, op->a) == 0) {
			c->session->perms = op->mask;
			auth_send_permissions(c);
		}
	}
	admin_finishf(op, 1, "Updated permissions for %s.", op->a_sent);
}

static void role_exists_cb(const PGresult *, const char *, void *);

void
admin_role_update_permissions(struct client *c, struct json_object *msg)
{
	struct admin_op *op = admin_op_new(c, "role_update_permissions");
	const char *v[1];

	admin_normalise_into(proto_str(msg, "role"), op->a, sizeof op->a, op->a_sent, sizeof op->a_sent);
	if (strcmp(op->a, "admin") == 0) {
		admin_finish(op, 0, "Admin role permissions are locked on.");
		return;
	}
	/* The keys are checked once the role is known to exist, as the reference does. */
	op->msg = json_object_get(msg);
	v[0] = op->a;
	db_query("admin_role_exists", 1, v, role_exists_cb, op);
}

static void
role_exists_cb(const PGresult *res, const char *error, void *arg)
{
	struct admin_op *op = arg;
	struct json_object *list, *k, *msg = op->msg;
	struct db_stmt st[2];
	const char *v1[1], *v2[2];
	char key[64], keys[512];
	size_t i, n;
	int p;

	if (admin_db_failed(op, error))
		return;
	if (PQntuples(res) == 0) {
		admin_finish(op, 0, "Role not found.");
		return;
	}
	json_object_object_get_ex(msg, "permissions", &list);
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		k = json_object_array_get_idx(list, i);
		if (!json_object_is_type(k, json_type_string)) {
			admin_finish(op, 0, "Permissions must be strings.");
			return;
		}
		snprintf(key, sizeof key, "%s", json_object_get_string(k));
		/* Trim, keeping case: keys are matched exactly. */
		{
			char *s = key, *e;

			while (*s == ' ' || *s == '\t')
				s++;
			e = s + strlen(s);
			while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
				*--e = '\0';
			memmove(key, s, strlen(s) + 1);
		}
		if (key[0] == '\0')
			continue;
		if ((p = perm_find(key)) < 0) {
			admin_finishf(op, 0, "Unknown permission: %s", key);
			return;
		}
		if (!(op->mask & PERM(p))) {
			op->mask |= PERM(p);
			snprintf(op->csv + strlen(op->csv), sizeof op->csv - strlen(op->csv), "%s%s",
			    op->csv[0] != '\0' ? "," : "", key);
		}
	}
	/* role.manage is no way around the keys one holds: neither grant nor strip others. */
	if (admin_lacking_keys(op, op->mask, keys, sizeof keys)) {
		admin_finishf(op, 0, "Cannot grant permissions you do not hold (%s).", keys);
		return;
	}
	if (admin_lacking_keys(op, perm_mask_from_list(PQgetvalue(res, 0, 1)), keys, sizeof keys)) {
		admin_finishf(op, 0, "Cannot change role %s: it holds permissions you do not hold (%s).",
		    op->a_sent, keys);
		return;
	}
	v1[0] = op->a;
	v2[0] = op->a;
	v2[1] = op->csv;
	st[0].name = "admin_role_perm_clear";
	st[0].nparams = 1;
	st[0].values = v1;
	st[1].name = "admin_role_perm_set";
	st[1].nparams = 2;
	st[1].values = v2;
	db_txn(st, 2, role_update_cb, op);
}

static void role_delete_move_cb(const PGresult *, const char *, void *);

static void
role_delete_check_cb(const PGresult *res, const char *error, void *arg)
{
	struct admin_op *op = arg;
	struct db_stmt st[2];
	const char *v[2];
	char keys[512];

	if (admin_db_failed(op, error))
		return;
	if (PQgetisnull(res, 0, 0)) {
		admin_finish(op, 0, "Role not found.");
		return;
	}
	if (PQgetisnull(res, 0, 1)) {
		admin_finish(op, 0, "Replacement role not found.");
		return;
	}
	/* Deleting moves the role's users: the same rule as admin_user_set_role. */
	if (strcmp(op->b, "admin") == 0 && !admin_actor_admin(op->c)) {
		admin_finish(op, 0, "Only admins can assign the admin role.");
		return;
	}
	if (admin_lacking_keys(op, perm_mask_from_list(PQgetvalue(res, 0, 4)), keys, sizeof keys)) {
		admin_finishf(op, 0, "Cannot delete role %s: it holds permissions you do not hold (%s).",
		    op->a_sent, keys);
		return;
	}
	if (admin_lacking_keys(op, perm_mask_from_list(PQgetvalue(res, 0, 3)), keys, sizeof keys)) {
		admin_finishf(op, 0, "Cannot move users to role %s: it grants permissions you do not hold (%s).",
		    op->b_sent, keys);
		return;
	}
	op->count = atoi(PQgetvalue(res, 0, 2));
	op->mask = perm_mask_from_list(PQgetvalue(res, 0, 3));
	v[0] = op->a;
	v[1] = op->b;
	st[0].name = "admin_role_reassign";
	st[0].nparams = 2;
	st[0].values = v;
	st[1].name = "admin_role_delete";
	st[1].nparams = 1;
	st[1].values = v;
	db_txn(st, 2, role_delete_move_cb, op);
}

static void
role_delete_move_cb(const PGresult *res, const char *error, void *arg)
{
	struct admin_op *op = arg;
	struct client *c, *next;

	if (admin_db_failed(op, error))
		return;
	for (c = TAILQ_FIRST(&clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state == CS_WS && c->session->authed && strcmp(c->session->role, op->a) == 0)
			admin_push_role(c, op);
	}
	admin_finishf(op, 1, "Deleted role %s; reassigned %d users to %s.", op->a_sent, op->count, op->b_sent);
}

void
admin_role_delete(struct client *c, struct json_object *msg)
{
	struct admin_op *op = admin_op_new(c, "role_delete");
	const char *v[2];

	admin_normalise_into(proto_str(msg, "role"), op->a, sizeof op->a, op->a_sent, sizeof op->a_sent);
	admin_normalise_into(proto_str(msg, "replacementRole"), op->b, sizeof op->b, op->b_sent, sizeof op->b_sent);
	if (strcmp(op->a, "admin") == 0 || strcmp(op->a, "user") == 0) {
		admin_finish(op, 0, "Admin and user roles cannot be deleted.");
		return;
	}
	if (strcmp(op->a, op->b) == 0) {
		admin_finish(op, 0, "Replacement role must differ from deleted role.");
		return;
	}
	v[0] = op->a;
	v[1] = op->b;
	db_query("admin_role_delete_check", 2, v, role_delete_check_cb, op);
}

/*
 * proto-admin.c: role and account administration over the protocol. Replies
 * go to the sender only, as admin_action_result with the reference's
 * messages; changes reach affected connections at once (auth_permissions,
 * or a refusal and a close), and every action is written to the audit log.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "admin.h"
#include "auth/auth.h"
#include "daemon.h"
#include "db/db.h"
#include "log.h"
#include "net/client.h"
#include "perm.h"
#include "policy.h"
#include "proto/proto.h"
#include "tick.h"
#include "world/world.h"
#include "xmalloc.h"

/* The messages of this part (below), registered by admin_init. */
extern const struct proto_msg proto_admin_msgs[];

/* An admin request waiting for the database. Owns a reference on c. */
struct admin_op {
	struct client *c;
	const char *action;
	char a[160];		/* username or role, normalised */
	char b[160];		/* role or replacement, normalised */
	char a_sent[160];	/* as sent, for messages */
	char b_sent[160];
	char csv[2048];		/* permission keys */
	uint64_t mask;
	int count;
	int minutes;
	int voice;
	struct json_object *msg;	/* kept for a second step; owned */
};

static const struct {
	const char *type;
	const char *action;
} deny_actions[] = {
	/* The reference answers list denials with these action names (kept for its clients). */
	{ "admin_roles_list", "role_update_permissions" },
	{ "admin_users_list", "user_set_role" },
	{ "admin_role_create", "role_create" },
	{ "admin_role_update_permissions", "role_update_permissions" },
	{ "admin_role_delete", "role_delete" },
	{ "admin_user_set_role", "user_set_role" },
	{ "admin_user_ban", "user_ban" },
	{ "admin_user_unban", "user_unban" },
	{ "admin_user_delete", "user_delete" },
	{ "admin_user_kick", "user_kick" },
	{ "admin_user_mute", "user_mute" },
};

static void
action_result(struct client *c, const char *action, int ok, const char *message)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string("admin_action_result"));
	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	json_object_object_add(o, "action", json_object_new_string(action));
	json_object_object_add(o, "message", json_object_new_string(message));
	client_send_json(c, o);
}

static void
audit_cb(const PGresult *res, const char *error, void *arg)
{
	if (error != NULL)
		log_warn("audit log write failed: %s", error);
}

static void
audit(struct client *c, const char *action, const char *target, int ok, const char *message)
{
	char id[24];
	const char *v[6];

	snprintf(id, sizeof id, "%lld", (long long)c->account_id);
	v[0] = id;
	v[1] = c->username;
	v[2] = action;
	v[3] = target;
	v[4] = ok ? "t" : "f";
	v[5] = message;
	db_query("admin_audit", 6, v, audit_cb, NULL);
	log_notice("%s (%s): %s %s: %s", c->username, c->id, action, target, message);
}

/* Answer, audit, and release the operation. */
static void
finish(struct admin_op *op, int ok, const char *message)
{
	struct client *c = op->c;

	if (c->state == CS_WS)
		action_result(c, op->action, ok, message);
	audit(c, op->action, op->a_sent[0] != '\0' ? op->a_sent : op->a, ok, message);
	json_object_put(op->msg);
	free(op);
	client_resume(c);
	client_unref(c);
}

static void
finishf(struct admin_op *op, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
finishf(struct admin_op *op, int ok, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	finish(op, ok, msg);
}

static int
db_failed(struct admin_op *op, const char *error)
{
	if (error == NULL)
		return 0;
	log_warn("%s: %s failed: %s", op->c->id, op->action, error);
	finish(op, 0, db_error_unavailable() ? DB_USER_MESSAGE : "Server error. Please try again.");
	return 1;
}

static struct admin_op *
op_new(struct client *c, const char *action)
{
	struct admin_op *op = xcalloc(1, sizeof *op);

	op->c = c;
	op->action = action;
	client_ref(c);
	client_pause(c);
	return op;
}

/* Admins alone may hand out the admin role or change an admin's role. */
static int
actor_admin(const struct client *c)
{
	return strcmp(c->role, "admin") == 0;
}

/*
 * 1, with the keys (", "-separated) in keys, when mask holds permissions
 * the sender of op lacks (perm_lacking); 0 otherwise.
 */
static int
lacking_keys(const struct admin_op *op, uint64_t mask, char *keys, size_t len)
{
	uint64_t lack = perm_lacking(op->c->perms, actor_admin(op->c), mask);

	if (lack == 0)
		return 0;
	perm_mask_csv(lack, ", ", keys, len);
	return 1;
}

static void
deny_admin(struct client *c, struct json_object *msg)
{
	const char *type = proto_str(msg, "type");
	size_t i;

	const char *target = proto_str(msg, "username");

	if (target == NULL)
		target = proto_str(msg, "role") != NULL ? proto_str(msg, "role") : proto_str(msg, "name");
	for (i = 0; i < sizeof deny_actions / sizeof deny_actions[0]; i++)
		if (strcmp(deny_actions[i].type, type) == 0) {
			action_result(c, deny_actions[i].action, 0, "Not authorized.");
			/* Attempts matter to moderators too. */
			audit(c, deny_actions[i].action, target != NULL ? target : "", 0, "Not authorized.");
			return;
		}
}

/* Apply fn to every live connection of an account. */
static void
each_connection(int64_t account, void (*fn)(struct client *, void *), void *arg)
{
	struct client *c, *next;

	for (c = TAILQ_FIRST(&clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state == CS_WS && c->authed && c->account_id == account)
			fn(c, arg);
	}
}

static void
refuse_and_close(struct client *c, void *arg)
{
	const char *message = arg;
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string("auth_result"));
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "message", json_object_new_string(message));
	client_send_json(c, o);
	c->authed = 0;
	c->perms = 0;
	client_close(c, WS_CLOSE_POLICY, message);
}

static void
mark_deleted(struct client *c, void *arg)
{
	c->account_deleted = 1;
}

static void
push_role(struct client *c, void *arg)
{
	struct admin_op *op = arg;

	snprintf(c->role, sizeof c->role, "%.32s", op->b);
	c->perms = op->mask;
	auth_send_permissions(c);
}

static void
push_current(struct client *c, void *arg)
{
	auth_send_permissions(c);
}

static void
normalise_into(const char *in, char *out, size_t len, char *sent, size_t sentlen)
{
	snprintf(sent, sentlen, "%s", in);
	policy_normalize_username(in, out, len);
}

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
			action_result(c, "role_update_permissions", 0,
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

static void
admin_roles_list(struct client *c, struct json_object *msg)
{
	db_query("admin_roles_list", 0, NULL, roles_list_cb, op_new(c, "roles_list"));
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
			action_result(c, "user_set_role", 0,
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

static void
admin_users_list(struct client *c, struct json_object *msg)
{
	const char *action = proto_str(msg, "action"), *status = "";
	const char *v[1];

	if (action != NULL && strcmp(action, "ban") == 0)
		status = "active";
	else if (action != NULL && strcmp(action, "unban") == 0)
		status = "disabled";
	v[0] = status;
	db_query("admin_users_list", 1, v, users_list_cb, op_new(c, "users_list"));
}

/* --- roles --- */

static void
role_create_cb(const PGresult *res, const char *error, void *arg)
{
	struct admin_op *op = arg;

	if (db_failed(op, error))
		return;
	if (PQntuples(res) == 0)
		finish(op, 0, "Role already exists.");
	else
		finishf(op, 1, "Created role %s.", op->a);
}

static void
admin_role_create(struct client *c, struct json_object *msg)
{
	struct admin_op *op = op_new(c, "role_create");
	const char *err, *v[1];

	normalise_into(proto_str(msg, "name"), op->a, sizeof op->a, op->a_sent, sizeof op->a_sent);
	if ((err = perm_role_name_error(op->a)) != NULL) {
		finish(op, 0, err);
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

	if (db_failed(op, error))
		return;
	if (PQntuples(res) == 0) {
		finish(op, 0, "Role not found.");
		return;
	}
	/* Everyone holding the role gets the new set now. */
	for (c = TAILQ_FIRST(&clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state == CS_WS && c->authed && strcmp(c->role, op->a) == 0) {
			c->perms = op->mask;
			auth_send_permissions(c);
		}
	}
	finishf(op, 1, "Updated permissions for %s.", op->a_sent);
}

static void role_exists_cb(const PGresult *, const char *, void *);

static void
admin_role_update_permissions(struct client *c, struct json_object *msg)
{
	struct admin_op *op = op_new(c, "role_update_permissions");
	const char *v[1];

	normalise_into(proto_str(msg, "role"), op->a, sizeof op->a, op->a_sent, sizeof op->a_sent);
	if (strcmp(op->a, "admin") == 0) {
		finish(op, 0, "Admin role permissions are locked on.");
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

	if (db_failed(op, error))
		return;
	if (PQntuples(res) == 0) {
		finish(op, 0, "Role not found.");
		return;
	}
	json_object_object_get_ex(msg, "permissions", &list);
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		k = json_object_array_get_idx(list, i);
		if (!json_object_is_type(k, json_type_string)) {
			finish(op, 0, "Permissions must be strings.");
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
			finishf(op, 0, "Unknown permission: %s", key);
			return;
		}
		if (!(op->mask & PERM(p))) {
			op->mask |= PERM(p);
			snprintf(op->csv + strlen(op->csv), sizeof op->csv - strlen(op->csv), "%s%s",
			    op->csv[0] != '\0' ? "," : "", key);
		}
	}
	/* role.manage is no way around the keys one holds: neither grant nor strip others. */
	if (lacking_keys(op, op->mask, keys, sizeof keys)) {
		finishf(op, 0, "Cannot grant permissions you do not hold (%s).", keys);
		return;
	}
	if (lacking_keys(op, perm_mask_from_list(PQgetvalue(res, 0, 1)), keys, sizeof keys)) {
		finishf(op, 0, "Cannot change role %s: it holds permissions you do not hold (%s).",
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

	if (db_failed(op, error))
		return;
	if (PQgetisnull(res, 0, 0)) {
		finish(op, 0, "Role not found.");
		return;
	}
	if (PQgetisnull(res, 0, 1)) {
		finish(op, 0, "Replacement role not found.");
		return;
	}
	/* Deleting moves the role's users: the same rule as admin_user_set_role. */
	if (strcmp(op->b, "admin") == 0 && !actor_admin(op->c)) {
		finish(op, 0, "Only admins can assign the admin role.");
		return;
	}
	if (lacking_keys(op, perm_mask_from_list(PQgetvalue(res, 0, 4)), keys, sizeof keys)) {
		finishf(op, 0, "Cannot delete role %s: it holds permissions you do not hold (%s).",
		    op->a_sent, keys);
		return;
	}
	if (lacking_keys(op, perm_mask_from_list(PQgetvalue(res, 0, 3)), keys, sizeof keys)) {
		finishf(op, 0, "Cannot move users to role %s: it grants permissions you do not hold (%s).",
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

	if (db_failed(op, error))
		return;
	for (c = TAILQ_FIRST(&clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state == CS_WS && c->authed && strcmp(c->role, op->a) == 0)
			push_role(c, op);
	}
	finishf(op, 1, "Deleted role %s; reassigned %d users to %s.", op->a_sent, op->count, op->b_sent);
}

static void
admin_role_delete(struct client *c, struct json_object *msg)
{
	struct admin_op *op = op_new(c, "role_delete");
	const char *v[2];

	normalise_into(proto_str(msg, "role"), op->a, sizeof op->a, op->a_sent, sizeof op->a_sent);
	normalise_into(proto_str(msg, "replacementRole"), op->b, sizeof op->b, op->b_sent, sizeof op->b_sent);
	if (strcmp(op->a, "admin") == 0 || strcmp(op->a, "user") == 0) {
		finish(op, 0, "Admin and user roles cannot be deleted.");
		return;
	}
	if (strcmp(op->a, op->b) == 0) {
		finish(op, 0, "Replacement role must differ from deleted role.");
		return;
	}
	v[0] = op->a;
	v[1] = op->b;
	db_query("admin_role_delete_check", 2, v, role_delete_check_cb, op);
}

/* --- accounts --- */

/* Statements guarded against the last active admin run under one lock. */
static void
guarded(struct admin_op *op, const char *stmt, int n, const char *const *v, db_cb cb)
{
	struct db_stmt st[2];

	st[0].name = "admin_lock";
	st[0].nparams = 0;
	st[0].values = NULL;
	st[1].name = stmt;
	st[1].nparams = n;
	st[1].values = v;
	db_txn(st, 2, cb, op);
}

/* The reason the statement refused to change the role (it changed nothing). */
static void
set_role_refused(struct admin_op *op, const PGresult *res)
{
	char keys[512];

	if (strcmp(op->b, "admin") == 0)
		finish(op, 0, "Only admins can assign the admin role.");
	else if (strcmp(PQgetvalue(res, 0, 4), "admin") == 0)
		finish(op, 0, "Only admins can change the role of an admin.");
	else if (lacking_keys(op, perm_mask_from_list(PQgetvalue(res, 0, 3)), keys, sizeof keys))
		finishf(op, 0, "Cannot assign role %s: it grants permissions you do not hold (%s).",
		    op->b_sent, keys);
	else if (lacking_keys(op, perm_mask_from_list(PQgetvalue(res, 0, 5)), keys, sizeof keys))
		finishf(op, 0, "Cannot change the role of %s: their role holds permissions you do "
		    "not hold (%s).", op->a, keys);
	else
		finish(op, 0, "Cannot assign a role with permissions you do not hold.");
}

static void
set_role_cb(const PGresult *res, const char *error, void *arg)
{
	struct admin_op *op = arg;
	int64_t id;

	if (db_failed(op, error))
		return;
	/*
	 * columns: role exists, target id, updated id, new role perms, target's
	 * role, its perms, refused by the escalation rule
	 */
	if (PQgetvalue(res, 0, 0)[0] != 't') {
		finish(op, 0, "Role not found.");
		return;
	}
	if (PQgetisnull(res, 0, 1)) {
		finish(op, 0, "User not found.");
		return;
	}
	if (PQgetvalue(res, 0, 6)[0] == 't') {
		set_role_refused(op, res);
		return;
	}
	if (PQgetisnull(res, 0, 2)) {
		finish(op, 0, "Cannot change role for the last active admin.");
		return;
	}
	id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	op->mask = perm_mask_from_list(PQgetvalue(res, 0, 3));
	each_connection(id, push_role, op);
	finishf(op, 1, "Set role for %s to %s.", op->a, op->b_sent);
}

static void
admin_user_set_role(struct client *c, struct json_object *msg)
{
	struct admin_op *op = op_new(c, "user_set_role");
	const char *v[4];

	normalise_into(proto_str(msg, "username"), op->a, sizeof op->a, op->a_sent, sizeof op->a_sent);
	normalise_into(proto_str(msg, "role"), op->b, sizeof op->b, op->b_sent, sizeof op->b_sent);
	/* The sender's keys go along: the statement checks and changes under one lock. */
	perm_mask_csv(c->perms, ",", op->csv, sizeof op->csv);
	v[0] = op->a;
	v[1] = op->b;
	v[2] = op->csv;
	v[3] = actor_admin(c) ? "t" : "f";
	guarded(op, "admin_set_role", 4, v, set_role_cb);
}

/*
 * The answer of a statement guarded against the last active admin: (target
 * id, changed id). Finishes op with the refusal and returns -1, or stores
 * the target's id and returns 0.
 */
static int
guarded_result(struct admin_op *op, const PGresult *res, const char *error, const char *last_admin,
    int64_t *id)
{
	if (db_failed(op, error))
		return -1;
	if (PQgetisnull(res, 0, 0)) {
		finish(op, 0, "User not found.");
		return -1;
	}
	if (PQgetisnull(res, 0, 1)) {
		finish(op, 0, last_admin);
		return -1;
	}
	*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	return 0;
}

static void
ban_cb(const PGresult *res, const char *error, void *arg)
{
	struct admin_op *op = arg;
	int64_t id;

	if (guarded_result(op, res, error, "Cannot disable the last active admin.", &id) != 0)
		return;
	each_connection(id, push_current, NULL);
	each_connection(id, refuse_and_close, "Account is disabled.");
	finishf(op, 1, "Banned %s.", op->a);
}

static void
admin_user_ban(struct client *c, struct json_object *msg)
{
	struct admin_op *op = op_new(c, "user_ban");
	const char *v[1];

	normalise_into(proto_str(msg, "username"), op->a, sizeof op->a, op->a_sent, sizeof op->a_sent);
	v[0] = op->a;
	guarded(op, "admin_ban", 1, v, ban_cb);
}

static void
unban_cb(const PGresult *res, const char *error, void *arg)
{
	struct admin_op *op = arg;

	if (db_failed(op, error))
		return;
	if (PQntuples(res) == 0) {
		finish(op, 0, "User not found.");
		return;
	}
	finishf(op, 1, "Unbanned %s.", op->a);
}

static void
admin_user_unban(struct client *c, struct json_object *msg)
{
	struct admin_op *op = op_new(c, "user_unban");
	const char *v[1];

	normalise_into(proto_str(msg, "username"), op->a, sizeof op->a, op->a_sent, sizeof op->a_sent);
	v[0] = op->a;
	db_query("admin_unban", 1, v, unban_cb, op);
}

static void
delete_cb(const PGresult *res, const char *error, void *arg)
{
	struct admin_op *op = arg;
	int64_t id;

	if (guarded_result(op, res, error, "Cannot delete the last active admin.", &id) != 0)
		return;
	each_connection(id, mark_deleted, NULL);
	/* Leaving the world drops what they carried where they stood. */
	each_connection(id, refuse_and_close, "Account deleted.");
	finishf(op, 1, "Deleted account %s.", op->a);
}

static void
admin_user_delete(struct client *c, struct json_object *msg)
{
	struct admin_op *op = op_new(c, "user_delete");
	const char *v[1];

	normalise_into(proto_str(msg, "username"), op->a, sizeof op->a, op->a_sent, sizeof op->a_sent);
	v[0] = op->a;
	guarded(op, "admin_delete", 1, v, delete_cb);
}

/* --- moderation of connected users --- */

static int
connected_by_name(const char *username, int64_t *id)
{
	struct client *c;

	TAILQ_FOREACH(c, &clients, entry)
		if (c->state == CS_WS && c->authed && strcasecmp(c->username, username) == 0) {
			*id = c->account_id;
			return 1;
		}
	return 0;
}

static void
admin_user_kick(struct client *c, struct json_object *msg)
{
	struct admin_op *op = op_new(c, "user_kick");
	int64_t id;

	normalise_into(proto_str(msg, "username"), op->a, sizeof op->a, op->a_sent, sizeof op->a_sent);
	if (!connected_by_name(op->a, &id)) {
		finishf(op, 0, "%s is not connected.", op->a);
		return;
	}
	each_connection(id, refuse_and_close, "You were disconnected by a moderator.");
	finishf(op, 1, "Kicked %s.", op->a);
}

static void
apply_mute(struct client *c, void *arg)
{
	struct admin_op *op = arg;
	uint64_t until = op->minutes > 0 ? tick_wall_ms() + (uint64_t)op->minutes * 60000 : 0;

	if (op->voice) {
		c->mute_voice_until_ms = until;
		auth_send_permissions(c);
	} else
		c->mute_chat_until_ms = until;
	if (c->player != NULL) {
		if (op->minutes > 0)
			world_system_chat(c, "A moderator muted your %s for %d minutes.",
			    op->voice ? "voice" : "chat", op->minutes);
		else
			world_system_chat(c, "A moderator unmuted your %s.", op->voice ? "voice" : "chat");
	}
}

static void
mute_cb(const PGresult *res, const char *error, void *arg)
{
	struct admin_op *op = arg;

	if (db_failed(op, error))
		return;
	if (PQntuples(res) == 0) {
		finish(op, 0, "User not found.");
		return;
	}
	each_connection(strtoll(PQgetvalue(res, 0, 0), NULL, 10), apply_mute, op);
	if (op->minutes > 0)
		finishf(op, 1, "Muted %s's %s for %d minutes.", op->a, op->voice ? "voice" : "chat", op->minutes);
	else
		finishf(op, 1, "Unmuted %s's %s.", op->a, op->voice ? "voice" : "chat");
}

static void
admin_user_mute(struct client *c, struct json_object *msg)
{
	struct admin_op *op = op_new(c, "user_mute");
	char mins[16];
	const char *v[2];

	normalise_into(proto_str(msg, "username"), op->a, sizeof op->a, op->a_sent, sizeof op->a_sent);
	op->voice = strcmp(proto_str(msg, "target"), "voice") == 0;
	op->minutes = (int)proto_int(msg, "minutes", 0);
	snprintf(mins, sizeof mins, "%d", op->minutes);
	v[0] = op->a;
	v[1] = mins;
	db_query(op->voice ? "admin_mute_voice" : "admin_mute_chat", 2, v, mute_cb, op);
}

/* A voice mute ran out: give voice.send back. */
static void
mute_expiry(uint64_t now, void *arg)
{
	struct client *c;
	uint64_t wall = tick_wall_ms();

	TAILQ_FOREACH(c, &clients, entry)
		if (c->mute_voice_until_ms != 0 && c->mute_voice_until_ms <= wall) {
			c->mute_voice_until_ms = 0;
			if (c->state == CS_WS && c->authed)
				auth_send_permissions(c);
		}
}

/* --- table --- */

static const char *const users_list_actions[] = { "set_role", "ban", "unban", "delete_account", NULL };
static const char *const mute_targets[] = { "chat", "voice", NULL };

static const struct proto_field no_fields[] = { { NULL, 0, 0, 0, 0, NULL } };
static const struct proto_field users_list_fields[] = {
	{ "action", FT_ENUM, FF_NULL, 0, 0, users_list_actions },
	{ NULL, 0, 0, 0, 0, NULL },
};
static const struct proto_field role_name_fields[] = {
	{ "name", FT_STRING, FF_REQUIRED, 1, 32, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};
static const struct proto_field role_perm_fields[] = {
	{ "role", FT_STRING, FF_REQUIRED, 1, 32, NULL },
	{ "permissions", FT_ARRAY, FF_REQUIRED, 0, 64, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};
static const struct proto_field role_delete_fields[] = {
	{ "role", FT_STRING, FF_REQUIRED, 1, 32, NULL },
	{ "replacementRole", FT_STRING, FF_REQUIRED, 1, 32, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};
static const struct proto_field user_role_fields[] = {
	{ "username", FT_STRING, FF_REQUIRED, 1, 128, NULL },
	{ "role", FT_STRING, FF_REQUIRED, 1, 32, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};
static const struct proto_field username_fields[] = {
	{ "username", FT_STRING, FF_REQUIRED, 1, 128, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};
static const struct proto_field mute_fields[] = {
	{ "username", FT_STRING, FF_REQUIRED, 1, 128, NULL },
	{ "target", FT_ENUM, FF_REQUIRED, 0, 0, mute_targets },
	{ "minutes", FT_INT, FF_REQUIRED, 0, 10080, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

const struct proto_msg proto_admin_msgs[] = {
	{ "admin_roles_list", no_fields, PERM(P_ROLE_MANAGE) | PERM(P_USER_CHANGE_ROLE), 0,
	  admin_roles_list, deny_admin },
	{ "admin_users_list", users_list_fields,
	  PERM(P_USER_CHANGE_ROLE) | PERM(P_USER_BAN) | PERM(P_ACCOUNT_DELETE_ANY), 0, admin_users_list, deny_admin },
	{ "admin_role_create", role_name_fields, PERM(P_ROLE_MANAGE), 0, admin_role_create, deny_admin },
	{ "admin_role_update_permissions", role_perm_fields, PERM(P_ROLE_MANAGE), 0,
	  admin_role_update_permissions, deny_admin },
	{ "admin_role_delete", role_delete_fields, PERM(P_ROLE_MANAGE), 0, admin_role_delete, deny_admin },
	{ "admin_user_set_role", user_role_fields, PERM(P_USER_CHANGE_ROLE), 0, admin_user_set_role, deny_admin },
	{ "admin_user_ban", username_fields, PERM(P_USER_BAN), 0, admin_user_ban, deny_admin },
	{ "admin_user_unban", username_fields, PERM(P_USER_BAN), 0, admin_user_unban, deny_admin },
	{ "admin_user_delete", username_fields, PERM(P_ACCOUNT_DELETE_ANY), 0, admin_user_delete, deny_admin },
	{ "admin_user_kick", username_fields, PERM(P_USER_KICK), 0, admin_user_kick, deny_admin },
	{ "admin_user_mute", mute_fields, PERM(P_USER_MUTE), 0, admin_user_mute, deny_admin },
	{ NULL, NULL, 0, 0, NULL, NULL },
};

#define TARGET "t AS (SELECT a.id, r.name AS role, a.status FROM accounts a " \
	"JOIN roles r ON r.id = a.role_id WHERE lower(a.username) = $1), " \
	"admins AS (SELECT count(*) AS n FROM accounts a JOIN roles r ON r.id = a.role_id " \
	"WHERE r.name = 'admin' AND a.status = 'active'), " \
	"last_admin AS (SELECT EXISTS (SELECT 1 FROM t WHERE role = 'admin' AND status = 'active') " \
	"AND (SELECT n FROM admins) <= 1 AS yes) "

/* --- changes made outside this daemon (chatgridctl, another daemon) --- */

/*
 * chatgridctl sends NOTIFY chatgrid_account, '<id>' when it changes an
 * account; on such a notice (or, with no payload, after the listening
 * connection came back and notices may have been missed) the connected
 * accounts concerned are read again and their connections brought in line:
 * closed when the account is gone, disabled or its session revoked, and
 * told their permissions when their role changed.
 */
static int
connected(int64_t account)
{
	const struct client *c;

	TAILQ_FOREACH(c, &clients, entry)
		if (c->state == CS_WS && c->authed && c->account_id == account)
			return 1;
	return 0;
}

#define REFRESH_RETRY_S 5
static struct event *refresh_retry;
static void account_notice(const char *, void *);

static void
refresh_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	account_notice(NULL, arg);
}

static void
refresh_free(void)
{
	if (refresh_retry != NULL)
		event_free(refresh_retry);
	refresh_retry = NULL;
}

static void
account_refresh_cb(const PGresult *res, const char *error, void *arg)
{
	struct json_object *ids = arg;
	struct client *c, *next;
	const char *status, *sessions;
	char needle[68];
	int64_t id;
	size_t k, nids = json_object_array_length(ids);
	int i, n, row;
	uint64_t mask;

	if (error != NULL) {
		/* The notice came once: try again, for everyone, a little later. */
		log_warn("cannot refresh accounts changed elsewhere (again in %d s): %s", REFRESH_RETRY_S, error);
		json_object_put(ids);
		if (refresh_retry == NULL)
			refresh_retry = evtimer_new(cg_base, refresh_retry_cb, NULL);
		if (refresh_retry != NULL && !evtimer_pending(refresh_retry, NULL)) {
			struct timeval tv = { REFRESH_RETRY_S, 0 };

			evtimer_add(refresh_retry, &tv);
		}
		return;
	}
	n = PQntuples(res);
	for (k = 0; k < nids; k++) {
		id = json_object_get_int64(json_object_array_get_idx(ids, k));
		for (row = -1, i = 0; i < n; i++)
			if (strtoll(PQgetvalue(res, i, 0), NULL, 10) == id)
				row = i;
		for (c = TAILQ_FIRST(&clients); c != NULL; c = next) {
			next = TAILQ_NEXT(c, entry);
			if (c->state != CS_WS || !c->authed || c->account_id != id)
				continue;
			if (row < 0) {
				log_notice("account %lld was deleted elsewhere; closing %s", (long long)id, c->id);
				mark_deleted(c, NULL);
				refuse_and_close(c, "Account deleted.");
				continue;
			}
			status = PQgetvalue(res, row, 1);
			if (strcmp(status, "active") != 0) {
				log_notice("account %lld was disabled elsewhere; closing %s", (long long)id, c->id);
				refuse_and_close(c, "Account is disabled.");
				continue;
			}
			/* Revoked sessions as ",hash,hash," so that a whole hash is matched. */
			sessions = PQgetvalue(res, row, 4);
			snprintf(needle, sizeof needle, ",%s,", c->token_hash);
			if (c->token_hash[0] != '\0' && strstr(sessions, needle) != NULL) {
				log_notice("session of account %lld was revoked elsewhere; closing %s", (long long)id,
				    c->id);
				refuse_and_close(c, "Session has been revoked.");
				continue;
			}
			mask = perm_mask_from_list(PQgetvalue(res, row, 3));
			if (mask != c->perms || strcmp(c->role, PQgetvalue(res, row, 2)) != 0) {
				snprintf(c->role, sizeof c->role, "%.32s", PQgetvalue(res, row, 2));
				c->perms = mask;
				auth_send_permissions(c);
			}
		}
	}
	json_object_put(ids);
}

static void
account_notice(const char *payload, void *arg)
{
	struct json_object *ids = json_object_new_array();
	struct client *c;
	struct printbuf *pb, *tb;
	const char *v[2];
	char *end;
	long long id;
	size_t i, n;

	(void)arg;
	if (payload != NULL) {
		errno = 0;
		id = strtoll(payload, &end, 10);
		if (end == payload || *end != '\0' || errno != 0 || id <= 0) {
			log_warn("NOTIFY chatgrid_account with a payload that is no account id: \"%.40s\"", payload);
			json_object_put(ids);
			return;
		}
		if (connected(id))
			json_object_array_add(ids, json_object_new_int64(id));
	} else {
		TAILQ_FOREACH(c, &clients, entry) {
			if (c->state != CS_WS || !c->authed)
				continue;
			n = json_object_array_length(ids);
			for (i = 0; i < n; i++)
				if (json_object_get_int64(json_object_array_get_idx(ids, i)) == c->account_id)
					break;
			if (i == n)
				json_object_array_add(ids, json_object_new_int64(c->account_id));
		}
	}
	if (json_object_array_length(ids) == 0) {
		json_object_put(ids);
		return;
	}
	pb = printbuf_new();
	printbuf_strappend(pb, "{");
	n = json_object_array_length(ids);
	for (i = 0; i < n; i++)
		sprintbuf(pb, "%s%lld", i > 0 ? "," : "", (long long)json_object_get_int64(json_object_array_get_idx(ids, i)));
	printbuf_strappend(pb, "}");
	/* The sessions those accounts' connections use (hex: no quoting needed). */
	tb = printbuf_new();
	printbuf_strappend(tb, "{");
	TAILQ_FOREACH(c, &clients, entry) {
		if (c->state != CS_WS || !c->authed || c->token_hash[0] == '\0' ||
		    strspn(c->token_hash, "0123456789abcdef") != strlen(c->token_hash))
			continue;
		for (i = 0; i < n; i++)
			if (json_object_get_int64(json_object_array_get_idx(ids, i)) == c->account_id)
				break;
		if (i < n)
			sprintbuf(tb, "%s%s", tb->bpos > 1 ? "," : "", c->token_hash);
	}
	printbuf_strappend(tb, "}");
	v[0] = pb->buf;
	v[1] = tb->buf;
	db_query("admin_account_refresh", 2, v, account_refresh_cb, ids);
	printbuf_free(pb);
	printbuf_free(tb);
}

void
admin_init(void)
{
	proto_register(proto_admin_msgs);
	tick_add("voice mute expiry", 1000, mute_expiry, NULL);
	db_listen("chatgrid_account", account_notice, NULL);
	daemon_on_shutdown(refresh_free);
	/*
	 * Of the sessions in use ($2), those revoked: a session created since
	 * the query began is simply not among them, and an expiry passed while
	 * connected closes nothing (expiry is checked when a session is used).
	 */
	db_register("admin_account_refresh",
	    "SELECT a.id, a.status, r.name, "
	    "COALESCE((SELECT string_agg(permission_key, ',') FROM role_permissions WHERE role_id = r.id), ''), "
	    "',' || COALESCE((SELECT string_agg(token_hash, ',') FROM sessions s WHERE s.account_id = a.id "
	    "  AND s.revoked_at IS NOT NULL AND s.token_hash = ANY($2::text[])), '') || ',' "
	    "FROM accounts a JOIN roles r ON r.id = a.role_id WHERE a.id = ANY($1::bigint[])", 2);
	db_register("admin_audit",
	    "INSERT INTO audit_log (actor_account_id, actor_name, action, target, ok, message) "
	    "VALUES ($1, $2, $3, $4, $5, $6)", 6);
	/* The same guard as chatgridctl's: lock the admin role row, then count. */
	db_register("admin_lock", "SELECT id FROM roles WHERE name = 'admin' FOR NO KEY UPDATE", 0);
	db_register("admin_roles_list",
	    "SELECT r.id, r.name, r.is_system, (SELECT count(*) FROM accounts a WHERE a.role_id = r.id), "
	    "COALESCE((SELECT string_agg(permission_key, ',') FROM role_permissions WHERE role_id = r.id), '') "
	    "FROM roles r ORDER BY r.name COLLATE \"C\"", 0);
	db_register("admin_users_list",
	    "SELECT a.id, a.username, r.name, a.status FROM accounts a JOIN roles r ON r.id = a.role_id "
	    "WHERE $1 = '' OR a.status = $1 ORDER BY lower(a.username) COLLATE \"C\"", 1);
	db_register("admin_role_exists",
	    "SELECT r.id, COALESCE((SELECT string_agg(permission_key, ',') FROM role_permissions "
	    "  WHERE role_id = r.id), '') FROM roles r WHERE r.name = $1", 1);
	db_register("admin_role_create",
	    "INSERT INTO roles (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id", 1);
	db_register("admin_role_perm_clear",
	    "DELETE FROM role_permissions WHERE role_id = (SELECT id FROM roles WHERE name = $1)", 1);
	db_register("admin_role_perm_set",
	    "WITH r AS (UPDATE roles SET updated_at = now() WHERE name = $1 RETURNING id), "
	    "i AS (INSERT INTO role_permissions (role_id, permission_key) "
	    "  SELECT r.id, k FROM r, unnest(string_to_array($2, ',')) AS k WHERE k <> '') "
	    "SELECT id FROM r", 2);
	db_register("admin_role_delete_check",
	    "SELECT (SELECT id FROM roles WHERE name = $1), (SELECT id FROM roles WHERE name = $2), "
	    "(SELECT count(*) FROM accounts WHERE role_id = (SELECT id FROM roles WHERE name = $1)), "
	    "COALESCE((SELECT string_agg(permission_key, ',') FROM role_permissions "
	    "  WHERE role_id = (SELECT id FROM roles WHERE name = $2)), ''), "
	    "COALESCE((SELECT string_agg(permission_key, ',') FROM role_permissions "
	    "  WHERE role_id = (SELECT id FROM roles WHERE name = $1)), '')", 2);
	db_register("admin_role_reassign",
	    "UPDATE accounts SET role_id = (SELECT id FROM roles WHERE name = $2), updated_at = now() "
	    "WHERE role_id = (SELECT id FROM roles WHERE name = $1)", 2);
	db_register("admin_role_delete",
	    "DELETE FROM roles WHERE name = $1 AND name NOT IN ('admin', 'user') RETURNING id", 1);
	/*
	 * $3: the sender's keys, $4: whether the sender is an admin. A non-admin
	 * may neither assign admin, nor touch an admin, nor assign or take away
	 * a role holding a key outside $3 (issue 13); refused changes nothing.
	 */
	db_register("admin_set_role",
	    "WITH " TARGET ", nr AS (SELECT id, name FROM roles WHERE name = $2), "
	    "tr AS (SELECT id FROM roles WHERE name = (SELECT role FROM t)), "
	    "refused AS (SELECT COALESCE(NOT $4::boolean AND ($2 = 'admin' "
	    "  OR (SELECT role FROM t) = 'admin' OR EXISTS (SELECT 1 FROM role_permissions "
	    "  WHERE role_id IN (SELECT id FROM nr UNION ALL SELECT id FROM tr) "
	    "  AND NOT permission_key = ANY (string_to_array($3, ',')))), false) AS yes), "
	    "upd AS (UPDATE accounts SET role_id = (SELECT id FROM nr), updated_at = now() "
	    "  WHERE id = (SELECT id FROM t) AND EXISTS (SELECT 1 FROM nr) "
	    "  AND NOT (SELECT yes FROM refused) "
	    "  AND NOT ((SELECT yes FROM last_admin) AND $2 <> 'admin') RETURNING id) "
	    "SELECT EXISTS (SELECT 1 FROM nr), (SELECT id FROM t), (SELECT id FROM upd), "
	    "COALESCE((SELECT string_agg(permission_key, ',') FROM role_permissions "
	    "  WHERE role_id = (SELECT id FROM nr)), ''), COALESCE((SELECT role FROM t), ''), "
	    "COALESCE((SELECT string_agg(permission_key, ',') FROM role_permissions "
	    "  WHERE role_id = (SELECT id FROM tr)), ''), (SELECT yes FROM refused)", 4);
	db_register("admin_ban",
	    "WITH " TARGET ", upd AS (UPDATE accounts SET status = 'disabled', updated_at = now() "
	    "  WHERE id = (SELECT id FROM t) AND NOT (SELECT yes FROM last_admin) RETURNING id), "
	    "rev AS (UPDATE sessions SET revoked_at = now() "
	    "  WHERE account_id = (SELECT id FROM upd) AND revoked_at IS NULL) "
	    "SELECT (SELECT id FROM t), (SELECT id FROM upd)", 1);
	db_register("admin_unban",
	    "UPDATE accounts SET status = 'active', updated_at = now() WHERE lower(username) = $1 RETURNING id", 1);
	db_register("admin_delete",
	    "WITH " TARGET ", del AS (DELETE FROM accounts WHERE id = (SELECT id FROM t) "
	    "  AND NOT (SELECT yes FROM last_admin) RETURNING id) "
	    "SELECT (SELECT id FROM t), (SELECT id FROM del)", 1);
	db_register("admin_mute_chat",
	    "UPDATE accounts SET mute_chat_until = CASE WHEN $2::int > 0 "
	    "THEN now() + make_interval(mins => $2::int) END WHERE lower(username) = $1 RETURNING id", 2);
	db_register("admin_mute_voice",
	    "UPDATE accounts SET mute_voice_until = CASE WHEN $2::int > 0 "
	    "THEN now() + make_interval(mins => $2::int) END WHERE lower(username) = $1 RETURNING id", 2);
}

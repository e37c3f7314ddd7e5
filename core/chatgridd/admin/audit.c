/*
 * audit.c: the admin operation and its audit. An operation (admin_op_new)
 * holds the sender, paused, while the database works; admin_finish answers
 * it (admin_action_result), writes the audit log and the log line, and
 * resumes the sender. Also the sender's rights (admin or not, keys it
 * lacks), the answer to a refused message, and the effects an operation
 * has on an account's live connections.
 */
#include "config.h"

#include <stdarg.h>
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
#include "policy.h"
#include "proto/proto.h"
#include "xmalloc.h"

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

void
admin_action_result(struct client *c, const char *action, int ok, const char *message)
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

	snprintf(id, sizeof id, "%lld", (long long)c->session->account_id);
	v[0] = id;
	v[1] = c->session->username;
	v[2] = action;
	v[3] = target;
	v[4] = ok ? "t" : "f";
	v[5] = message;
	db_query("admin_audit", 6, v, audit_cb, NULL);
	log_notice("%s (%s): %s %s: %s", c->session->username, c->id, action, target, message);
}

/* Answer, audit, and release the operation. */
void
admin_finish(struct admin_op *op, int ok, const char *message)
{
	struct client *c = op->c;

	if (c->state == CS_WS)
		admin_action_result(c, op->action, ok, message);
	audit(c, op->action, op->a_sent[0] != '\0' ? op->a_sent : op->a, ok, message);
	json_object_put(op->msg);
	free(op);
	client_resume(c);
	client_unref(c);
}

void
admin_finishf(struct admin_op *op, int ok, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	admin_finish(op, ok, msg);
}

int
admin_db_failed(struct admin_op *op, const char *error)
{
	if (error == NULL)
		return 0;
	log_warn("%s: %s failed: %s", op->c->id, op->action, error);
	admin_finish(op, 0, db_error_unavailable() ? DB_USER_MESSAGE : "Server error. Please try again.");
	return 1;
}

struct admin_op *
admin_op_new(struct client *c, const char *action)
{
	struct admin_op *op = xcalloc(1, sizeof *op);

	op->c = c;
	op->action = action;
	client_ref(c);
	client_pause(c);
	return op;
}

/* Admins alone may hand out the admin role or change an admin's role. */
int
admin_actor_admin(const struct client *c)
{
	return strcmp(c->session->role, "admin") == 0;
}

/*
 * 1, with the keys (", "-separated) in keys, when mask holds permissions
 * the sender of op lacks (perm_lacking); 0 otherwise.
 */
int
admin_lacking_keys(const struct admin_op *op, uint64_t mask, char *keys, size_t len)
{
	uint64_t lack = perm_lacking(op->c->session->perms, admin_actor_admin(op->c), mask);

	if (lack == 0)
		return 0;
	perm_mask_csv(lack, ", ", keys, len);
	return 1;
}

void
admin_deny(struct client *c, struct json_object *msg)
{
	const char *type = proto_str(msg, "type");
	size_t i;

	const char *target = proto_str(msg, "username");

	if (target == NULL)
		target = proto_str(msg, "role") != NULL ? proto_str(msg, "role") : proto_str(msg, "name");
	for (i = 0; i < sizeof deny_actions / sizeof deny_actions[0]; i++)
		if (strcmp(deny_actions[i].type, type) == 0) {
			admin_action_result(c, deny_actions[i].action, 0, "Not authorized.");
			/* Attempts matter to moderators too. */
			audit(c, deny_actions[i].action, target != NULL ? target : "", 0, "Not authorized.");
			return;
		}
}

/* Apply fn to every live connection of an account. */
void
admin_each_connection(int64_t account, void (*fn)(struct client *, void *), void *arg)
{
	struct client *c, *next;

	for (c = TAILQ_FIRST(&clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state == CS_WS && c->session->authed && c->session->account_id == account)
			fn(c, arg);
	}
}

void
admin_refuse_and_close(struct client *c, void *arg)
{
	const char *message = arg;
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string("auth_result"));
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "message", json_object_new_string(message));
	client_send_json(c, o);
	c->session->authed = 0;
	c->session->perms = 0;
	client_close(c, WS_CLOSE_POLICY, message);
}

void
admin_mark_deleted(struct client *c, void *arg)
{
	c->session->account_deleted = 1;
}

void
admin_push_role(struct client *c, void *arg)
{
	struct admin_op *op = arg;

	snprintf(c->session->role, sizeof c->session->role, "%.32s", op->b);
	c->session->perms = op->mask;
	auth_send_permissions(c);
}

void
admin_push_current(struct client *c, void *arg)
{
	auth_send_permissions(c);
}

void
admin_normalise_into(const char *in, char *out, size_t len, char *sent, size_t sentlen)
{
	snprintf(sent, sentlen, "%s", in);
	policy_normalize_username(in, out, len);
}

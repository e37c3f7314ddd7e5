/*
 * moderation.c: what is done to accounts and their connections: a user's
 * role, bans, unbans and account deletion (guarded against removing the
 * last active admin, under one lock), kicks, and timed chat and voice mutes
 * with the tick that gives voice back when a mute runs out.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "admin-int.h"
#include "auth/auth.h"
#include "auth/session.h"
#include "db/db.h"
#include "net/client.h"
#include "perm.h"
#include "proto/proto.h"
#include "tick.h"
#include "world/world.h"

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
		admin_finish(op, 0, "Only admins can assign the admin role.");
	else if (strcmp(PQgetvalue(res, 0, 4), "admin") == 0)
		admin_finish(op, 0, "Only admins can change the role of an admin.");
	else if (admin_lacking_keys(op, perm_mask_from_list(PQgetvalue(res, 0, 3)), keys, sizeof keys))
		admin_finishf(op, 0, "Cannot assign role %s: it grants permissions you do not hold (%s).",
		    op->b_sent, keys);
	else if (admin_lacking_keys(op, perm_mask_from_list(PQgetvalue(res, 0, 5)), keys, sizeof keys))
		admin_finishf(op, 0, "Cannot change the role of %s: their role holds permissions you do "
		    "not hold (%s).", op->a, keys);
	else
		admin_finish(op, 0, "Cannot assign a role with permissions you do not hold.");
}

static void
set_role_cb(const PGresult *res, const char *error, void *arg)
{
	struct admin_op *op = arg;
	int64_t id;

	if (admin_db_failed(op, error))
		return;
	/*
	 * columns: role exists, target id, updated id, new role perms, target's
	 * role, its perms, refused by the escalation rule
	 */
	if (PQgetvalue(res, 0, 0)[0] != 't') {
		admin_finish(op, 0, "Role not found.");
		return;
	}
	if (PQgetisnull(res, 0, 1)) {
		admin_finish(op, 0, "User not found.");
		return;
	}
	if (PQgetvalue(res, 0, 6)[0] == 't') {
		set_role_refused(op, res);
		return;
	}
	if (PQgetisnull(res, 0, 2)) {
		admin_finish(op, 0, "Cannot change role for the last active admin.");
		return;
	}
	id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	op->mask = perm_mask_from_list(PQgetvalue(res, 0, 3));
	admin_each_connection(id, admin_push_role, op);
	admin_finishf(op, 1, "Set role for %s to %s.", op->a, op->b_sent);
}

void
admin_user_set_role(struct client *c, struct json_object *msg)
{
	struct admin_op *op = admin_op_new(c, "user_set_role");
	const char *v[4];

	admin_normalise_into(proto_str(msg, "username"), op->a, sizeof op->a, op->a_sent, sizeof op->a_sent);
	admin_normalise_into(proto_str(msg, "role"), op->b, sizeof op->b, op->b_sent, sizeof op->b_sent);
	/* The sender's keys go along: the statement checks and changes under one lock. */
	perm_mask_csv(c->session->perms, ",", op->csv, sizeof op->csv);
	v[0] = op->a;
	v[1] = op->b;
	v[2] = op->csv;
	v[3] = admin_actor_admin(c) ? "t" : "f";
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
	if (admin_db_failed(op, error))
		return -1;
	if (PQgetisnull(res, 0, 0)) {
		admin_finish(op, 0, "User not found.");
		return -1;
	}
	if (PQgetisnull(res, 0, 1)) {
		admin_finish(op, 0, last_admin);
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
	admin_each_connection(id, admin_push_current, NULL);
	admin_each_connection(id, admin_refuse_and_close, "Account is disabled.");
	admin_finishf(op, 1, "Banned %s.", op->a);
}

void
admin_user_ban(struct client *c, struct json_object *msg)
{
	struct admin_op *op = admin_op_new(c, "user_ban");
	const char *v[1];

	admin_normalise_into(proto_str(msg, "username"), op->a, sizeof op->a, op->a_sent, sizeof op->a_sent);
	v[0] = op->a;
	guarded(op, "admin_ban", 1, v, ban_cb);
}

static void
unban_cb(const PGresult *res, const char *error, void *arg)
{
	struct admin_op *op = arg;

	if (admin_db_failed(op, error))
		return;
	if (PQntuples(res) == 0) {
		admin_finish(op, 0, "User not found.");
		return;
	}
	admin_finishf(op, 1, "Unbanned %s.", op->a);
}

void
admin_user_unban(struct client *c, struct json_object *msg)
{
	struct admin_op *op = admin_op_new(c, "user_unban");
	const char *v[1];

	admin_normalise_into(proto_str(msg, "username"), op->a, sizeof op->a, op->a_sent, sizeof op->a_sent);
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
	admin_each_connection(id, admin_mark_deleted, NULL);
	/* Leaving the world drops what they carried where they stood. */
	admin_each_connection(id, admin_refuse_and_close, "Account deleted.");
	admin_finishf(op, 1, "Deleted account %s.", op->a);
}

void
admin_user_delete(struct client *c, struct json_object *msg)
{
	struct admin_op *op = admin_op_new(c, "user_delete");
	const char *v[1];

	admin_normalise_into(proto_str(msg, "username"), op->a, sizeof op->a, op->a_sent, sizeof op->a_sent);
	v[0] = op->a;
	guarded(op, "admin_delete", 1, v, delete_cb);
}

/* --- moderation of connected users --- */

static int
connected_by_name(const char *username, int64_t *id)
{
	struct client *c;

	TAILQ_FOREACH(c, &clients, entry)
		if (c->state == CS_WS && c->session->authed && strcasecmp(c->session->username, username) == 0) {
			*id = c->session->account_id;
			return 1;
		}
	return 0;
}

void
admin_user_kick(struct client *c, struct json_object *msg)
{
	struct admin_op *op = admin_op_new(c, "user_kick");
	int64_t id;

	admin_normalise_into(proto_str(msg, "username"), op->a, sizeof op->a, op->a_sent, sizeof op->a_sent);
	if (!connected_by_name(op->a, &id)) {
		admin_finishf(op, 0, "%s is not connected.", op->a);
		return;
	}
	admin_each_connection(id, admin_refuse_and_close, "You were disconnected by a moderator.");
	admin_finishf(op, 1, "Kicked %s.", op->a);
}

static void
apply_mute(struct client *c, void *arg)
{
	struct admin_op *op = arg;
	uint64_t until = op->minutes > 0 ? tick_wall_ms() + (uint64_t)op->minutes * 60000 : 0;

	if (op->voice) {
		c->session->mute_voice_until_ms = until;
		auth_send_permissions(c);
	} else
		c->session->mute_chat_until_ms = until;
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

	if (admin_db_failed(op, error))
		return;
	if (PQntuples(res) == 0) {
		admin_finish(op, 0, "User not found.");
		return;
	}
	admin_each_connection(strtoll(PQgetvalue(res, 0, 0), NULL, 10), apply_mute, op);
	if (op->minutes > 0)
		admin_finishf(op, 1, "Muted %s's %s for %d minutes.", op->a, op->voice ? "voice" : "chat", op->minutes);
	else
		admin_finishf(op, 1, "Unmuted %s's %s.", op->a, op->voice ? "voice" : "chat");
}

void
admin_user_mute(struct client *c, struct json_object *msg)
{
	struct admin_op *op = admin_op_new(c, "user_mute");
	char mins[16];
	const char *v[2];

	admin_normalise_into(proto_str(msg, "username"), op->a, sizeof op->a, op->a_sent, sizeof op->a_sent);
	op->voice = strcmp(proto_str(msg, "target"), "voice") == 0;
	op->minutes = (int)proto_int(msg, "minutes", 0);
	snprintf(mins, sizeof mins, "%d", op->minutes);
	v[0] = op->a;
	v[1] = mins;
	db_query(op->voice ? "admin_mute_voice" : "admin_mute_chat", 2, v, mute_cb, op);
}

/* A voice mute ran out: give voice.send back. */
void
admin_mute_expiry(uint64_t now, void *arg)
{
	struct client *c;
	uint64_t wall = tick_wall_ms();

	TAILQ_FOREACH(c, &clients, entry)
		if (c->session != NULL && c->session->mute_voice_until_ms != 0 &&
		    c->session->mute_voice_until_ms <= wall) {
			c->session->mute_voice_until_ms = 0;
			if (c->state == CS_WS && c->session->authed)
				auth_send_permissions(c);
		}
}

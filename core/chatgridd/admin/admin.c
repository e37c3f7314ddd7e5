/*
 * admin.c: role and account administration over the protocol. Replies
 * go to the sender only, as admin_action_result with the reference's
 * messages; changes reach affected connections at once (auth_permissions,
 * or a refusal and a close), and every action is written to the audit log.
 *
 * This file: the message table (fields and the permissions each needs) and
 * admin_init, which registers it, the mute expiry tick, the account
 * listener and every statement of the part. The handlers are in roles.c
 * and moderation.c, the operation and audit engine in audit.c, the
 * cross-daemon account sync in sync.c (admin-int.h).
 */
#include "config.h"

#include <stddef.h>

#include "admin-int.h"
#include "admin.h"
#include "daemon.h"
#include "db/db.h"
#include "perm.h"
#include "proto/proto.h"
#include "tick.h"

/* The messages of this part (below), registered by admin_init. */
extern const struct proto_msg proto_admin_msgs[];

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
	  admin_roles_list, admin_deny },
	{ "admin_users_list", users_list_fields,
	  PERM(P_USER_CHANGE_ROLE) | PERM(P_USER_BAN) | PERM(P_ACCOUNT_DELETE_ANY), 0, admin_users_list, admin_deny },
	{ "admin_role_create", role_name_fields, PERM(P_ROLE_MANAGE), 0, admin_role_create, admin_deny },
	{ "admin_role_update_permissions", role_perm_fields, PERM(P_ROLE_MANAGE), 0,
	  admin_role_update_permissions, admin_deny },
	{ "admin_role_delete", role_delete_fields, PERM(P_ROLE_MANAGE), 0, admin_role_delete, admin_deny },
	{ "admin_user_set_role", user_role_fields, PERM(P_USER_CHANGE_ROLE), 0, admin_user_set_role, admin_deny },
	{ "admin_user_ban", username_fields, PERM(P_USER_BAN), 0, admin_user_ban, admin_deny },
	{ "admin_user_unban", username_fields, PERM(P_USER_BAN), 0, admin_user_unban, admin_deny },
	{ "admin_user_delete", username_fields, PERM(P_ACCOUNT_DELETE_ANY), 0, admin_user_delete, admin_deny },
	{ "admin_user_kick", username_fields, PERM(P_USER_KICK), 0, admin_user_kick, admin_deny },
	{ "admin_user_mute", mute_fields, PERM(P_USER_MUTE), 0, admin_user_mute, admin_deny },
	{ NULL, NULL, 0, 0, NULL, NULL },
};

#define TARGET "t AS (SELECT a.id, r.name AS role, a.status FROM accounts a " \
	"JOIN roles r ON r.id = a.role_id WHERE lower(a.username) = $1), " \
	"admins AS (SELECT count(*) AS n FROM accounts a JOIN roles r ON r.id = a.role_id " \
	"WHERE r.name = 'admin' AND a.status = 'active'), " \
	"last_admin AS (SELECT EXISTS (SELECT 1 FROM t WHERE role = 'admin' AND status = 'active') " \
	"AND (SELECT n FROM admins) <= 1 AS yes) "


void
admin_init(void)
{
	proto_register(proto_admin_msgs);
	tick_add("voice mute expiry", 1000, admin_mute_expiry, NULL);
	db_listen("chatgrid_account", admin_account_notice, NULL);
	daemon_on_shutdown(admin_refresh_free);
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

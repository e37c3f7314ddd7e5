/*
 * test_admin_perms.c: every permission key that guards a message is denied
 * without it and allowed with it (reference §4.1, §4.3, chatgrid's
 * user.kick, user.mute and movement.teleport_free). The key is flipped live
 * on a custom role (admin_role_create, admin_user_set_role,
 * admin_role_update_permissions) held by a connected test user, so each case
 * also shows that the gate uses the pushed permissions at once, both ways.
 * Also: the denial replies of every admin_* message, and adminMenuActions in
 * auth_result, auth_permissions and welcome.uiDefinitions.adminMenu.actions.
 * Item keys wait for the items issue.
 */
#define AD_INTERFACE_ONLY
#include "test_admin_common.c"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A daemon on a fresh database with: boss (admin), subject (in the custom
 * role "flip", which starts empty), witness (user) and, when asked, victim
 * (user) as targets of subject's admin messages. All are connected except
 * victim, which is connected only if victim_online.
 */
struct flip {
	struct td *d;
	struct tw_user *a, *b, *w, *v;
};

static void
flip_setup(struct flip *f, int victim, int victim_online)
{
	memset(f, 0, sizeof *f);
	f->d = ad_start(NULL);
	ad_account(f->d, "boss", "admin");
	ad_account(f->d, "subject", NULL);
	ad_account(f->d, "witness", NULL);
	if (victim)
		ad_account(f->d, "victim", NULL);
	f->a = tw_login(f->d, "boss");
	f->b = tw_login(f->d, "subject");
	f->w = tw_login(f->d, "witness");
	if (victim && victim_online)
		f->v = tw_login(f->d, "victim");
	ad_act(f->a, ag_msg("admin_role_create", "name", "flip", NULL), "role_create", 1,
	    "Created role flip.");
	ad_act(f->a, ag_msg("admin_user_set_role", "username", "subject", "role", "flip", NULL),
	    "user_set_role", 1, "Set role for subject to flip.");
	json_object_put(ad_expect_auth_perms(f->b->c, "flip", "", ""));
}

/* flip's keys become csv; subject is told at once (with the menu it may see). */
static void
flip_grant(struct flip *f, const char *csv, const char *menu)
{
	ad_act(f->a, ad_m_perms("flip", csv), "role_update_permissions", 1,
	    "Updated permissions for flip.");
	json_object_put(ad_expect_auth_perms(f->b->c, "flip", csv, menu));
}

static void
flip_free(struct flip *f)
{
	tw_close(f->a);
	tw_close(f->b);
	tw_close(f->w);
	tw_close(f->v);
	ad_stop(f->d);
}

/* Subject still connected and served (a ping round trip). */
static void
still_here(struct tw_user *p, int64_t v)
{
	ta_ws_ping(p->c, v);
}

/* ---- chat.send ---- */

static void
chat(struct tw_user *p, const char *text)
{
	tw_send(p, ag_msg("chat_message", "message", text, NULL));
}

START_TEST(test_key_chat_send)
{
	struct flip f;
	json_object *o;

	flip_setup(&f, 0, 0);
	chat(f.b, "first words");
	json_object_put(ad_expect_chat(f.b->c, TW_CHAT_DENIED, 1));
	ad_expect_no_chat(f.w->c, "first words", 400);

	flip_grant(&f, "chat.send", "");
	chat(f.b, "second words");
	o = ad_expect_chat(f.w->c, "second words", 0);
	ck_assert_str_eq(tw_strz(o, "senderId"), f.b->id);
	json_object_put(o);
	json_object_put(ad_expect_chat(f.b->c, "second words", 0));

	/* Taken away again, live. */
	flip_grant(&f, "", "");
	chat(f.b, "third words");
	json_object_put(ad_expect_chat(f.b->c, TW_CHAT_DENIED, 1));
	ad_expect_no_chat(f.w->c, "third words", 400);
	flip_free(&f);
}
END_TEST

/* ---- voice.send (the signal relay) ---- */

START_TEST(test_key_voice_send)
{
	struct flip f;
	json_object *o;

	flip_setup(&f, 0, 0);
	tw_send(f.b, ad_m_signal(f.w->id, "v=denied"));
	ad_expect_error(f.b->c, "forbidden", AD_VOICE_DENIED);
	tw_none(f.w->c, td_ms(400), "signal", NULL, NULL);

	flip_grant(&f, "voice.send", "");
	tw_send(f.b, ad_m_signal(f.w->id, "v=allowed"));
	o = tw_wait(f.w->c, "signal", NULL, NULL);
	ck_assert_str_eq(tw_strz(o, "senderId"), f.b->id);
	ck_assert_str_eq(tw_strz(tw_get(o, "sdp"), "sdp"), "v=allowed");
	json_object_put(o);
	tw_none(f.b->c, td_ms(300), "error", NULL, NULL);

	flip_grant(&f, "chat.send", "");
	tw_send(f.b, ad_m_signal(f.w->id, "v=again"));
	ad_expect_error(f.b->c, "forbidden", AD_VOICE_DENIED);
	tw_none(f.w->c, td_ms(400), "signal", NULL, NULL);
	flip_free(&f);
}
END_TEST

/* ---- profile.update_nickname ---- */

START_TEST(test_key_update_nickname)
{
	struct flip f;
	json_object *o, *v;

	flip_setup(&f, 0, 0);
	tw_send(f.b, ag_msg("update_nickname", "nickname", "Fancy Name", NULL));
	o = tw_wait(f.b->c, "nickname_result", NULL, NULL);
	ck_assert_msg(json_object_object_get_ex(o, "accepted", &v) && !json_object_get_boolean(v),
	    "denied nickname accepted: %s", tw_js(o));
	ck_assert_str_eq(tw_strz(o, "reason"), TW_NICK_DENIED);
	ck_assert_str_eq(tw_strz(o, "effectiveNickname"), "subject");
	json_object_put(o);
	tw_none(f.w->c, td_ms(400), "update_nickname", NULL, NULL);

	flip_grant(&f, "profile.update_nickname", "");
	tw_send(f.b, ag_msg("update_nickname", "nickname", "Fancy Name", NULL));
	o = tw_wait(f.b->c, "nickname_result", NULL, NULL);
	ck_assert_msg(json_object_object_get_ex(o, "accepted", &v) && json_object_get_boolean(v),
	    "allowed nickname refused: %s", tw_js(o));
	ck_assert_str_eq(tw_strz(o, "effectiveNickname"), "Fancy Name");
	json_object_put(o);
	o = tw_wait(f.w->c, "update_nickname", NULL, NULL);
	ck_assert_str_eq(tw_strz(o, "id"), f.b->id);
	ck_assert_str_eq(tw_strz(o, "nickname"), "Fancy Name");
	json_object_put(o);

	flip_grant(&f, "", "");
	tw_send(f.b, ag_msg("update_nickname", "nickname", "Other Name", NULL));
	o = tw_wait(f.b->c, "nickname_result", NULL, NULL);
	ck_assert_str_eq(tw_strz(o, "reason"), TW_NICK_DENIED);
	ck_assert_str_eq(tw_strz(o, "effectiveNickname"), "Fancy Name");
	json_object_put(o);
	flip_free(&f);
}
END_TEST

/* ---- server.allow_reboot: the denial only (an allowed /reboot restarts the daemon) ---- */

START_TEST(test_key_reboot_denied)
{
	struct flip f;

	flip_setup(&f, 0, 0);
	/* Without chat.send the command never runs. */
	chat(f.b, "/reboot now");
	json_object_put(ad_expect_chat(f.b->c, TW_CHAT_DENIED, 1));
	/* With chat.send but not server.allow_reboot: the reference's refusal. */
	flip_grant(&f, "chat.send", "");
	chat(f.b, "/reboot now");
	json_object_put(ad_expect_chat(f.b->c, TW_REBOOT_DENIED, 1));
	ad_expect_no_chat(f.w->c, "Server rebooting in 5 seconds. now", 500);
	/* Any other key does not help. */
	flip_grant(&f, "chat.send,server.manage_settings,role.manage", "manage_roles");
	chat(f.b, "/reboot");
	json_object_put(ad_expect_chat(f.b->c, TW_REBOOT_DENIED, 1));
	ad_expect_no_chat(f.w->c, "Server rebooting in 5 seconds.", 500);
	ck_assert_msg(td_alive(f.d), "the daemon went away after a denied /reboot");
	still_here(f.b, 5);
	flip_free(&f);
}
END_TEST

/* ---- movement.teleport_free ---- */

/* A cell nobody stands on. */
static void
empty_cell(struct tw_user *const *ps, size_t n, int *x, int *y)
{
	int cx, cy;
	size_t i;

	for (cy = 1; cy < 40; cy++)
		for (cx = 1; cx < 40; cx++) {
			for (i = 0; i < n; i++)
				if (ps[i]->x == cx && ps[i]->y == cy)
					break;
			if (i == n) {
				*x = cx;
				*y = cy;
				return;
			}
		}
	ck_abort_msg("no empty cell");
}

START_TEST(test_key_teleport_free)
{
	struct flip f;
	struct tw_user *ps[3];
	json_object *o;
	int64_t v;
	int x, y;

	flip_setup(&f, 0, 0);
	ps[0] = f.a;
	ps[1] = f.b;
	ps[2] = f.w;
	empty_cell(ps, 3, &x, &y);
	/* Without the key: to an empty cell is refused and corrected. */
	tw_send(f.b, ad_m_xy("teleport_complete", x, y));
	ad_expect_error(f.b->c, "teleport_refused", AD_TELEPORT_REFUSED);
	o = tw_wait(f.b->c, "update_position", NULL, NULL);
	ck_assert_str_eq(tw_strz(o, "id"), f.b->id);
	ck_assert_msg(tc_json_int(o, "x", &v) == 0 && v == f.b->x && tc_json_int(o, "y", &v) == 0 &&
	    v == f.b->y, "correction is not the old position %d,%d: %s", f.b->x, f.b->y, tw_js(o));
	json_object_put(o);
	tw_none(f.w->c, td_ms(400), "teleport_complete", NULL, NULL);
	/* ... but to a user's cell it is allowed without the key. */
	tw_send(f.b, ad_m_xy("teleport_complete", f.w->x, f.w->y));
	o = tw_wait(f.w->c, "teleport_complete", NULL, NULL);
	ck_assert_str_eq(tw_strz(o, "id"), f.b->id);
	json_object_put(o);
	tw_none(f.b->c, td_ms(300), "error", NULL, NULL);
	f.b->x = f.w->x;
	f.b->y = f.w->y;

	/* With the key: anywhere. */
	flip_grant(&f, "movement.teleport_free", "");
	empty_cell(ps, 3, &x, &y);
	tw_send(f.b, ad_m_xy("teleport_complete", x, y));
	o = tw_wait(f.w->c, "teleport_complete", NULL, NULL);
	ck_assert_str_eq(tw_strz(o, "id"), f.b->id);
	ck_assert_msg(tc_json_int(o, "x", &v) == 0 && v == x && tc_json_int(o, "y", &v) == 0 &&
	    v == y, "teleport_complete is not at %d,%d: %s", x, y, tw_js(o));
	json_object_put(o);
	tw_none(f.b->c, td_ms(300), "error", NULL, NULL);
	f.b->x = x;
	f.b->y = y;

	/* And refused again once it is gone. */
	flip_grant(&f, "", "");
	empty_cell(ps, 3, &x, &y);
	tw_send(f.b, ad_m_xy("teleport_complete", x, y));
	ad_expect_error(f.b->c, "teleport_refused", AD_TELEPORT_REFUSED);
	flip_free(&f);
}
END_TEST

/* ---- user.ban_unban ---- */

START_TEST(test_key_ban_unban)
{
	struct flip f;
	json_object *o;

	flip_setup(&f, 1, 0);
	ad_act(f.b, ad_m_user("admin_user_ban", "victim"), "user_ban", 0, AD_NOT_AUTHORIZED);
	ad_act(f.b, ad_m_user("admin_user_unban", "victim"), "user_unban", 0, AD_NOT_AUTHORIZED);
	ad_act(f.b, ag_msg("admin_users_list", "action", "ban", NULL), "user_set_role", 0,
	    AD_NOT_AUTHORIZED);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts WHERE username = 'victim' "
	    "AND status = 'active'"), 1);

	flip_grant(&f, "user.ban_unban", "ban_user,unban_user");
	ad_act(f.b, ad_m_user("admin_user_ban", "victim"), "user_ban", 1, "Banned victim.");
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts WHERE username = 'victim' "
	    "AND status = 'disabled'"), 1);
	o = ad_call(f.b, ag_msg("admin_users_list", "action", "unban", NULL), "admin_users_list");
	ck_assert_int_eq(json_object_array_length(tw_get(o, "users")), 1);
	json_object_put(o);
	ad_act(f.b, ad_m_user("admin_user_unban", "victim"), "user_unban", 1, "Unbanned victim.");
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts WHERE username = 'victim' "
	    "AND status = 'active'"), 1);

	flip_grant(&f, "chat.send", "");
	ad_act(f.b, ad_m_user("admin_user_ban", "victim"), "user_ban", 0, AD_NOT_AUTHORIZED);
	flip_free(&f);
}
END_TEST

/* The user role's keys (ad_user_csv), as a literal to build lists from. */
#define USER_KEYS "item.create,item.edit.own,item.delete.own,item.use,item.pickup_drop.own," \
	"item.transfer.own,chat.send,voice.send,profile.update_nickname"
#define USER_KEYS_SAID "item.create, item.edit.own, item.delete.own, item.use, " \
	"item.pickup_drop.own, item.transfer.own, chat.send, voice.send, profile.update_nickname"

/* ---- user.change_role ---- */

START_TEST(test_key_change_role)
{
	struct flip f;
	json_object *o;

	flip_setup(&f, 1, 0);
	ad_act(f.b, ag_msg("admin_user_set_role", "username", "victim", "role", "guest", NULL),
	    "user_set_role", 0, AD_NOT_AUTHORIZED);
	ad_act(f.b, ag_msg("admin_roles_list", NULL), "role_update_permissions", 0, AD_NOT_AUTHORIZED);
	ad_act(f.b, ag_msg("admin_users_list", NULL), "user_set_role", 0, AD_NOT_AUTHORIZED);

	/* With the key, and the keys of both roles (test_no_escalation shows why). */
	flip_grant(&f, USER_KEYS ",user.change_role", "change_user_role");
	ad_act(f.b, ag_msg("admin_user_set_role", "username", "victim", "role", "guest", NULL),
	    "user_set_role", 1, "Set role for victim to guest.");
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts a JOIN roles r ON r.id = a.role_id "
	    "WHERE a.username = 'victim' AND r.name = 'guest'"), 1);
	o = ad_call(f.b, ag_msg("admin_roles_list", NULL), "admin_roles_list");
	ck_assert_int_eq(json_object_array_length(tw_get(o, "roles")), 5);
	json_object_put(o);
	o = ad_call(f.b, ag_msg("admin_users_list", "action", "set_role", NULL), "admin_users_list");
	ck_assert_int_eq(json_object_array_length(tw_get(o, "users")), 4);
	json_object_put(o);

	flip_grant(&f, "", "");
	ad_act(f.b, ag_msg("admin_user_set_role", "username", "victim", "role", "user", NULL),
	    "user_set_role", 0, AD_NOT_AUTHORIZED);
	flip_free(&f);
}
END_TEST

/* ---- role.manage ---- */

START_TEST(test_key_role_manage)
{
	struct flip f;
	json_object *o;

	flip_setup(&f, 0, 0);
	ad_act(f.b, ag_msg("admin_role_create", "name", "by-subject", NULL), "role_create", 0,
	    AD_NOT_AUTHORIZED);
	ad_act(f.b, ad_m_perms("guest", "chat.send"), "role_update_permissions", 0, AD_NOT_AUTHORIZED);
	ad_act(f.b, ag_msg("admin_role_delete", "role", "guest", "replacementRole", "user", NULL),
	    "role_delete", 0, AD_NOT_AUTHORIZED);
	ad_act(f.b, ag_msg("admin_roles_list", NULL), "role_update_permissions", 0, AD_NOT_AUTHORIZED);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM roles WHERE name = 'by-subject'"), 0);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM roles WHERE name = 'guest'"), 1);

	/* The key, and the keys it hands out (test_no_escalation shows why). */
	flip_grant(&f, USER_KEYS ",role.manage", "manage_roles");
	ad_act(f.b, ag_msg("admin_role_create", "name", "by-subject", NULL), "role_create", 1,
	    "Created role by-subject.");
	ad_act(f.b, ad_m_perms("by-subject", "chat.send"), "role_update_permissions", 1,
	    "Updated permissions for by-subject.");
	o = ad_call(f.b, ag_msg("admin_roles_list", NULL), "admin_roles_list");
	ck_assert_int_eq(json_object_array_length(tw_get(o, "roles")), 6);
	json_object_put(o);
	ad_act(f.b, ag_msg("admin_role_delete", "role", "by-subject", "replacementRole", "user", NULL),
	    "role_delete", 1, "Deleted role by-subject; reassigned 0 users to user.");
	/* role.manage alone does not list users. */
	ad_act(f.b, ag_msg("admin_users_list", NULL), "user_set_role", 0, AD_NOT_AUTHORIZED);

	flip_grant(&f, "user.change_role", "change_user_role");
	ad_act(f.b, ag_msg("admin_role_create", "name", "late", NULL), "role_create", 0,
	    AD_NOT_AUTHORIZED);
	flip_free(&f);
}
END_TEST

/*
 * Escalation (issue 13): nobody hands out, or takes away, a role holding a
 * key they do not hold themselves; only admins assign admin or touch an
 * admin; role.manage grants no key its holder lacks. Each refusal is said
 * to the sender, written to the audit log, and changes nothing.
 */
START_TEST(test_no_escalation)
{
	struct flip f;

	flip_setup(&f, 1, 1);
	ad_act(f.a, ag_msg("admin_role_create", "name", "empty", NULL), "role_create", 1,
	    "Created role empty.");
	ad_act(f.a, ag_msg("admin_role_create", "name", "strong", NULL), "role_create", 1,
	    "Created role strong.");
	ad_act(f.a, ad_m_perms("strong", "user.ban_unban"), "role_update_permissions", 1,
	    "Updated permissions for strong.");

	/* user.change_role alone. */
	flip_grant(&f, "user.change_role", "change_user_role");
	ad_act(f.b, ag_msg("admin_user_set_role", "username", "subject", "role", "admin", NULL),
	    "user_set_role", 0, "Only admins can assign the admin role.");
	ad_audit("subject", "user_set_role", "subject", 0, "Only admins can assign the admin role.");
	ad_act(f.b, ag_msg("admin_user_set_role", "username", "boss", "role", "empty", NULL),
	    "user_set_role", 0, "Only admins can change the role of an admin.");
	ad_audit("subject", "user_set_role", "boss", 0, "Only admins can change the role of an admin.");
	ad_act(f.b, ag_msg("admin_user_set_role", "username", "subject", "role", "strong", NULL),
	    "user_set_role", 0,
	    "Cannot assign role strong: it grants permissions you do not hold (user.ban_unban).");
	ad_audit("subject", "user_set_role", "subject", 0,
	    "Cannot assign role strong: it grants permissions you do not hold (user.ban_unban).");
	ad_act(f.b, ag_msg("admin_user_set_role", "username", "victim", "role", "empty", NULL),
	    "user_set_role", 0, "Cannot change the role of victim: their role holds permissions "
	    "you do not hold (" USER_KEYS_SAID ").");
	ad_audit("subject", "user_set_role", "victim", 0, "Cannot change the role of victim: their "
	    "role holds permissions you do not hold (" USER_KEYS_SAID ").");
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts a JOIN roles r ON r.id = a.role_id "
	    "WHERE (a.username, r.name) IN (('boss', 'admin'), ('subject', 'flip'), ('victim', 'user'))"), 3);
	/* Nothing was pushed to the targets: they keep their permissions. */
	tw_none(f.a->c, td_ms(200), "auth_permissions", NULL, NULL);
	tw_none(f.b->c, td_ms(200), "auth_permissions", NULL, NULL);
	tw_none(f.v->c, td_ms(200), "auth_permissions", NULL, NULL);
	/* Within its own keys it works: subject moves witness between keyless roles. */
	ad_act(f.a, ag_msg("admin_user_set_role", "username", "witness", "role", "empty", NULL),
	    "user_set_role", 1, "Set role for witness to empty.");
	ad_act(f.b, ag_msg("admin_user_set_role", "username", "witness", "role", "flip", NULL),
	    "user_set_role", 1, "Set role for witness to flip.");

	/* role.manage alone. */
	flip_grant(&f, "role.manage", "manage_roles");
	ad_act(f.b, ad_m_perms("flip", "role.manage,user.change_role"), "role_update_permissions", 0,
	    "Cannot grant permissions you do not hold (user.change_role).");
	ad_audit("subject", "role_update_permissions", "flip", 0,
	    "Cannot grant permissions you do not hold (user.change_role).");
	ad_act(f.b, ad_m_perms("empty", "user.ban_unban,chat.send"), "role_update_permissions", 0,
	    "Cannot grant permissions you do not hold (chat.send, user.ban_unban).");
	ad_act(f.b, ad_m_perms("strong", ""), "role_update_permissions", 0,
	    "Cannot change role strong: it holds permissions you do not hold (user.ban_unban).");
	ad_audit("subject", "role_update_permissions", "strong", 0,
	    "Cannot change role strong: it holds permissions you do not hold (user.ban_unban).");
	ad_act(f.b, ag_msg("admin_role_delete", "role", "strong", "replacementRole", "empty", NULL),
	    "role_delete", 0,
	    "Cannot delete role strong: it holds permissions you do not hold (user.ban_unban).");
	ad_audit("subject", "role_delete", "strong", 0,
	    "Cannot delete role strong: it holds permissions you do not hold (user.ban_unban).");
	/* Deleting a role moves its users: the replacement is an assignment. */
	ad_act(f.b, ag_msg("admin_role_delete", "role", "flip", "replacementRole", "admin", NULL),
	    "role_delete", 0, "Only admins can assign the admin role.");
	ad_audit("subject", "role_delete", "flip", 0, "Only admins can assign the admin role.");
	ad_act(f.b, ag_msg("admin_role_delete", "role", "empty", "replacementRole", "user", NULL),
	    "role_delete", 0, "Cannot move users to role user: it grants permissions you do not "
	    "hold (" USER_KEYS_SAID ").");
	ad_audit("subject", "role_delete", "empty", 0, "Cannot move users to role user: it grants "
	    "permissions you do not hold (" USER_KEYS_SAID ").");
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM role_permissions rp JOIN roles r ON "
	    "r.id = rp.role_id WHERE (r.name, rp.permission_key) IN (('strong', 'user.ban_unban'), "
	    "('flip', 'role.manage'))"), 2);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM role_permissions rp JOIN roles r ON "
	    "r.id = rp.role_id WHERE r.name IN ('flip', 'empty', 'strong')"), 2);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM roles WHERE name IN ('flip', 'empty', 'strong')"), 3);
	/* Within its own keys it works. */
	ad_act(f.b, ad_m_perms("empty", "role.manage"), "role_update_permissions", 1,
	    "Updated permissions for empty.");
	ad_act(f.b, ag_msg("admin_role_delete", "role", "empty", "replacementRole", "flip", NULL),
	    "role_delete", 1, "Deleted role empty; reassigned 0 users to flip.");
	/* An admin is bound by none of it. */
	ad_act(f.a, ag_msg("admin_user_set_role", "username", "subject", "role", "strong", NULL),
	    "user_set_role", 1, "Set role for subject to strong.");
	flip_free(&f);
}
END_TEST

/* ---- account.delete.any ---- */

START_TEST(test_key_delete_any)
{
	struct flip f;
	json_object *o;

	flip_setup(&f, 1, 0);
	ad_act(f.b, ad_m_user("admin_user_delete", "victim"), "user_delete", 0, AD_NOT_AUTHORIZED);
	ad_act(f.b, ag_msg("admin_users_list", "action", "delete_account", NULL), "user_set_role", 0,
	    AD_NOT_AUTHORIZED);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts WHERE username = 'victim'"), 1);

	flip_grant(&f, "account.delete.any", "delete_account");
	o = ad_call(f.b, ag_msg("admin_users_list", "action", "delete_account", NULL),
	    "admin_users_list");
	ck_assert_int_eq(json_object_array_length(tw_get(o, "users")), 4);
	json_object_put(o);
	ad_act(f.b, ad_m_user("admin_user_delete", "victim"), "user_delete", 1,
	    "Deleted account victim.");
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts WHERE username = 'victim'"), 0);

	flip_grant(&f, "", "");
	ad_act(f.b, ad_m_user("admin_user_delete", "witness"), "user_delete", 0, AD_NOT_AUTHORIZED);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts WHERE username = 'witness'"), 1);
	flip_free(&f);
}
END_TEST

/* ---- user.kick ---- */

START_TEST(test_key_kick)
{
	struct flip f;

	flip_setup(&f, 1, 1);
	ad_act(f.b, ad_m_user("admin_user_kick", "victim"), "user_kick", 0, AD_NOT_AUTHORIZED);
	still_here(f.v, 11);

	flip_grant(&f, "user.kick", "kick_user");
	ad_act(f.b, ad_m_user("admin_user_kick", "victim"), "user_kick", 1, "Kicked victim.");
	ta_ws_gone(f.v->c, td_ms(5000));

	flip_grant(&f, "user.mute", "mute_user");
	ad_act(f.b, ad_m_user("admin_user_kick", "witness"), "user_kick", 0, AD_NOT_AUTHORIZED);
	still_here(f.w, 12);
	flip_free(&f);
}
END_TEST

/* ---- user.mute ---- */

START_TEST(test_key_mute)
{
	struct flip f;

	flip_setup(&f, 1, 1);
	ad_act(f.b, ad_m_mute("victim", "chat", 1), "user_mute", 0, AD_NOT_AUTHORIZED);
	ad_act(f.b, ad_m_mute("victim", "voice", 1), "user_mute", 0, AD_NOT_AUTHORIZED);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts WHERE username = 'victim' "
	    "AND mute_chat_until IS NULL AND mute_voice_until IS NULL"), 1);

	flip_grant(&f, "user.mute", "mute_user");
	ad_act(f.b, ad_m_mute("victim", "chat", 1), "user_mute", 1, "Muted victim's chat for 1 minutes.");
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts WHERE username = 'victim' "
	    "AND mute_chat_until > now()"), 1);
	ad_act(f.b, ad_m_mute("victim", "chat", 0), "user_mute", 1, "Unmuted victim's chat.");

	flip_grant(&f, "user.kick", "kick_user");
	ad_act(f.b, ad_m_mute("victim", "chat", 1), "user_mute", 0, AD_NOT_AUTHORIZED);
	flip_free(&f);
}
END_TEST

/* ---- the denial replies of every admin message ---- */

START_TEST(test_admin_denials)
{
	static const struct {
		const char *type, *action;
	} gated[] = {
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
	struct td *d = ad_start(NULL);
	struct tw_user *u, *g, *e, *a;
	const char *roles[] = { "user", "guest", "editor" };
	struct tw_user *ps[3];
	size_t i, r;

	ad_account(d, "boss", "admin");
	ad_account(d, "plain", NULL);
	ad_account(d, "visitor", "guest");
	ad_account(d, "writer", "editor");
	a = tw_login(d, "boss");
	u = tw_login(d, "plain");
	g = tw_login(d, "visitor");
	e = tw_login(d, "writer");
	ps[0] = u;
	ps[1] = g;
	ps[2] = e;
	/* No default role but admin holds an admin key: each message is refused, with its action name. */
	for (r = 0; r < 3; r++)
		for (i = 0; i < sizeof gated / sizeof gated[0]; i++) {
			json_object *m = ag_msg(gated[i].type, NULL);

			if (strcmp(gated[i].type, "admin_role_create") == 0)
				json_object_object_add(m, "name", json_object_new_string("sneaky"));
			else if (strcmp(gated[i].type, "admin_role_update_permissions") == 0) {
				json_object_put(m);
				m = ad_m_perms(roles[r], ad_admin_csv);
			} else if (strcmp(gated[i].type, "admin_role_delete") == 0) {
				json_object_object_add(m, "role", json_object_new_string("guest"));
				json_object_object_add(m, "replacementRole", json_object_new_string("user"));
			} else if (strcmp(gated[i].type, "admin_user_set_role") == 0) {
				json_object_object_add(m, "username", json_object_new_string(ps[r]->user));
				json_object_object_add(m, "role", json_object_new_string("admin"));
			} else if (strcmp(gated[i].type, "admin_user_mute") == 0) {
				json_object_put(m);
				m = ad_m_mute("boss", "chat", 5);
			} else if (strncmp(gated[i].type, "admin_user_", 11) == 0)
				json_object_object_add(m, "username", json_object_new_string("boss"));
			ad_act(ps[r], m, gated[i].action, 0, AD_NOT_AUTHORIZED);
		}
	/* Nothing happened: no list was sent, nothing changed, the admin is untouched. */
	tw_none(u->c, td_ms(200), "admin_roles_list", NULL, NULL);
	tw_none(u->c, td_ms(200), "admin_users_list", NULL, NULL);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM roles"), 4);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts a JOIN roles r ON r.id = a.role_id "
	    "WHERE r.name = 'admin' AND a.status = 'active' AND a.mute_chat_until IS NULL"), 1);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM role_permissions rp JOIN roles r ON "
	    "r.id = rp.role_id WHERE r.name = 'guest'"), 4);
	still_here(a, 3);
	tw_close(a);
	tw_close(u);
	tw_close(g);
	tw_close(e);
	ad_stop(d);
}
END_TEST

/* ---- adminMenuActions ---- */

static json_object *
welcome_menu(json_object *welcome)
{
	return tw_get(tw_get(tw_get(welcome, "uiDefinitions"), "adminMenu"), "actions");
}

START_TEST(test_admin_menu)
{
	struct td *d = ad_start(NULL);
	struct tw_user *a, *u, *e, *b;
	json_object *o;

	ad_account(d, "boss", "admin");
	ad_account(d, "plain", NULL);
	ad_account(d, "writer", "editor");
	ad_account(d, "subject", NULL);
	a = tw_login(d, "boss");
	/* Admin: all seven, in order, in the auth_result and the welcome. */
	ad_check_menu(tw_get(a->result, "adminMenuActions"), ad_admin_menu_csv);
	ad_check_menu(welcome_menu(a->welcome), ad_admin_menu_csv);
	ad_check_perms(tw_get(a->result, "permissions"), ad_admin_csv);
	/* user and editor: none. */
	u = tw_login(d, "plain");
	ad_check_menu(tw_get(u->result, "adminMenuActions"), "");
	ad_check_menu(welcome_menu(u->welcome), "");
	e = tw_login(d, "writer");
	ad_check_menu(tw_get(e->result, "adminMenuActions"), "");
	ad_check_menu(welcome_menu(e->welcome), "");
	ad_check_perms(tw_get(e->result, "permissions"), ad_editor_csv);

	/* A custom role: the menu follows the keys, in menu order whatever the grant order. */
	b = tw_login(d, "subject");
	ad_act(a, ag_msg("admin_role_create", "name", "mods", NULL), "role_create", 1,
	    "Created role mods.");
	ad_act(a, ad_m_perms("mods", "user.mute,role.manage,chat.send,user.ban_unban"),
	    "role_update_permissions", 1, "Updated permissions for mods.");
	ad_act(a, ag_msg("admin_user_set_role", "username", "subject", "role", "mods", NULL),
	    "user_set_role", 1, "Set role for subject to mods.");
	json_object_put(ad_expect_auth_perms(b->c, "mods", "user.mute,role.manage,chat.send,user.ban_unban",
	    "manage_roles,ban_user,unban_user,mute_user"));
	ad_act(a, ad_m_perms("mods", "account.delete.any,user.kick,user.change_role"),
	    "role_update_permissions", 1, "Updated permissions for mods.");
	json_object_put(ad_expect_auth_perms(b->c, "mods", "account.delete.any,user.kick,user.change_role",
	    "change_user_role,delete_account,kick_user"));
	/* Promoted to admin: everything. */
	ad_act(a, ag_msg("admin_user_set_role", "username", "subject", "role", "admin", NULL),
	    "user_set_role", 1, "Set role for subject to admin.");
	json_object_put(ad_expect_auth_perms(b->c, "admin", ad_admin_csv, ad_admin_menu_csv));
	/* On a new login the auth_result and the welcome agree. */
	tw_close(b);
	ad_act(a, ag_msg("admin_user_set_role", "username", "subject", "role", "mods", NULL),
	    "user_set_role", 1, "Set role for subject to mods.");
	b = tw_login(d, "subject");
	ad_check_menu(tw_get(b->result, "adminMenuActions"), "change_user_role,delete_account,kick_user");
	ad_check_menu(welcome_menu(b->welcome), "change_user_role,delete_account,kick_user");
	o = tw_get(b->welcome, "auth");
	ck_assert_str_eq(tw_strz(o, "role"), "mods");
	ad_check_perms(tw_get(o, "permissions"), "account.delete.any,user.kick,user.change_role");
	tw_close(b);
	tw_close(a);
	tw_close(u);
	tw_close(e);
	ad_stop(d);
}
END_TEST

static Suite *
perms_suite(void)
{
	Suite *s = suite_create("admin_perms");
	TCase *tc;

	tc = tcase_create("keys");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_key_chat_send);
	tcase_add_test(tc, test_key_voice_send);
	tcase_add_test(tc, test_key_update_nickname);
	tcase_add_test(tc, test_key_reboot_denied);
	tcase_add_test(tc, test_key_teleport_free);
	tcase_add_test(tc, test_key_ban_unban);
	tcase_add_test(tc, test_key_change_role);
	tcase_add_test(tc, test_key_role_manage);
	tcase_add_test(tc, test_no_escalation);
	tcase_add_test(tc, test_key_delete_any);
	tcase_add_test(tc, test_key_kick);
	tcase_add_test(tc, test_key_mute);
	suite_add_tcase(s, tc);

	tc = tcase_create("denials_menu");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_admin_denials);
	tcase_add_test(tc, test_admin_menu);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ag_main(perms_suite());
}

/*
 * test_admin_users.c: moderation of accounts (reference §3.7, §4.4 and
 * chatgrid's additions, docs/protocol.md §5) against the real daemon and
 * PostgreSQL: admin_user_set_role, admin_user_ban and admin_user_unban,
 * admin_user_delete, admin_user_kick and admin_user_mute, each with its
 * failures, the last-active-admin protection (also under a race), what the
 * target's connection receives, what others see, and the audit rows.
 */
#define AD_INTERFACE_ONLY
#include "test_admin_common.c"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define AD_MUTED_VOICE "Your voice is muted for now."

/*
 * What a connection closed by a moderator receives: if perms_role is not
 * NULL an auth_permissions (that role and keys) first, then auth_result
 * {ok:false, message} without authPolicy, then the close.
 */
static void
expect_refusal(struct tw_user *v, const char *perms_role, const char *perms, const char *message)
{
	static const char *const types[] = { "auth_permissions", "auth_result", NULL };
	json_object *o, *x;

	if (perms_role != NULL) {
		o = ad_expect_one_of(v->c, types);
		ck_assert_msg(strcmp(tw_strz(o, "type"), "auth_permissions") == 0,
		    "%s: want auth_permissions before the refusal, got %s", v->user, tw_js(o));
		ck_assert_str_eq(tw_strz(o, "role"), perms_role);
		ad_check_perms(tw_get(o, "permissions"), perms);
		json_object_put(o);
	}
	o = ad_expect_one_of(v->c, types);
	ck_assert_msg(strcmp(tw_strz(o, "type"), "auth_result") == 0,
	    "%s: want auth_result \"%s\", got %s", v->user, message, tw_js(o));
	ag_expect(o, 0, message);
	ck_assert_msg(!json_object_object_get_ex(o, "authPolicy", &x),
	    "%s: the refusal carries authPolicy: %s", v->user, tw_js(o));
	json_object_put(o);
	ta_ws_gone(v->c, td_ms(5000));
}

/* user_left for connection id (others skipped). */
static void
expect_left(struct tw_user *w, const char *id)
{
	int64_t end = tc_now_ms() + td_ms(5000);
	json_object *o;

	for (;;) {
		int left = (int)(end - tc_now_ms());

		o = left > 0 ? tc_ws_expect(w->c, "user_left", left) : NULL;
		ck_assert_msg(o != NULL, "%s: no user_left for %s: %s%s", w->user, id, tc_error(w->c),
		    td_health());
		if (strcmp(tw_strz(o, "id"), id) == 0)
			break;
		json_object_put(o);
	}
	json_object_put(o);
}

/* The first auth_result on a WebSocket opened with the session cookie. */
static json_object *
cookie_result(struct td *d, const char *token)
{
	char hdr[200];
	struct tc_conn *c;
	json_object *o;

	snprintf(hdr, sizeof hdr, "Cookie: chgrid_session_token=%s\r\n", token);
	c = ag_ws_raw(d, hdr);
	o = ag_next(c);
	ck_assert_msg(strcmp(tw_strz(o, "type"), "auth_result") == 0,
	    "first message after a cookie handshake: %s", tw_js(o));
	tc_close(c);
	return o;
}

static json_object *
fresh_login(struct td *d, const char *user)
{
	struct tc_conn *c = ag_ws(d);
	json_object *o = ag_login(c, user, AG_PASSWORD);

	tc_close(c);
	return o;
}

static const char *
role_of(const char *user, char *buf, size_t len)
{
	const char *v[1];
	char *r;

	v[0] = user;
	r = ad_sql_param_value("SELECT r.name FROM accounts a JOIN roles r ON r.id = a.role_id "
	    "WHERE a.username = $1", 1, v);
	snprintf(buf, len, "%s", r != NULL ? r : "(no account)");
	free(r);
	return buf;
}

/* ---- admin_user_set_role ---- */

START_TEST(test_set_role)
{
	struct td *d = ad_start(NULL);
	struct tw_user *a, *b;
	char r[40];

	ad_account(d, "boss", "admin");
	ad_account(d, "bee", NULL);
	a = tw_login(d, "boss");
	b = tw_login(d, "bee");

	ad_act(a, ag_msg("admin_user_set_role", "username", "bee", "role", "nosuch", NULL),
	    "user_set_role", 0, AD_ROLE_NOT_FOUND);
	ad_act(a, ag_msg("admin_user_set_role", "username", "ghost", "role", "guest", NULL),
	    "user_set_role", 0, AD_USER_NOT_FOUND);
	ad_act(a, ag_msg("admin_user_set_role", "username", "ghost", "role", "nosuch", NULL),
	    "user_set_role", 0, AD_ROLE_NOT_FOUND);
	/* The only active admin cannot step down. */
	ad_act(a, ag_msg("admin_user_set_role", "username", "boss", "role", "user", NULL),
	    "user_set_role", 0, AD_LAST_ADMIN_ROLE);
	ck_assert_str_eq(role_of("boss", r, sizeof r), "admin");
	/* ... but "changing" to admin is fine. */
	ad_act(a, ag_msg("admin_user_set_role", "username", "BOSS", "role", "admin", NULL),
	    "user_set_role", 1, "Set role for boss to admin.");
	tw_none(b->c, td_ms(200), "auth_permissions", NULL, NULL);

	/* Names are normalised; the role is said as sent; the target is told at once. */
	ad_act(a, ag_msg("admin_user_set_role", "username", " Bee ", "role", " Editor", NULL),
	    "user_set_role", 1, "Set role for bee to  Editor.");
	json_object_put(ad_expect_auth_perms(b->c, "editor", ad_editor_csv, ""));
	ck_assert_str_eq(role_of("bee", r, sizeof r), "editor");

	/* Two admins: either may now be demoted, until one is left. */
	ad_act(a, ag_msg("admin_user_set_role", "username", "bee", "role", "admin", NULL),
	    "user_set_role", 1, "Set role for bee to admin.");
	json_object_put(ad_expect_auth_perms(b->c, "admin", ad_admin_csv, ad_admin_menu_csv));
	ad_act(b, ag_msg("admin_user_set_role", "username", "boss", "role", "guest", NULL),
	    "user_set_role", 1, "Set role for boss to guest.");
	json_object_put(ad_expect_auth_perms(a->c, "guest", ad_guest_csv, ""));
	ad_act(b, ag_msg("admin_user_set_role", "username", "bee", "role", "user", NULL),
	    "user_set_role", 0, AD_LAST_ADMIN_ROLE);
	/* A disabled admin does not count as active. */
	ad_account(d, "sleeper", "admin");
	ad_sql("UPDATE accounts SET status = 'disabled' WHERE username = 'sleeper'");
	ad_act(b, ag_msg("admin_user_set_role", "username", "bee", "role", "user", NULL),
	    "user_set_role", 0, AD_LAST_ADMIN_ROLE);
	/* The demoted admin's gate follows at once. */
	ad_act(a, ag_msg("admin_user_set_role", "username", "boss", "role", "admin", NULL),
	    "user_set_role", 0, AD_NOT_AUTHORIZED);

	ad_audit("boss", "user_set_role", "bee", 0, AD_ROLE_NOT_FOUND);
	ad_audit("boss", "user_set_role", "ghost", 0, AD_USER_NOT_FOUND);
	ad_audit("boss", "user_set_role", "boss", 0, AD_LAST_ADMIN_ROLE);
	ad_audit("boss", "user_set_role", " Bee ", 1, "Set role for bee to  Editor.");
	ad_audit("bee", "user_set_role", "boss", 1, "Set role for boss to guest.");
	ad_audit("bee", "user_set_role", "bee", 0, AD_LAST_ADMIN_ROLE);
	tw_close(a);
	tw_close(b);
	ad_stop(d);
}
END_TEST

/* ---- ban and unban ---- */

START_TEST(test_ban_unban)
{
	struct td *d = ad_start(NULL);
	struct tw_user *a, *b, *w;
	json_object *o;
	char *tok;

	ad_account(d, "boss", "admin");
	ad_account(d, "bee", NULL);
	ad_account(d, "watcher", NULL);
	a = tw_login(d, "boss");
	b = tw_login(d, "bee");
	w = tw_login(d, "watcher");
	tok = strdup(b->token);

	ad_act(a, ad_m_user("admin_user_ban", "ghost"), "user_ban", 0, AD_USER_NOT_FOUND);
	ad_act(a, ad_m_user("admin_user_ban", "boss"), "user_ban", 0, AD_LAST_ADMIN_BAN);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts WHERE username = 'boss' "
	    "AND status = 'active'"), 1);
	ta_ws_ping(a->c, 1);

	/* The banned connection: auth_permissions, the refusal, the close. */
	ad_act(a, ad_m_user("admin_user_ban", " Bee "), "user_ban", 1, "Banned bee.");
	expect_refusal(b, "user", ad_user_csv, AG_MSG_DISABLED);
	expect_left(w, b->id);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts WHERE username = 'bee' "
	    "AND status = 'disabled'"), 1);
	/* Its sessions are revoked: the cookie and the token no longer work. */
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM sessions s JOIN accounts a ON "
	    "a.id = s.account_id WHERE a.username = 'bee' AND s.revoked_at IS NULL"), 0);
	o = cookie_result(d, tok);
	ag_expect_fail(o, AG_MSG_REVOKED);
	{
		struct tc_conn *c = ag_ws(d);

		ag_expect_fail(ag_resume(c, tok), AG_MSG_REVOKED);
		tc_close(c);
	}
	ag_expect_fail(fresh_login(d, "bee"), AG_MSG_DISABLED);
	/* Lists: no longer bannable, now unbannable. */
	o = ad_call(a, ag_msg("admin_users_list", "action", "unban", NULL), "admin_users_list");
	ck_assert_int_eq(json_object_array_length(tw_get(o, "users")), 1);
	ck_assert_str_eq(tw_strz(json_object_array_get_idx(tw_get(o, "users"), 0), "username"), "bee");
	json_object_put(o);

	ad_act(a, ad_m_user("admin_user_unban", "ghost"), "user_unban", 0, AD_USER_NOT_FOUND);
	ad_act(a, ad_m_user("admin_user_unban", "BEE"), "user_unban", 1, "Unbanned bee.");
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts WHERE username = 'bee' "
	    "AND status = 'active'"), 1);
	tw_close(b);
	b = tw_login(d, "bee");
	o = tw_wait(w->c, "user_joined", NULL, NULL);
	ck_assert_str_eq(tw_strz(o, "id"), b->id);
	json_object_put(o);
	/* The old session stays revoked (chatgrid revokes on ban). */
	ag_expect_fail(cookie_result(d, tok), AG_MSG_REVOKED);

	ad_audit("boss", "user_ban", "ghost", 0, AD_USER_NOT_FOUND);
	ad_audit("boss", "user_ban", "boss", 0, AD_LAST_ADMIN_BAN);
	ad_audit("boss", "user_ban", " Bee ", 1, "Banned bee.");
	ad_audit("boss", "user_unban", "ghost", 0, AD_USER_NOT_FOUND);
	ad_audit("boss", "user_unban", "BEE", 1, "Unbanned bee.");
	free(tok);
	tw_close(a);
	tw_close(b);
	tw_close(w);
	ad_stop(d);
}
END_TEST

/* An admin may ban another admin; the last active one stays protected. */
START_TEST(test_ban_admin)
{
	struct td *d = ad_start(NULL);
	struct tw_user *a, *a2;
	json_object *o;

	ad_account(d, "boss", "admin");
	ad_account(d, "deputy", "admin");
	a = tw_login(d, "boss");
	a2 = tw_login(d, "deputy");
	ad_act(a, ad_m_user("admin_user_ban", "deputy"), "user_ban", 1, "Banned deputy.");
	expect_refusal(a2, "admin", ad_admin_csv, AG_MSG_DISABLED);
	ad_act(a, ad_m_user("admin_user_ban", "boss"), "user_ban", 0, AD_LAST_ADMIN_BAN);
	ad_act(a, ad_m_user("admin_user_delete", "boss"), "user_delete", 0, AD_LAST_ADMIN_DELETE);
	ad_act(a, ag_msg("admin_user_set_role", "username", "boss", "role", "user", NULL),
	    "user_set_role", 0, AD_LAST_ADMIN_ROLE);
	/* Unbanned, deputy counts again: boss may now step down. */
	ad_act(a, ad_m_user("admin_user_unban", "deputy"), "user_unban", 1, "Unbanned deputy.");
	/* (Its own push comes before the reply.) */
	tw_send(a, ag_msg("admin_user_set_role", "username", "boss", "role", "user", NULL));
	json_object_put(ad_expect_auth_perms(a->c, "user", ad_user_csv, ""));
	o = tw_wait(a->c, "admin_action_result", NULL, NULL);
	ck_assert_msg(strcmp(tw_strz(o, "message"), "Set role for boss to user.") == 0 &&
	    strcmp(tw_strz(o, "action"), "user_set_role") == 0, "self-demotion: %s", tw_js(o));
	json_object_put(o);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts a JOIN roles r ON r.id = a.role_id "
	    "WHERE r.name = 'admin' AND a.status = 'active'"), 1);
	tw_close(a);
	tw_close(a2);
	ad_stop(d);
}
END_TEST

/* Two admins ban each other at the same moment: one admin stays active. */
START_TEST(test_last_admin_race)
{
	struct td *d = ad_start(NULL);
	struct tw_user *a, *a2;
	int i;

	ad_account(d, "boss", "admin");
	ad_account(d, "deputy", "admin");
	for (i = 0; i < 3; i++) {
		ad_sql("UPDATE accounts SET status = 'active'");
		ad_sql("UPDATE sessions SET revoked_at = NULL");
		a = tw_login(d, "boss");
		a2 = tw_login(d, "deputy");
		tw_send(a, ad_m_user(i == 2 ? "admin_user_delete" : "admin_user_ban", "deputy"));
		tw_send(a2, ad_m_user("admin_user_ban", "boss"));
		/* Let both run (or be dropped with a closed connection). */
		usleep(600 * 1000);
		ck_assert_msg(ad_sql_num("SELECT count(*) FROM accounts a JOIN roles r ON "
		    "r.id = a.role_id WHERE r.name = 'admin' AND a.status = 'active'") == 1,
		    "round %d: not exactly one active admin after a mutual ban", i);
		tw_close(a);
		tw_close(a2);
		if (i == 2)
			break;
	}
	ad_stop(d);
}
END_TEST

/* ---- delete ---- */

START_TEST(test_delete)
{
	struct td *d = ad_start(NULL);
	struct tw_user *a, *b, *w, *a3;
	json_object *o;
	char *tok, *id;
	size_t i;

	ad_account(d, "boss", "admin");
	ad_account(d, "bee", NULL);
	ad_account(d, "watcher", NULL);
	a = tw_login(d, "boss");
	b = tw_login(d, "bee");
	w = tw_login(d, "watcher");
	tok = strdup(b->token);
	id = ad_sql_value("SELECT id FROM accounts WHERE username = 'bee'");

	ad_act(a, ad_m_user("admin_user_delete", "ghost"), "user_delete", 0, AD_USER_NOT_FOUND);
	ad_act(a, ad_m_user("admin_user_delete", "boss"), "user_delete", 0, AD_LAST_ADMIN_DELETE);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts WHERE username = 'boss'"), 1);

	ad_act(a, ad_m_user("admin_user_delete", " BEE "), "user_delete", 1, "Deleted account bee.");
	expect_refusal(b, NULL, NULL, AD_MSG_DELETED);
	expect_left(w, b->id);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts WHERE username = 'bee'"), 0);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM sessions WHERE account_id = %s", id), 0);
	ag_expect_fail(fresh_login(d, "bee"), AG_MSG_INVALID_LOGIN);
	ag_expect_fail(cookie_result(d, tok), AG_MSG_INVALID_SESSION);
	o = ad_call(a, ag_msg("admin_users_list", NULL), "admin_users_list");
	for (i = 0; i < json_object_array_length(tw_get(o, "users")); i++)
		ck_assert_str_ne(tw_strz(json_object_array_get_idx(tw_get(o, "users"), i), "username"), "bee");
	json_object_put(o);
	/* The name is free again. */
	free(ag_new_account(d, "bee"));

	/* Another admin may be deleted; an admin may delete itself when not the last. */
	ad_account(d, "deputy", "admin");
	ad_act(a, ad_m_user("admin_user_delete", "deputy"), "user_delete", 1, "Deleted account deputy.");
	ad_account(d, "third", "admin");
	a3 = tw_login(d, "third");
	tw_send(a3, ad_m_user("admin_user_delete", "third"));
	expect_refusal(a3, NULL, NULL, AD_MSG_DELETED);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts WHERE username = 'third'"), 0);

	ad_audit("boss", "user_delete", "ghost", 0, AD_USER_NOT_FOUND);
	ad_audit("boss", "user_delete", "boss", 0, AD_LAST_ADMIN_DELETE);
	ad_audit("boss", "user_delete", " BEE ", 1, "Deleted account bee.");
	ad_audit("boss", "user_delete", "deputy", 1, "Deleted account deputy.");
	/* The actor's row is gone; the audit row keeps its name. */
	ad_audit("third", "user_delete", "third", 1, "Deleted account third.");
	free(tok);
	free(id);
	tw_close(a);
	tw_close(b);
	tw_close(w);
	tw_close(a3);
	ad_stop(d);
}
END_TEST

/*
 * Deleting a connected account must not make its departure write state for
 * the deleted row: the daemon logs a warning ("saving the state of account
 * N failed: ... violates foreign key constraint") for an ordinary action.
 */
START_TEST(test_delete_connected_no_state_error)
{
	struct td *d = ad_start(NULL);
	struct tw_user *a, *b;

	ad_account(d, "boss", "admin");
	ad_account(d, "bee", NULL);
	a = tw_login(d, "boss");
	b = tw_login(d, "bee");
	ad_act(a, ad_m_user("admin_user_delete", "bee"), "user_delete", 1, "Deleted account bee.");
	expect_refusal(b, NULL, NULL, AD_MSG_DELETED);
	/* Give a behind-the-scenes write time to fail, then look. */
	ck_assert_msg(!td_wait_log(d, "violates foreign key constraint", td_ms(1500)),
	    "deleting a connected account logs a failed write: %s", td_log_tail(d, 400));
	tw_close(a);
	tw_close(b);
	ad_stop(d);
}
END_TEST

/*
 * Usernames are matched ignoring case everywhere (lower(username) = $1, and
 * the unique index is on lower(username)); an account stored with capitals
 * (an import, or a row written by hand) is banned, muted and deleted by its
 * name, so kick must find it too.
 */
START_TEST(test_kick_stored_case)
{
	struct td *d = ad_start(NULL);
	struct tw_user *a, *b;

	ad_account(d, "boss", "admin");
	ad_account(d, "bee", NULL);
	ad_sql("UPDATE accounts SET username = 'Bee' WHERE username = 'bee'");
	a = tw_login(d, "boss");
	/* (auth_result says the stored name.) */
	b = tw_login(d, "Bee");
	ad_act(a, ad_m_mute("bee", "chat", 1), "user_mute", 1, "Muted bee's chat for 1 minutes.");
	ad_act(a, ad_m_user("admin_user_kick", "bee"), "user_kick", 1, "Kicked bee.");
	expect_refusal(b, NULL, NULL, AD_MSG_KICKED);
	tw_close(a);
	tw_close(b);
	ad_stop(d);
}
END_TEST

/* ---- kick ---- */

START_TEST(test_kick)
{
	struct td *d = ad_start(NULL);
	struct tw_user *a, *b, *w;

	ad_account(d, "boss", "admin");
	ad_account(d, "bee", NULL);
	ad_account(d, "watcher", NULL);
	ad_account(d, "away", NULL);
	a = tw_login(d, "boss");
	b = tw_login(d, "bee");
	w = tw_login(d, "watcher");

	ad_act(a, ad_m_user("admin_user_kick", "away"), "user_kick", 0, "away is not connected.");
	ad_act(a, ad_m_user("admin_user_kick", " AWAY "), "user_kick", 0, "away is not connected.");
	ad_act(a, ad_m_user("admin_user_kick", "ghost"), "user_kick", 0, "ghost is not connected.");

	ad_act(a, ad_m_user("admin_user_kick", "Bee"), "user_kick", 1, "Kicked bee.");
	expect_refusal(b, NULL, NULL, AD_MSG_KICKED);
	expect_left(w, b->id);
	/* Not a ban: the account logs in again. */
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts WHERE username = 'bee' "
	    "AND status = 'active'"), 1);
	tw_close(b);
	b = tw_login(d, "bee");
	ta_ws_ping(b->c, 4);
	ad_act(a, ad_m_user("admin_user_kick", "bee"), "user_kick", 1, "Kicked bee.");
	expect_refusal(b, NULL, NULL, AD_MSG_KICKED);

	ad_audit("boss", "user_kick", "away", 0, "away is not connected.");
	ad_audit("boss", "user_kick", "ghost", 0, "ghost is not connected.");
	ad_audit("boss", "user_kick", "Bee", 1, "Kicked bee.");
	tw_close(a);
	tw_close(b);
	tw_close(w);
	ad_stop(d);
}
END_TEST

/* ---- mute ---- */

/* "You are muted for N more seconds." with lo <= N <= hi. */
static void
expect_muted_line(struct tw_user *p, int lo, int hi)
{
	json_object *o = ad_expect_chat_prefix(p->c, "You are muted for ");
	const char *m = tw_strz(o, "message");
	int n = -1, used = 0;

	ck_assert_msg(sscanf(m, "You are muted for %d more seconds.%n", &n, &used) == 1 &&
	    used == (int)strlen(m) && n >= lo && n <= hi,
	    "muted line \"%s\", want N in %d..%d", m, lo, hi);
	json_object_put(o);
}

START_TEST(test_mute_chat)
{
	struct td *d = ad_start(NULL);
	struct tw_user *a, *b, *w, *o2;
	json_object *o;

	ad_account(d, "boss", "admin");
	ad_account(d, "bee", NULL);
	ad_account(d, "watcher", NULL);
	ad_account(d, "away", NULL);
	a = tw_login(d, "boss");
	b = tw_login(d, "bee");
	w = tw_login(d, "watcher");

	ad_act(a, ad_m_mute("ghost", "chat", 1), "user_mute", 0, AD_USER_NOT_FOUND);
	ad_act(a, ad_m_mute(" BEE ", "chat", 1), "user_mute", 1, "Muted bee's chat for 1 minutes.");
	json_object_put(ad_expect_chat(b->c, "A moderator muted your chat for 1 minutes.", 1));
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts WHERE username = 'bee' AND "
	    "mute_chat_until BETWEEN now() + interval '50 seconds' AND now() + interval '61 seconds'"), 1);
	tw_send(b, ag_msg("chat_message", "message", "can you hear me", NULL));
	expect_muted_line(b, 50, 60);
	ad_expect_no_chat(w->c, "can you hear me", 400);
	/* Commands are chat too. */
	tw_send(b, ag_msg("chat_message", "message", "/me waves", NULL));
	expect_muted_line(b, 50, 60);
	ad_expect_no_chat(w->c, "bee waves", 300);
	/* Voice is untouched by a chat mute. */
	tw_send(b, ad_m_signal(w->id, "v=still"));
	json_object_put(tw_wait(w->c, "signal", NULL, NULL));

	/* The mute is on the account: reconnecting keeps it. */
	tw_close(b);
	b = tw_login(d, "bee");
	tw_send(b, ag_msg("chat_message", "message", "after reconnect", NULL));
	expect_muted_line(b, 45, 60);
	ad_expect_no_chat(w->c, "after reconnect", 400);

	/* Zero minutes lifts it. */
	ad_act(a, ad_m_mute("bee", "chat", 0), "user_mute", 1, "Unmuted bee's chat.");
	json_object_put(ad_expect_chat(b->c, "A moderator unmuted your chat.", 1));
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts WHERE username = 'bee' "
	    "AND mute_chat_until IS NULL"), 1);
	tw_send(b, ag_msg("chat_message", "message", "free again", NULL));
	o = ad_expect_chat(w->c, "free again", 0);
	ck_assert_str_eq(tw_strz(o, "senderId"), b->id);
	json_object_put(o);

	/* The schema bounds minutes to 0..10080 and target to chat/voice. */
	ad_act(a, ad_m_mute("bee", "chat", 10080), "user_mute", 1, "Muted bee's chat for 10080 minutes.");
	ad_act(a, ad_m_mute("bee", "chat", 0), "user_mute", 1, "Unmuted bee's chat.");
	tw_send(a, ad_m_mute("bee", "chat", 10081));
	ad_expect_error(a->c, "bad_field", NULL);
	tw_send(a, ad_m_mute("bee", "chat", -1));
	ad_expect_error(a->c, "bad_field", NULL);
	tw_send(a, ad_m_mute("bee", "text", 1));
	ad_expect_error(a->c, "bad_field", NULL);
	tw_send(a, ag_msg("admin_user_mute", "username", "bee", "target", "chat", NULL));
	ad_expect_error(a->c, "bad_field", NULL);
	tw_none(a->c, td_ms(300), "admin_action_result", NULL, NULL);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts WHERE username = 'bee' "
	    "AND mute_chat_until IS NULL"), 1);

	/* An offline account can be muted; it finds out when it talks. */
	ad_act(a, ad_m_mute("away", "chat", 2), "user_mute", 1, "Muted away's chat for 2 minutes.");
	o2 = tw_login(d, "away");
	tw_send(o2, ag_msg("chat_message", "message", "hello from away", NULL));
	expect_muted_line(o2, 100, 120);
	ad_expect_no_chat(w->c, "hello from away", 300);

	ad_audit("boss", "user_mute", "ghost", 0, AD_USER_NOT_FOUND);
	ad_audit("boss", "user_mute", " BEE ", 1, "Muted bee's chat for 1 minutes.");
	ad_audit("boss", "user_mute", "bee", 1, "Unmuted bee's chat.");
	ad_audit("boss", "user_mute", "away", 1, "Muted away's chat for 2 minutes.");
	tw_close(a);
	tw_close(b);
	tw_close(w);
	tw_close(o2);
	ad_stop(d);
}
END_TEST

/* user's keys without voice.send */
#define USER_NO_VOICE \
	"item.create,item.edit.own,item.delete.own,item.use,item.pickup_drop.own," \
	"item.transfer.own,chat.send,profile.update_nickname"

START_TEST(test_mute_voice)
{
	struct td *d = ad_start(NULL);
	struct tw_user *a, *b, *w;
	json_object *o;

	ad_account(d, "boss", "admin");
	ad_account(d, "bee", NULL);
	ad_account(d, "watcher", NULL);
	a = tw_login(d, "boss");
	b = tw_login(d, "bee");
	w = tw_login(d, "watcher");

	ad_act(a, ad_m_mute("Bee", "voice", 5), "user_mute", 1, "Muted bee's voice for 5 minutes.");
	/* voice.send leaves the effective keys, so the client mutes its microphone. */
	json_object_put(ad_expect_auth_perms(b->c, "user", USER_NO_VOICE, ""));
	tw_send(b, ad_m_signal(w->id, "v=muted"));
	ad_expect_error(b->c, "muted", AD_MUTED_VOICE);
	tw_none(w->c, td_ms(400), "signal", NULL, NULL);
	/* Chat is untouched by a voice mute. */
	tw_send(b, ag_msg("chat_message", "message", "typing still works", NULL));
	json_object_put(ad_expect_chat(w->c, "typing still works", 0));
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts WHERE username = 'bee' AND "
	    "mute_voice_until > now() + interval '4 minutes'"), 1);

	/* Kept across a reconnect: auth_result and welcome already lack voice.send. */
	tw_close(b);
	b = tw_login(d, "bee");
	ad_check_perms(tw_get(b->result, "permissions"), USER_NO_VOICE);
	ad_check_perms(tw_get(tw_get(b->welcome, "auth"), "permissions"), USER_NO_VOICE);
	tw_send(b, ad_m_signal(w->id, "v=muted-again"));
	ad_expect_error(b->c, "muted", AD_MUTED_VOICE);
	tw_none(w->c, td_ms(300), "signal", NULL, NULL);

	ad_act(a, ad_m_mute("bee", "voice", 0), "user_mute", 1, "Unmuted bee's voice.");
	json_object_put(ad_expect_auth_perms(b->c, "user", ad_user_csv, ""));
	tw_send(b, ad_m_signal(w->id, "v=back"));
	o = tw_wait(w->c, "signal", NULL, NULL);
	ck_assert_str_eq(tw_strz(tw_get(o, "sdp"), "sdp"), "v=back");
	json_object_put(o);
	ck_assert_int_eq(ad_sql_num("SELECT count(*) FROM accounts WHERE username = 'bee' "
	    "AND mute_voice_until IS NULL"), 1);

	/* A mute that runs out gives voice.send back by itself. */
	tw_close(b);
	ad_sql("UPDATE accounts SET mute_voice_until = now() + interval '2 seconds' "
	    "WHERE username = 'bee'");
	b = tw_login(d, "bee");
	ad_check_perms(tw_get(b->result, "permissions"), USER_NO_VOICE);
	json_object_put(ad_expect_auth_perms(b->c, "user", ad_user_csv, ""));
	tw_send(b, ad_m_signal(w->id, "v=expired"));
	o = tw_wait(w->c, "signal", NULL, NULL);
	ck_assert_str_eq(tw_strz(tw_get(o, "sdp"), "sdp"), "v=expired");
	json_object_put(o);

	ad_audit("boss", "user_mute", "Bee", 1, "Muted bee's voice for 5 minutes.");
	ad_audit("boss", "user_mute", "bee", 1, "Unmuted bee's voice.");
	tw_close(a);
	tw_close(b);
	tw_close(w);
	ad_stop(d);
}
END_TEST
/* ---- changes made by chatgridctl while the users are connected ---- */

/* chatgridctl on the daemon's configuration; its exit status. */
static int
ctl(struct td *d, const char *args)
{
	const char *b = getenv("CG_BUILDDIR");
	char cmd[2048];

	snprintf(cmd, sizeof cmd, "%s/core/ctl/chatgridctl -c '%s' %s >/dev/null 2>&1", b != NULL ? b : ".",
	    td_config_path(d), args);
	return system(cmd);
}

/*
 * chatgridctl's NOTIFY reaches the daemon, which brings connections in
 * line at once: a new role's permissions pushed, a ban, a deletion and
 * revoked sessions closing the connections concerned.
 */
START_TEST(test_chatgridctl_changes_reach_connections)
{
	struct td *d = ad_start(NULL);
	struct tw_user *b, *c, *e, *f, *w;
	json_object *o;

	ad_account(d, "bee", NULL);
	ad_account(d, "cee", NULL);
	ad_account(d, "eee", NULL);
	ad_account(d, "fee", NULL);
	ad_account(d, "watcher", NULL);
	b = tw_login(d, "bee");
	c = tw_login(d, "cee");
	e = tw_login(d, "eee");
	f = tw_login(d, "fee");
	w = tw_login(d, "watcher");

	ck_assert_int_eq(ctl(d, "user set-role bee admin"), 0);
	o = tw_wait(b->c, "auth_permissions", NULL, NULL);
	ck_assert_str_eq(tw_strz(o, "role"), "admin");
	json_object_put(o);
	/* Still connected, and now an admin. */
	ta_ws_ping(b->c, 7);
	ad_act(b, ad_m_user("admin_user_kick", "ghost"), "user_kick", 0, "ghost is not connected.");

	ck_assert_int_eq(ctl(d, "user ban cee"), 0);
	expect_refusal(c, NULL, NULL, AG_MSG_DISABLED);
	expect_left(w, c->id);

	ck_assert_int_eq(ctl(d, "user delete eee"), 0);
	expect_refusal(e, NULL, NULL, "Account deleted.");
	expect_left(w, e->id);

	ck_assert_int_eq(ctl(d, "sessions revoke fee"), 0);
	expect_refusal(f, NULL, NULL, AG_MSG_REVOKED);
	expect_left(w, f->id);

	/* The others were left alone. */
	ta_ws_ping(w->c, 8);
	ta_ws_ping(b->c, 9);
	tw_close(b);
	tw_close(c);
	tw_close(e);
	tw_close(f);
	tw_close(w);
	ad_stop(d);
}
END_TEST


static Suite *
users_suite(void)
{
	Suite *s = suite_create("admin_users");
	TCase *tc;

	tc = tcase_create("roles_bans");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_set_role);
	tcase_add_test(tc, test_ban_unban);
	tcase_add_test(tc, test_ban_admin);
	tcase_add_test(tc, test_last_admin_race);
	suite_add_tcase(s, tc);

	tc = tcase_create("delete_kick_mute");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_delete);
	tcase_add_test(tc, test_delete_connected_no_state_error);
	tcase_add_test(tc, test_kick);
	tcase_add_test(tc, test_kick_stored_case);
	tcase_add_test(tc, test_mute_chat);
	tcase_add_test(tc, test_mute_voice);
	tcase_add_test(tc, test_chatgridctl_changes_reach_connections);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ag_main(users_suite());
}

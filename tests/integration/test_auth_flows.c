/*
 * test_auth_flows.c: the WebSocket authentication flows of reference §3.1
 * against the real chatgridd and PostgreSQL: the greeting and the gate,
 * auth_register, auth_login, auth_resume, auth_logout, cookie resume on the
 * handshake, persistence across reconnects and daemon restarts, and hostile
 * input (SQL injection, over-long values, wrong types, embedded NULs).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tworld.h"

/* Reference §4.2: the default "user" role, sorted. */
static const char *const user_perms[] = {
	"chat.send", "item.create", "item.delete.own", "item.edit.own",
	"item.pickup_drop.own", "item.transfer.own", "item.use", "profile.update_nickname",
	"voice.send",
};

static void
check_policy(json_object *o, int umin, int umax, int pmin, int pmax)
{
	json_object *pol;
	int64_t v[4];

	ck_assert_msg(json_object_object_get_ex(o, "authPolicy", &pol), "no authPolicy: %s",
	    json_object_to_json_string(o));
	ck_assert_msg(tc_json_int(pol, "usernameMinLength", &v[0]) == 0 &&
	    tc_json_int(pol, "usernameMaxLength", &v[1]) == 0 &&
	    tc_json_int(pol, "passwordMinLength", &v[2]) == 0 &&
	    tc_json_int(pol, "passwordMaxLength", &v[3]) == 0, "authPolicy incomplete: %s",
	    json_object_to_json_string(pol));
	ck_assert_msg(v[0] == umin && v[1] == umax && v[2] == pmin && v[3] == pmax,
	    "authPolicy %s, want %d/%d/%d/%d", json_object_to_json_string(pol), umin, umax, pmin,
	    pmax);
	ck_assert_int_eq(json_object_object_length(pol), 4);
}

static void
send_raw(struct tc_conn *c, const char *text)
{
	ck_assert_msg(tc_ws_send_text(c, text) == TC_OK, "sending %.80s: %s", text, tc_error(c));
}

/* The next message must be {"type":"error","code":"bad_field"} naming field. */
static void
expect_bad_field(struct tc_conn *c, const char *field)
{
	json_object *o = ta_ws_error(c, "bad_field");

	ck_assert_msg(strstr(tc_json_str(o, "message"), field) != NULL,
	    "bad_field message does not name %s: %s", field, json_object_to_json_string(o));
	json_object_put(o);
}

/* ---- the greeting and the gate ---- */

START_TEST(test_auth_required_policy)
{
	struct td *d = ag_start(NULL, 0);
	struct tc_conn *c = ag_ws_raw(d, NULL);
	json_object *o = ag_next(c);

	ck_assert_str_eq(tc_json_str(o, "type"), "auth_required");
	ck_assert_str_eq(tc_json_str(o, "message"), AG_MSG_REQUIRED);
	check_policy(o, 2, 32, 8, 128);
	json_object_put(o);
	tc_close(c);
	it_stop(d);

	/* The policy follows the configuration; a max below the min is raised to it. */
	d = ag_start("username_min_length 3\nusername_max_length 20\n"
	    "password_min_length 10\npassword_max_length 5\n", 0);
	c = ag_ws_raw(d, NULL);
	o = ag_next(c);
	ck_assert_str_eq(tc_json_str(o, "type"), "auth_required");
	check_policy(o, 3, 20, 10, 10);
	json_object_put(o);
	/* ... and it is what registration enforces. */
	ag_expect_fail(ag_register(c, "ab", "0123456789", NULL),
	    "Username must be between 3 and 20 characters.");
	ag_expect_fail(ag_register(c, "abc", "012345678", NULL),
	    "Password must be between 10 and 10 characters.");
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_gate_before_auth)
{
	struct td *d = ag_start(NULL, 0);
	struct tc_conn *c = ag_ws(d);
	char user[33];
	json_object *o;

	send_raw(c, "{\"type\":\"ping\",\"clientSentAt\":7}");
	o = ag_result(c);
	ag_expect(o, 0, AG_MSG_GATE);
	json_object_put(o);
	tw_none(c, 500, "pong", NULL, NULL);
	/* The connection stays usable: authenticate, then ping works. */
	ag_uname(user, "gate");
	o = ag_register(c, user, AG_PASSWORD, NULL);
	free(ag_expect_ok(o, user));
	json_object_put(o);
	ta_ws_ping(c, 8);
	tc_close(c);
	it_stop(d);
}
END_TEST

/* ---- auth_register ---- */

START_TEST(test_register_ok)
{
	struct td *d = ag_start(NULL, 0);
	struct tc_conn *c = ag_ws(d);
	char user[33], upper[33], sent[48];
	json_object *o, *a;
	char *tok, *cnt;
	size_t i, n;

	ag_uname(user, "alice");
	ag_upper(upper, sizeof upper, user);
	/* "  Alice_1 " is stored and answered as "alice_1". */
	snprintf(sent, sizeof sent, "  %c%s ", upper[0], user + 1);
	o = ag_register(c, sent, AG_PASSWORD, NULL);
	tok = ag_expect_ok(o, user);
	ck_assert_str_eq(tc_json_str(o, "role"), "user");
	ck_assert_str_eq(tc_json_str(o, "nickname"), user);
	check_policy(o, 2, 32, 8, 128);
	ck_assert(json_object_object_get_ex(o, "permissions", &a));
	n = json_object_array_length(a);
	ck_assert_msg(n == sizeof user_perms / sizeof user_perms[0], "permissions %s",
	    json_object_to_json_string(a));
	for (i = 0; i < n; i++) {
		const char *p = json_object_get_string(json_object_array_get_idx(a, i));

		ck_assert_msg(p != NULL && strcmp(p, user_perms[i]) == 0,
		    "permissions not the sorted user role: %s", json_object_to_json_string(a));
	}
	ck_assert(json_object_object_get_ex(o, "adminMenuActions", &a));
	ck_assert_int_eq(json_object_array_length(a), 0);
	json_object_put(o);

	/* The row: the normalised name, role user, active, no email. */
	cnt = ag_sql_value("SELECT count(*) FROM accounts a JOIN roles r ON r.id = a.role_id "
	    "WHERE a.username = '%s' AND r.name = 'user' AND a.status = 'active' "
	    "AND a.email IS NULL", user);
	ck_assert_str_eq(cnt, "1");
	free(cnt);
	/* Only the HMAC of the token is stored. */
	cnt = ag_sql_value("SELECT count(*) FROM sessions WHERE token_hash = '%s' OR "
	    "token_hash LIKE '%%%s%%'", tok, tok);
	ck_assert_str_eq(cnt, "0");
	free(cnt);
	free(tok);
	ta_ws_ping(c, 1);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_register_username_length)
{
	struct td *d = ag_start(NULL, 0);
	struct tc_conn *c = ag_ws(d);
	char long33[80], ok32[80], tag[33];

	ag_uname(tag, "len");
	ag_expect_fail(ag_register(c, "a", AG_PASSWORD, NULL), AG_MSG_USER_LEN);
	/* Trimmed before counting. */
	ag_expect_fail(ag_register(c, "   b   ", AG_PASSWORD, NULL), AG_MSG_USER_LEN);
	snprintf(long33, sizeof long33, "%s_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", tag);
	long33[33] = '\0';
	ag_expect_fail(ag_register(c, long33, AG_PASSWORD, NULL), AG_MSG_USER_LEN);
	/* 32 is allowed. */
	snprintf(ok32, sizeof ok32, "%s", long33);
	ok32[32] = '\0';
	{
		json_object *o = ag_register(c, ok32, AG_PASSWORD, NULL);

		free(ag_expect_ok(o, ok32));
		json_object_put(o);
	}
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_register_username_chars)
{
	struct td *d = ag_start(NULL, 0);
	struct tc_conn *c = ag_ws(d);
	static const char *const bad[] = {
		"bad name", "bad.name", "bad@name", "bad/name", "b\xc3\xa4" "d", "bad\tname",
		"<script>", "bad+name",
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ag_expect_fail(ag_register(c, bad[i], AG_PASSWORD, NULL), AG_MSG_USER_CHARS);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_register_password_length)
{
	struct td *d = ag_start(NULL, 0);
	struct tc_conn *c = ag_ws(d);
	char user[33], p129[130], p128[129], e7[32], e8[48];
	json_object *o;
	char *t;

	ag_uname(user, "pwlen");
	ag_expect_fail(ag_register(c, user, "1234567", NULL), AG_MSG_PASS_LEN);
	memset(p129, 'p', 129);
	p129[129] = '\0';
	ag_expect_fail(ag_register(c, user, p129, NULL), AG_MSG_PASS_LEN);
	/* Characters, not bytes: seven two-byte letters are too short. */
	snprintf(e7, sizeof e7, "%s", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
	ag_expect_fail(ag_register(c, user, e7, NULL), AG_MSG_PASS_LEN);
	/* The boundaries are accepted: 128 characters, and eight two-byte letters. */
	memset(p128, 'p', 128);
	p128[128] = '\0';
	o = ag_register(c, user, p128, NULL);
	free(ag_expect_ok(o, user));
	json_object_put(o);
	tc_close(c);

	c = ag_ws(d);
	ag_uname(user, "pwlen8");
	snprintf(e8, sizeof e8, "%s\xc3\xa9", e7);
	o = ag_register(c, user, e8, NULL);
	free(ag_expect_ok(o, user));
	json_object_put(o);
	tc_close(c);
	/* ... and that password logs in. */
	c = ag_ws(d);
	o = ag_login(c, user, e8);
	t = ag_expect_ok(o, user);
	free(t);
	json_object_put(o);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_register_duplicate_username)
{
	struct td *d = ag_start(NULL, 0);
	char user[33], upper[33], sp[40];
	struct tc_conn *c;

	ag_uname(user, "dupe");
	free(ag_new_account(d, user));
	c = ag_ws(d);
	ag_upper(upper, sizeof upper, user);
	ag_expect_fail(ag_register(c, upper, AG_PASSWORD, NULL), AG_MSG_TAKEN);
	snprintf(sp, sizeof sp, " %s  ", user);
	ag_expect_fail(ag_register(c, sp, "another password", NULL), AG_MSG_TAKEN);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_register_duplicate_email)
{
	struct td *d = ag_start(NULL, 0);
	char u1[33], u2[33], e1[80], e2[80];
	struct tc_conn *c;
	json_object *o;
	char *v;

	ag_uname(u1, "mail");
	ag_uname(u2, "mail");
	snprintf(e1, sizeof e1, "Mail_%s@Example.com", u1);
	snprintf(e2, sizeof e2, "  mail_%s@EXAMPLE.COM ", u1);
	c = ag_ws(d);
	o = ag_register(c, u1, AG_PASSWORD, e1);
	free(ag_expect_ok(o, u1));
	json_object_put(o);
	tc_close(c);
	/* Trimmed and lowercased when stored. */
	v = ag_sql_value("SELECT email FROM accounts WHERE username = '%s'", u1);
	ck_assert_ptr_nonnull(v);
	ck_assert_msg(strncmp(v, "mail_", 5) == 0 && strstr(v, "@example.com") != NULL &&
	    strchr(v, ' ') == NULL, "stored email \"%s\"", v);
	free(v);

	c = ag_ws(d);
	ag_expect_fail(ag_register(c, u2, AG_PASSWORD, e2), AG_MSG_EMAIL_TAKEN);
	/* The failed registration left nothing behind. */
	v = ag_sql_value("SELECT count(*) FROM accounts WHERE username = '%s'", u2);
	ck_assert_str_eq(v, "0");
	free(v);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_register_blank_email)
{
	struct td *d = ag_start(NULL, 0);
	char u[4][33];
	const char *emails[] = { "", "", "   ", NULL };
	struct tc_conn *c;
	json_object *o;
	char *v;
	int i;

	for (i = 0; i < 4; i++) {
		ag_uname(u[i], "blank");
		c = ag_ws(d);
		if (i < 3)
			o = ag_register(c, u[i], AG_PASSWORD, emails[i]);
		else {
			char *m;

			ck_assert(asprintf(&m, "{\"type\":\"auth_register\",\"username\":\"%s\","
			    "\"password\":\"%s\",\"email\":null}", u[i], AG_PASSWORD) > 0);
			send_raw(c, m);
			free(m);
			o = ag_result(c);
		}
		free(ag_expect_ok(o, u[i]));
		json_object_put(o);
		tc_close(c);
	}
	v = ag_sql_value("SELECT count(*) FROM accounts WHERE username IN ('%s','%s','%s','%s') "
	    "AND email IS NULL", u[0], u[1], u[2], u[3]);
	ck_assert_str_eq(v, "4");
	free(v);
	it_stop(d);
}
END_TEST

START_TEST(test_already_authenticated)
{
	struct td *d = ag_start(NULL, 0);
	struct tc_conn *c = ag_ws(d);
	char user[33], other[33];
	json_object *o;
	char *tok;

	ag_uname(user, "already");
	ag_uname(other, "already");
	o = ag_register(c, user, AG_PASSWORD, NULL);
	tok = ag_expect_ok(o, user);
	json_object_put(o);
	o = ag_login(c, user, AG_PASSWORD);
	ag_expect(o, 0, AG_MSG_ALREADY);
	check_policy(o, 2, 32, 8, 128);
	json_object_put(o);
	ag_expect_fail(ag_register(c, other, AG_PASSWORD, NULL), AG_MSG_ALREADY);
	ag_expect_fail(ag_resume(c, tok), AG_MSG_ALREADY);
	/* The second registration did not happen. */
	free(tok);
	tok = ag_sql_value("SELECT count(*) FROM accounts WHERE username = '%s'", other);
	ck_assert_str_eq(tok, "0");
	free(tok);
	/* Still authenticated as the first account. */
	ta_ws_ping(c, 3);
	tc_close(c);
	it_stop(d);
}
END_TEST

/* ---- auth_login ---- */

START_TEST(test_login_ok)
{
	struct td *d = ag_start(NULL, 0);
	char user[33];
	struct tc_conn *c;
	json_object *o;
	char *t1, *t2, *v;

	ag_uname(user, "login");
	t1 = ag_new_account(d, user);
	/* Reference §3.3: with no stored nickname, login stores the username. */
	ag_sql("DELETE FROM account_state WHERE account_id = "
	    "(SELECT id FROM accounts WHERE username = '%s')", user);
	c = ag_ws(d);
	o = ag_login(c, user, AG_PASSWORD);
	t2 = ag_expect_ok(o, user);
	ck_assert_str_eq(tc_json_str(o, "role"), "user");
	ck_assert_str_eq(tc_json_str(o, "nickname"), user);
	json_object_put(o);
	ck_assert_msg(strcmp(t1, t2) != 0, "login returned the registration's token");
	ta_ws_ping(c, 11);
	tc_close(c);
	/* Two sessions now, both valid; the login set last_login_at. */
	v = ag_sql_value("SELECT count(*) FROM sessions s JOIN accounts a ON a.id = s.account_id "
	    "WHERE a.username = '%s' AND s.revoked_at IS NULL AND s.expires_at > now()", user);
	ck_assert_str_eq(v, "2");
	free(v);
	v = ag_sql_value("SELECT last_login_at IS NOT NULL FROM accounts WHERE username = '%s'",
	    user);
	ck_assert_str_eq(v, "t");
	free(v);
	v = ag_sql_value("SELECT st.last_nickname FROM account_state st JOIN accounts a "
	    "ON a.id = st.account_id WHERE a.username = '%s'", user);
	ck_assert_msg(v != NULL && strcmp(v, user) == 0, "stored nickname after login: %s",
	    v != NULL ? v : "(none)");
	free(v);
	c = ag_ws(d);
	o = ag_resume(c, t1);
	free(ag_expect_ok(o, user));
	json_object_put(o);
	tc_close(c);
	free(t1);
	free(t2);
	it_stop(d);
}
END_TEST

START_TEST(test_login_mixed_case)
{
	struct td *d = ag_start(NULL, 0);
	char user[33], upper[33], sent[48];
	struct tc_conn *c;
	json_object *o;

	ag_uname(user, "mixed");
	free(ag_new_account(d, user));
	ag_upper(upper, sizeof upper, user);
	snprintf(sent, sizeof sent, "   %s\t ", upper);
	c = ag_ws(d);
	o = ag_login(c, sent, AG_PASSWORD);
	free(ag_expect_ok(o, user));
	json_object_put(o);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_login_wrong)
{
	struct td *d = ag_start(NULL, 0);
	char user[33], nobody[33];
	struct tc_conn *c;

	ag_uname(user, "wrong");
	ag_uname(nobody, "nobody");
	free(ag_new_account(d, user));
	c = ag_ws(d);
	ag_expect_fail(ag_login(c, user, "not the password"), AG_MSG_INVALID_LOGIN);
	/* Same words for an account that does not exist. */
	ag_expect_fail(ag_login(c, nobody, AG_PASSWORD), AG_MSG_INVALID_LOGIN);
	/* A password differing only in case is wrong. */
	ag_expect_fail(ag_login(c, user, "CORRECT HORSE 1"), AG_MSG_INVALID_LOGIN);
	/* Still unauthenticated. */
	send_raw(c, "{\"type\":\"ping\",\"clientSentAt\":1}");
	ag_expect_fail(ag_result(c), AG_MSG_GATE);
	/* The right password still works on the same connection. */
	{
		json_object *o = ag_login(c, user, AG_PASSWORD);

		free(ag_expect_ok(o, user));
		json_object_put(o);
	}
	ta_ws_ping(c, 2);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_login_disabled)
{
	struct td *d = ag_start(NULL, 0);
	char user[33];
	struct tc_conn *c;
	json_object *o;
	char *tok;

	ag_uname(user, "banned");
	tok = ag_new_account(d, user);
	ag_sql("UPDATE accounts SET status = 'disabled' WHERE username = '%s'", user);
	c = ag_ws(d);
	/* A wrong guess learns nothing about the account's status. */
	ag_expect_fail(ag_login(c, user, "not the password"), AG_MSG_INVALID_LOGIN);
	ag_expect_fail(ag_login(c, user, AG_PASSWORD), AG_MSG_DISABLED);
	/* Its session does not resume either. */
	ag_expect_fail(ag_resume(c, tok), AG_MSG_DISABLED);
	tc_close(c);
	/* Unbanned: the login and the old session work again. */
	ag_sql("UPDATE accounts SET status = 'active' WHERE username = '%s'", user);
	c = ag_ws(d);
	o = ag_resume(c, tok);
	free(ag_expect_ok(o, user));
	json_object_put(o);
	tc_close(c);
	c = ag_ws(d);
	o = ag_login(c, user, AG_PASSWORD);
	free(ag_expect_ok(o, user));
	json_object_put(o);
	tc_close(c);
	free(tok);
	it_stop(d);
}
END_TEST

/*
 * Two connections of one account at once (reference §3.3: allowed, "no
 * single-login rule"). Whatever happens to the older connection, the daemon
 * must survive and the newer one must work.
 */
START_TEST(test_same_account_twice)
{
	struct td *d = ag_start(NULL, 0);
	char user[33];
	struct tc_conn *a, *b, *c;
	json_object *o;
	char *tok;
	int round;

	ag_uname(user, "twice");
	a = ag_ws(d);
	o = ag_register(a, user, AG_PASSWORD, NULL);
	tok = ag_expect_ok(o, user);
	json_object_put(o);
	ta_ws_ping(a, 1);
	for (round = 0; round < 3; round++) {
		b = ag_ws(d);
		o = round == 1 ? ag_resume(b, tok) : ag_login(b, user, AG_PASSWORD);
		free(ag_expect_ok(o, user));
		json_object_put(o);
		ck_assert_msg(td_alive(d), "chatgridd died when %s logged in a second time%s", user,
		    td_health());
		ta_ws_ping(b, 2);
		/* A new connection is still accepted. */
		c = ag_ws(d);
		tc_close(c);
		tc_close(a);
		a = b;
	}
	tc_close(a);
	free(tok);
	it_stop(d);
}
END_TEST

/* ---- auth_resume ---- */

START_TEST(test_resume_ok)
{
	struct td *d = ag_start(NULL, 0);
	char user[33];
	struct tc_conn *c;
	json_object *o;
	char *tok, *t2;
	char padded[80];

	ag_uname(user, "resume");
	tok = ag_new_account(d, user);
	c = ag_ws(d);
	o = ag_resume(c, tok);
	t2 = ag_expect_ok(o, user);
	ck_assert_str_eq(t2, tok);
	ck_assert_str_eq(tc_json_str(o, "role"), "user");
	json_object_put(o);
	free(t2);
	ta_ws_ping(c, 5);
	tc_close(c);
	/* The token is trimmed. */
	snprintf(padded, sizeof padded, "  %s \t", tok);
	c = ag_ws(d);
	o = ag_resume(c, padded);
	t2 = ag_expect_ok(o, user);
	ck_assert_str_eq(t2, tok);
	json_object_put(o);
	free(t2);
	tc_close(c);
	free(tok);
	it_stop(d);
}
END_TEST

START_TEST(test_resume_missing_invalid)
{
	struct td *d = ag_start(NULL, 0);
	struct tc_conn *c = ag_ws(d);
	char tok[65];
	json_object *o;

	o = ag_resume(c, "   ");
	ag_expect(o, 0, AG_MSG_MISSING_TOKEN);
	ag_assert_has_word(tc_json_str(o, "message"), "session");
	json_object_put(o);
	ag_random_token(tok);
	o = ag_resume(c, tok);
	ag_expect(o, 0, AG_MSG_INVALID_SESSION);
	ag_assert_has_word(tc_json_str(o, "message"), "session");
	json_object_put(o);
	/* A token of another shape is just as unknown. */
	ag_expect_fail(ag_resume(c, "x"), AG_MSG_INVALID_SESSION);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_resume_revoked)
{
	struct td *d = ag_start(NULL, 0);
	char user[33];
	struct tc_conn *c;
	json_object *o;
	char *tok;

	ag_uname(user, "revoked");
	c = ag_ws(d);
	o = ag_register(c, user, AG_PASSWORD, NULL);
	tok = ag_expect_ok(o, user);
	json_object_put(o);
	ag_send(c, ag_msg("auth_logout", NULL));
	o = ag_result(c);
	ag_expect(o, 1, AG_MSG_LOGGED_OUT);
	json_object_put(o);
	tc_close(c);
	c = ag_ws(d);
	o = ag_resume(c, tok);
	ag_expect(o, 0, AG_MSG_REVOKED);
	ag_assert_has_word(tc_json_str(o, "message"), "session");
	json_object_put(o);
	tc_close(c);
	free(tok);
	it_stop(d);
}
END_TEST

START_TEST(test_resume_expired)
{
	struct td *d = ag_start("session_lifetime_s 60\n", 0);
	char user[33];
	struct tc_conn *c;
	json_object *o;
	char *tok, *v;

	ag_uname(user, "expired");
	tok = ag_new_account(d, user);
	/* session_lifetime_s sets the expiry. */
	v = ag_sql_value("SELECT s.expires_at BETWEEN now() + interval '40 seconds' AND "
	    "now() + interval '61 seconds' FROM sessions s JOIN accounts a ON a.id = s.account_id "
	    "WHERE a.username = '%s'", user);
	ck_assert_msg(v != NULL && strcmp(v, "t") == 0, "expires_at is not about now + 60 s");
	free(v);
	ag_sql("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE account_id = "
	    "(SELECT id FROM accounts WHERE username = '%s')", user);
	c = ag_ws(d);
	o = ag_resume(c, tok);
	ag_expect(o, 0, AG_MSG_EXPIRED);
	ag_assert_has_word(tc_json_str(o, "message"), "session");
	json_object_put(o);
	/*
	 * Reference §3.3: an expired session is marked revoked. The same
	 * statement reads and marks it, but its commit may become visible to
	 * this other connection a moment after the daemon has the answer.
	 */
	v = ag_sql_wait("t", "SELECT s.revoked_at IS NOT NULL FROM sessions s JOIN accounts a "
	    "ON a.id = s.account_id WHERE a.username = '%s'", user);
	ck_assert_msg(v != NULL && strcmp(v, "t") == 0, "expired session not marked revoked");
	free(v);
	/* A password login still works and its session lasts 60 s again. */
	o = ag_login(c, user, AG_PASSWORD);
	free(ag_expect_ok(o, user));
	json_object_put(o);
	tc_close(c);
	free(tok);
	it_stop(d);
}
END_TEST

START_TEST(test_resume_rolls_expiry)
{
	struct td *d = ag_start(NULL, 0);
	char user[33];
	struct tc_conn *c;
	json_object *o;
	char *tok, *v;

	ag_uname(user, "rolling");
	tok = ag_new_account(d, user);
	ag_sql("UPDATE sessions SET expires_at = now() + interval '1 hour', "
	    "last_seen_at = now() - interval '1 day' WHERE account_id = "
	    "(SELECT id FROM accounts WHERE username = '%s')", user);
	c = ag_ws(d);
	o = ag_resume(c, tok);
	free(ag_expect_ok(o, user));
	json_object_put(o);
	tc_close(c);
	v = ag_sql_value("SELECT s.expires_at > now() + interval '13 days' AND "
	    "s.last_seen_at > now() - interval '1 minute' FROM sessions s JOIN accounts a "
	    "ON a.id = s.account_id WHERE a.username = '%s'", user);
	ck_assert_msg(v != NULL && strcmp(v, "t") == 0,
	    "auth_resume did not move expires_at to now + 14 days and last_seen_at to now");
	free(v);
	free(tok);
	it_stop(d);
}
END_TEST

/* ---- auth_logout ---- */

START_TEST(test_logout)
{
	struct td *d = ag_start(NULL, 0);
	char user[33];
	struct tc_conn *c;
	json_object *o;
	char *tok, *v;
	int code;

	ag_uname(user, "logout");
	c = ag_ws(d);
	o = ag_register(c, user, AG_PASSWORD, NULL);
	tok = ag_expect_ok(o, user);
	json_object_put(o);
	ag_send(c, ag_msg("auth_logout", NULL));
	o = ag_result(c);
	ag_expect(o, 1, AG_MSG_LOGGED_OUT);
	check_policy(o, 2, 32, 8, 128);
	json_object_put(o);
	ck_assert_msg(tc_ws_expect_close(c, td_ms(5000), &code) == TC_OK,
	    "no close frame after Logged out.: %s", tc_error(c));
	ck_assert_int_eq(code, 1000);
	tc_close(c);
	/* Its commit may be seen by this other connection a moment after the answer. */
	v = ag_sql_wait("t", "SELECT s.revoked_at IS NOT NULL FROM sessions s JOIN accounts a "
	    "ON a.id = s.account_id WHERE a.username = '%s'", user);
	ck_assert_msg(v != NULL && strcmp(v, "t") == 0, "session not revoked in the database");
	free(v);
	c = ag_ws(d);
	ag_expect_fail(ag_resume(c, tok), AG_MSG_REVOKED);
	tc_close(c);
	free(tok);
	it_stop(d);
}
END_TEST

START_TEST(test_logout_before_auth)
{
	struct td *d = ag_start(NULL, 0);
	struct tc_conn *c = ag_ws(d);
	json_object *o;
	int code;

	ag_send(c, ag_msg("auth_logout", NULL));
	o = ag_result(c);
	ag_expect(o, 1, AG_MSG_LOGGED_OUT);
	json_object_put(o);
	ck_assert_msg(tc_ws_expect_close(c, td_ms(5000), &code) == TC_OK,
	    "no close frame after Logged out.: %s", tc_error(c));
	ck_assert_int_eq(code, 1000);
	tc_close(c);
	it_stop(d);
}
END_TEST

/* ---- cookie resume on the handshake ---- */

START_TEST(test_cookie_resume)
{
	struct td *d = ag_start(NULL, 0);
	char user[33], hdr[256];
	struct tc_conn *c;
	json_object *o;
	char *tok;

	ag_uname(user, "cookie");
	tok = ag_new_account(d, user);
	snprintf(hdr, sizeof hdr, "Cookie: foo=bar; chgrid_session_token=%s; x=y\r\n", tok);
	c = ag_ws_raw(d, hdr);
	/* The first message is the result: no auth_required before it. */
	o = ag_next(c);
	ck_assert_msg(strcmp(tc_json_str(o, "type"), "auth_result") == 0,
	    "first message after a cookie handshake: %s", json_object_to_json_string(o));
	/* Never the token: the HttpOnly cookie hides it from page script (issue 13). */
	ag_expect_cookie_ok(o, user);
	json_object_put(o);
	tw_none(c, 300, "auth_required", NULL, NULL);
	ta_ws_ping(c, 9);
	tc_close(c);

	/* Reference §3.8 parsing: spaces around the pair, first match wins. */
	snprintf(hdr, sizeof hdr, "Cookie: chgrid_session_token = %s ;chgrid_session_token=junk\r\n",
	    tok);
	c = ag_ws_raw(d, hdr);
	o = ag_next(c);
	ag_expect_cookie_ok(o, user);
	json_object_put(o);
	tc_close(c);
	free(tok);
	it_stop(d);
}
END_TEST

START_TEST(test_cookie_bad)
{
	struct td *d = ag_start(NULL, 0);
	char tok[65], hdr[256];
	struct tc_conn *c;
	json_object *o;

	ag_random_token(tok);
	snprintf(hdr, sizeof hdr, "Cookie: a=b; chgrid_session_token=%s\r\n", tok);
	c = ag_ws_raw(d, hdr);
	o = ag_next(c);
	ck_assert_str_eq(tc_json_str(o, "type"), "auth_result");
	ag_expect(o, 0, AG_MSG_INVALID_SESSION);
	ag_assert_has_word(tc_json_str(o, "message"), "session");
	json_object_put(o);
	o = ag_next(c);
	ck_assert_msg(strcmp(tc_json_str(o, "type"), "auth_required") == 0,
	    "after a failed cookie resume: %s", json_object_to_json_string(o));
	ck_assert_str_eq(tc_json_str(o, "message"), AG_MSG_REQUIRED);
	json_object_put(o);
	tc_close(c);

	/* A cookie of another name is no session cookie: plain auth_required. */
	snprintf(hdr, sizeof hdr, "Cookie: chgrid_session_tokenx=%s\r\n", tok);
	c = ag_ws_raw(d, hdr);
	o = ag_next(c);
	ck_assert_str_eq(tc_json_str(o, "type"), "auth_required");
	json_object_put(o);
	tc_close(c);
	it_stop(d);
}
END_TEST

/*
 * While an authentication runs, the connection's later messages wait
 * (reference §1.4: each frame is fully handled before the next), so a ping
 * pipelined behind auth_register is answered after the auth_result, as an
 * authenticated ping.
 */
START_TEST(test_pipelined_order)
{
	struct td *d = ag_start(NULL, 0);
	struct tc_conn *c = ag_ws(d);
	char user[33], *m;
	json_object *o;
	int64_t v;

	ag_uname(user, "pipe");
	ck_assert(asprintf(&m, "{\"type\":\"auth_register\",\"username\":\"%s\",\"password\":\"%s\"}",
	    user, AG_PASSWORD) > 0);
	send_raw(c, m);
	free(m);
	send_raw(c, "{\"type\":\"ping\",\"clientSentAt\":31}");
	send_raw(c, "{\"type\":\"auth_login\",\"username\":\"x\",\"password\":\"yyyyyyyy\"}");
	/* auth_result first, then the pong, then "Already authenticated.". */
	for (;;) {
		o = ag_next(c);
		if (strcmp(tc_json_str(o, "type"), "auth_result") == 0 ||
		    strcmp(tc_json_str(o, "type"), "pong") == 0)
			break;
		json_object_put(o);
	}
	ck_assert_msg(strcmp(tc_json_str(o, "type"), "auth_result") == 0,
	    "the pipelined ping was answered before the registration: %s",
	    json_object_to_json_string(o));
	free(ag_expect_ok(o, user));
	json_object_put(o);
	o = tc_ws_expect(c, "pong", td_ms(5000));
	ck_assert_msg(o != NULL, "no pong for the pipelined ping: %s", tc_error(c));
	ck_assert(tc_json_int(o, "clientSentAt", &v) == 0 && v == 31);
	json_object_put(o);
	ag_expect_fail(ag_result(c), AG_MSG_ALREADY);
	tc_close(c);

	/* The same behind a cookie resume that starts at the handshake. */
	{
		char hdr[160], *tok;

		ag_uname(user, "pipe");
		tok = ag_new_account(d, user);
		snprintf(hdr, sizeof hdr, "Cookie: chgrid_session_token=%s\r\n", tok);
		c = ag_ws_raw(d, hdr);
		send_raw(c, "{\"type\":\"ping\",\"clientSentAt\":32}");
		o = ag_next(c);
		ck_assert_msg(strcmp(tc_json_str(o, "type"), "auth_result") == 0,
		    "first message after a cookie handshake and a ping: %s",
		    json_object_to_json_string(o));
		ag_expect_cookie_ok(o, user);
		json_object_put(o);
		o = tc_ws_expect(c, "pong", td_ms(5000));
		ck_assert_msg(o != NULL, "ping sent during the cookie resume: %s", tc_error(c));
		json_object_put(o);
		tc_close(c);
		free(tok);
	}
	it_stop(d);
}
END_TEST

/* The "done when": register, disconnect, come back with only the cookie. */
START_TEST(test_persistence)
{
	struct td *d = ag_start(NULL, 0);
	char user[33], hdr[160];
	struct tc_conn *c;
	json_object *o;
	char *tok;

	ag_uname(user, "persist");
	tok = ag_new_account(d, user);
	snprintf(hdr, sizeof hdr, "Cookie: chgrid_session_token=%s\r\n", tok);
	c = ag_ws_raw(d, hdr);
	o = ag_next(c);
	ag_expect_cookie_ok(o, user);
	json_object_put(o);
	tc_close(c);

	/* The session and the HMAC key outlive the daemon. */
	it_stop(d);
	d = ag_start(NULL, 0);
	c = ag_ws_raw(d, hdr);
	o = ag_next(c);
	ck_assert_str_eq(tc_json_str(o, "type"), "auth_result");
	ag_expect_cookie_ok(o, user);
	json_object_put(o);
	ta_ws_ping(c, 77);
	tc_close(c);
	/* So does the password. */
	c = ag_ws(d);
	o = ag_login(c, user, AG_PASSWORD);
	free(ag_expect_ok(o, user));
	json_object_put(o);
	tc_close(c);
	free(tok);
	it_stop(d);
}
END_TEST

/* ---- hostile input ---- */

START_TEST(test_hostile_sql)
{
	static const char *const inj[] = {
		"' OR 1=1 --", "\"; DROP TABLE accounts; --", "x'); DROP TABLE sessions; --",
		"admin'--", "' UNION SELECT token_hash FROM sessions --",
	};
	struct td *d = ag_start(NULL, 0);
	char user[33], email[80];
	struct tc_conn *c = ag_ws(d);
	json_object *o;
	size_t i;
	char *v, *before;

	ag_uname(user, "victim");
	free(ag_new_account(d, user));
	before = ag_sql_value("SELECT count(*) FROM accounts");
	for (i = 0; i < sizeof inj / sizeof inj[0]; i++) {
		/* Refused by the policy (length or characters), before any SQL. */
		o = ag_register(c, inj[i], AG_PASSWORD, NULL);
		ag_expect(o, 0, strlen(inj[i]) > 32 ? AG_MSG_USER_LEN : AG_MSG_USER_CHARS);
		json_object_put(o);
		ag_expect_fail(ag_login(c, inj[i], AG_PASSWORD), AG_MSG_INVALID_LOGIN);
		ag_expect_fail(ag_login(c, inj[i], inj[i]), AG_MSG_INVALID_LOGIN);
		/* A known user with an injected password. */
		ag_expect_fail(ag_login(c, user, inj[i]), AG_MSG_INVALID_LOGIN);
		ag_expect_fail(ag_resume(c, inj[i]), AG_MSG_INVALID_SESSION);
	}
	tc_close(c);
	v = ag_sql_value("SELECT count(*) FROM accounts");
	ck_assert_str_eq(v, before);
	free(v);
	free(before);
	/* An injected email is only text: stored literally or refused, never run. */
	for (i = 0; i < 2; i++) {
		char u[33];

		ag_uname(u, "inj");
		c = ag_ws(d);
		o = ag_register(c, u, AG_PASSWORD, inj[i]);
		if (json_object_get_boolean(json_object_object_get(o, "ok"))) {
			snprintf(email, sizeof email, "%s", inj[i]);
			v = ag_sql_value("SELECT email FROM accounts WHERE username = '%s'", u);
			ck_assert_msg(v != NULL && strcasecmp(v, email) == 0,
			    "stored email \"%s\", sent \"%s\"", v ? v : "(null)", email);
			free(v);
		}
		json_object_put(o);
		tc_close(c);
	}
	v = ag_sql_value("SELECT to_regclass('public.accounts') IS NOT NULL AND "
	    "to_regclass('public.sessions') IS NOT NULL");
	ck_assert_str_eq(v, "t");
	free(v);
	/* The victim is untouched and still logs in. */
	c = ag_ws(d);
	o = ag_login(c, user, AG_PASSWORD);
	free(ag_expect_ok(o, user));
	json_object_put(o);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_hostile_long)
{
	struct td *d = ag_start(NULL, 0);
	struct tc_conn *c = ag_ws(d);
	char u128[129], u129[130], p256[257], p257[258], e320[321], e321[322], t512[513],
	    t513[514], user[33];
	json_object *o;

	memset(u129, 'u', 129);
	u129[129] = '\0';
	memcpy(u128, u129, 128);
	u128[128] = '\0';
	memset(p257, 'p', 257);
	p257[257] = '\0';
	memcpy(p256, p257, 256);
	p256[256] = '\0';
	memset(e321, 'e', 321);
	e321[321] = '\0';
	memcpy(e320, e321, 320);
	e320[320] = '\0';
	memset(t513, 't', 513);
	t513[513] = '\0';
	memcpy(t512, t513, 512);
	t512[512] = '\0';
	ag_uname(user, "long");

	ag_send(c, ag_msg("auth_register", "username", u129, "password", AG_PASSWORD, NULL));
	expect_bad_field(c, "username");
	ag_send(c, ag_msg("auth_login", "username", u129, "password", AG_PASSWORD, NULL));
	expect_bad_field(c, "username");
	ag_send(c, ag_msg("auth_register", "username", user, "password", p257, NULL));
	expect_bad_field(c, "password");
	ag_send(c, ag_msg("auth_login", "username", user, "password", p257, NULL));
	expect_bad_field(c, "password");
	ag_send(c, ag_msg("auth_register", "username", user, "password", AG_PASSWORD,
	    "email", e321, NULL));
	expect_bad_field(c, "email");
	ag_send(c, ag_msg("auth_resume", "sessionToken", t513, NULL));
	expect_bad_field(c, "sessionToken");
	/* Limits count characters: 129 two-byte letters are too many, 128 are not. */
	{
		char w[2 * 129 + 1];
		int i;

		for (i = 0; i < 129; i++)
			memcpy(w + 2 * i, "\xc3\xa9", 2);
		w[2 * 129] = '\0';
		ag_send(c, ag_msg("auth_login", "username", w, "password", AG_PASSWORD, NULL));
		expect_bad_field(c, "username");
		w[2 * 128] = '\0';
		ag_expect_fail(ag_login(c, w, AG_PASSWORD), AG_MSG_INVALID_LOGIN);
	}
	/* At the limits the message is handled (and refused by the policy). */
	ag_expect_fail(ag_register(c, u128, AG_PASSWORD, NULL), AG_MSG_USER_LEN);
	ag_expect_fail(ag_login(c, u128, AG_PASSWORD), AG_MSG_INVALID_LOGIN);
	ag_expect_fail(ag_register(c, user, p256, NULL), AG_MSG_PASS_LEN);
	ag_expect_fail(ag_resume(c, t512), AG_MSG_INVALID_SESSION);
	o = ag_register(c, user, AG_PASSWORD, e320);
	free(ag_expect_ok(o, user));
	json_object_put(o);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_hostile_types)
{
	struct td *d = ag_start(NULL, 0);
	struct tc_conn *c = ag_ws(d);

	send_raw(c, "{\"type\":\"auth_login\",\"username\":123,\"password\":\"12345678\"}");
	expect_bad_field(c, "username");
	send_raw(c, "{\"type\":\"auth_register\",\"username\":[\"a\"],\"password\":\"12345678\"}");
	expect_bad_field(c, "username");
	send_raw(c, "{\"type\":\"auth_register\",\"username\":null,\"password\":\"12345678\"}");
	expect_bad_field(c, "username");
	send_raw(c, "{\"type\":\"auth_login\",\"username\":\"abc\"}");
	expect_bad_field(c, "password");
	send_raw(c, "{\"type\":\"auth_login\",\"username\":\"abc\",\"password\":true}");
	expect_bad_field(c, "password");
	send_raw(c, "{\"type\":\"auth_register\",\"username\":\"abc\",\"password\":\"12345678\","
	    "\"email\":{\"a\":1}}");
	expect_bad_field(c, "email");
	send_raw(c, "{\"type\":\"auth_resume\",\"sessionToken\":42}");
	expect_bad_field(c, "sessionToken");
	send_raw(c, "{\"type\":\"auth_resume\"}");
	expect_bad_field(c, "sessionToken");
	send_raw(c, "{\"type\":\"auth_resume\",\"sessionToken\":\"\"}");
	expect_bad_field(c, "sessionToken");
	send_raw(c, "{\"type\":\"auth_login\",\"username\":\"\",\"password\":\"12345678\"}");
	expect_bad_field(c, "username");
	/* None of that authenticated anyone, and the connection still works. */
	send_raw(c, "{\"type\":\"ping\",\"clientSentAt\":1}");
	ag_expect_fail(ag_result(c), AG_MSG_GATE);
	tc_close(c);
	it_stop(d);
}
END_TEST

/*
 * JSON strings may hold U+0000. A C string stops there, so a server that
 * reads fields with strlen would check and store only the part before it:
 * "name\u0000<junk>" would register "name", and a password would be
 * truncated. Reference §3.5 checks the whole value.
 */
START_TEST(test_hostile_nul_username)
{
	struct td *d = ag_start(NULL, 0);
	char user[33], *m, *v;
	struct tc_conn *c;
	json_object *o;

	ag_uname(user, "nul");
	c = ag_ws(d);
	ck_assert(asprintf(&m, "{\"type\":\"auth_register\",\"username\":\"%s\\u0000<b>x\","
	    "\"password\":\"%s\"}", user, AG_PASSWORD) > 0);
	send_raw(c, m);
	free(m);
	/* Refused before any handler runs: a C string would end at the NUL. */
	o = tc_ws_expect(c, "error", 3000);
	ck_assert_msg(o != NULL, "no error for a username with an embedded NUL");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(o, "code")), "bad_field");
	ck_assert(strstr(json_object_get_string(json_object_object_get(o, "message")), "username") != NULL);
	v = ag_sql_value("SELECT count(*) FROM accounts WHERE username = '%s'", user);
	ck_assert_msg(strcmp(v, "0") == 0,
	    "a username with an embedded NUL registered the account \"%s\"", user);
	free(v);
	json_object_put(o);
	tc_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_hostile_nul_password)
{
	struct td *d = ag_start(NULL, 0);
	char user[33], *m;
	struct tc_conn *c;
	json_object *o;

	/* A password with a NUL must not equal its prefix. */
	ag_uname(user, "nulpw");
	c = ag_ws(d);
	ck_assert(asprintf(&m, "{\"type\":\"auth_register\",\"username\":\"%s\","
	    "\"password\":\"abcdefgh\\u0000ijklmnop\"}", user) > 0);
	send_raw(c, m);
	free(m);
	o = tc_ws_expect(c, "error", 3000);
	ck_assert_msg(o != NULL, "no error for a password with an embedded NUL");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(o, "code")), "bad_field");
	json_object_put(o);
	tc_close(c);
	/* Whether or not it was accepted, the 8-byte prefix must not log in. */
	c = ag_ws(d);
	o = ag_login(c, user, "abcdefgh");
	ck_assert_msg(!json_object_get_boolean(json_object_object_get(o, "ok")),
	    "the password \"abcdefgh\\u0000ijklmnop\" was stored as \"abcdefgh\": %s",
	    json_object_to_json_string(o));
	json_object_put(o);
	tc_close(c);
	it_stop(d);
}
END_TEST

static Suite *
flows_suite(void)
{
	Suite *s = suite_create("auth-flows");
	TCase *tc = tcase_create("gate");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_auth_required_policy);
	tcase_add_test(tc, test_gate_before_auth);
	suite_add_tcase(s, tc);

	tc = tcase_create("register");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_register_ok);
	tcase_add_test(tc, test_register_username_length);
	tcase_add_test(tc, test_register_username_chars);
	tcase_add_test(tc, test_register_password_length);
	tcase_add_test(tc, test_register_duplicate_username);
	tcase_add_test(tc, test_register_duplicate_email);
	tcase_add_test(tc, test_register_blank_email);
	tcase_add_test(tc, test_already_authenticated);
	suite_add_tcase(s, tc);

	tc = tcase_create("login");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_login_ok);
	tcase_add_test(tc, test_login_mixed_case);
	tcase_add_test(tc, test_login_wrong);
	tcase_add_test(tc, test_login_disabled);
	tcase_add_test(tc, test_same_account_twice);
	suite_add_tcase(s, tc);

	tc = tcase_create("resume");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_resume_ok);
	tcase_add_test(tc, test_resume_missing_invalid);
	tcase_add_test(tc, test_resume_revoked);
	tcase_add_test(tc, test_resume_expired);
	tcase_add_test(tc, test_resume_rolls_expiry);
	tcase_add_test(tc, test_logout);
	tcase_add_test(tc, test_logout_before_auth);
	tcase_add_test(tc, test_cookie_resume);
	tcase_add_test(tc, test_cookie_bad);
	tcase_add_test(tc, test_pipelined_order);
	tcase_add_test(tc, test_persistence);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_hostile_sql);
	tcase_add_test(tc, test_hostile_long);
	tcase_add_test(tc, test_hostile_types);
	tcase_add_test(tc, test_hostile_nul_username);
	tcase_add_test(tc, test_hostile_nul_password);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ag_main(flows_suite());
}

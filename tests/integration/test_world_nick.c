/*
 * test_world_nick.c: nicknames (issue 5 item 5; reference §5.4;
 * docs/protocol.md §4.4): trimming, the required and length rules counted
 * in code points, uniqueness among connected players under Unicode case
 * folding, the no-op of the current nickname, case-only changes, control
 * characters, the permission, "name 2" for a stored nickname taken at
 * login, and persistence across reconnects.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tworld.h"

/* Wait for the nickname_result and check it. reason NULL: accepted. */
static void
expect_result(struct tw_user *u, const char *requested, const char *effective, const char *reason)
{
	json_object *o = tw_wait(u->c, "nickname_result", NULL, NULL);

	ck_assert_msg(tw_bool(o, "accepted") == (reason == NULL), "accepted is wrong: %s",
	    json_object_to_json_string(o));
	ck_assert_str_eq(tw_str(o, "requestedNickname"), requested);
	ck_assert_str_eq(tw_str(o, "effectiveNickname"), effective);
	if (reason != NULL)
		ck_assert_str_eq(tw_str(o, "reason"), reason);
	else
		ck_assert_msg(!tw_has(o, "reason"), "accepted with a reason: %s",
		    json_object_to_json_string(o));
	json_object_put(o);
}

/* A's change from old to new as the others and A itself see it. */
static void
expect_change(struct tw_user *a, struct tw_user *b, const char *old, const char *nick)
{
	json_object *o;
	char line[400];

	expect_result(a, nick, nick, NULL);
	o = tw_wait(b->c, "update_nickname", "id", a->id);
	ck_assert_str_eq(tw_str(o, "nickname"), nick);
	json_object_put(o);
	snprintf(line, sizeof line, "%s is now known as %s.", old, nick);
	tw_sys(b->c, line);
	snprintf(line, sizeof line, "You are now known as %s.", nick);
	tw_sys(a->c, line);
	tw_none(a->c, 50, "update_nickname", NULL, NULL);
	snprintf(a->nick, sizeof a->nick, "%s", nick);
}

/* Nothing about a nickname reaches b for a moment. */
static void
expect_quiet(struct tw_user *b)
{
	json_object *all = tw_collect(b->c, TW_QUIET_MS);

	ck_assert_msg(tw_find_msg(all, "update_nickname", NULL, NULL) == NULL &&
	    tw_find_msg(all, "chat_message", NULL, NULL) == NULL, "b heard: %s",
	    json_object_to_json_string(all));
	json_object_put(all);
}

START_TEST(test_nick_trim_and_broadcast)
{
	struct td *d = tw_start(NULL);
	struct tw_user *a = tw_join(d, "trim_a"), *b = tw_join(d, "trim_b");
	char old[160];

	tw_drain(a->c, 100);
	snprintf(old, sizeof old, "%s", a->nick);
	ck_assert_str_eq(old, a->user);
	tw_nick(a, "   Trimmed Name  ");
	expect_change(a, b, old, "Trimmed Name");
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

START_TEST(test_nick_required_and_length)
{
	struct td *d = tw_start(NULL);
	struct tw_user *a = tw_join(d, "req_a"), *b = tw_join(d, "req_b");
	char s[200];
	int i;

	tw_drain(a->c, 100);
	tw_nick(a, "    ");
	expect_result(a, "    ", a->nick, TW_NICK_REQUIRED);
	expect_quiet(b);

	/* 1 to 32 code points before trimming; outside is a bad_field. */
	tw_nick(a, "");
	json_object_put(ta_ws_error(a->c, "bad_field"));
	memset(s, 'x', 33);
	s[33] = '\0';
	tw_nick(a, s);
	json_object_put(ta_ws_error(a->c, "bad_field"));
	tw_none(a->c, 100, "nickname_result", NULL, NULL);

	/* 32 two-byte letters (64 bytes) are 32 characters: accepted. */
	s[0] = '\0';
	for (i = 0; i < 32; i++)
		strcat(s, "\xc3\xa9");
	tw_nick(a, s);
	expect_result(a, s, s, NULL);
	/* 32 four-byte emoji (128 bytes) too. */
	s[0] = '\0';
	for (i = 0; i < 32; i++)
		strcat(s, "\xf0\x9f\x98\x80");
	tw_nick(a, s);
	expect_result(a, s, s, NULL);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

/*
 * Unicode white space is white space: the reference trims with Python's
 * str.strip(), so a nickname of no-break or ideographic spaces is blank
 * ("Nickname is required.") and such spaces around a name are dropped. An
 * invisible nickname must not be accepted.
 */
START_TEST(test_nick_unicode_blank)
{
	struct td *d = tw_start(NULL);
	struct tw_user *a = tw_join(d, "ublank_a"), *b = tw_join(d, "ublank_b");
	static const char *const blank[] = {
		"\xc2\xa0",				/* U+00A0 NO-BREAK SPACE */
		"\xe3\x80\x80\xe3\x80\x80",		/* U+3000 IDEOGRAPHIC SPACE x2 */
		"\xe2\x80\x83 \xe2\x80\x83",		/* U+2003 EM SPACE, space, EM SPACE */
	};
	size_t i;
	json_object *o;

	tw_drain(a->c, 100);
	for (i = 0; i < sizeof blank / sizeof blank[0]; i++) {
		tw_nick(a, blank[i]);
		o = tw_wait(a->c, "nickname_result", NULL, NULL);
		ck_assert_msg(tw_bool(o, "accepted") == 0 && tc_json_str(o, "reason") != NULL &&
		    strcmp(tc_json_str(o, "reason"), TW_NICK_REQUIRED) == 0,
		    "blank nickname #%zu accepted or refused for another reason: %s", i,
		    json_object_to_json_string(o));
		json_object_put(o);
	}
	expect_quiet(b);
	tw_nick(a, "\xc2\xa0Nbsp Name\xe3\x80\x80");
	expect_result(a, "Nbsp Name", "Nbsp Name", NULL);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

/* Only connected players' nicknames count: not usernames, not offline accounts. */
START_TEST(test_nick_only_connected_nicknames)
{
	struct td *d = tw_start(NULL);
	struct tw_user *a = tw_join(d, "conn_a"), *b = tw_join(d, "conn_b"), *c;
	char bname[33], cnick[160], cid[80];

	tw_drain(a->c, 100);
	snprintf(bname, sizeof bname, "%s", b->user);
	tw_nick(b, "Bee");
	expect_change(b, a, bname, "Bee");
	/* B's username is no longer anyone's nickname. */
	tw_nick(a, bname);
	expect_result(a, bname, bname, NULL);
	/* C leaves; its nickname is free for A. */
	c = tw_join(d, "conn_c");
	snprintf(cnick, sizeof cnick, "%s", c->nick);
	snprintf(cid, sizeof cid, "%s", c->id);
	tw_close(c);
	tw_see(a->c, "user_left", "id", cid);
	tw_nick(a, cnick);
	expect_result(a, cnick, cnick, NULL);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

/* Uniqueness among connected players by Unicode case folding. */
START_TEST(test_nick_casefold_collision)
{
	struct td *d = tw_start(NULL);
	struct tw_user *a = tw_join(d, "fold_a"), *b = tw_join(d, "fold_b");
	char old[160];

	tw_drain(a->c, 100);
	snprintf(old, sizeof old, "%s", a->nick);
	tw_nick(a, "\xc3\xa9lise");				/* élise */
	expect_change(a, b, old, "\xc3\xa9lise");
	tw_drain(b->c, 50);

	tw_nick(b, "\xc3\x89LISE");				/* ÉLISE */
	expect_result(b, "\xc3\x89LISE", b->nick, TW_NICK_TAKEN);
	tw_nick(b, "  \xc3\x89lise ");				/* Élise, padded */
	expect_result(b, "\xc3\x89lise", b->nick, TW_NICK_TAKEN);
	expect_quiet(a);

	/* A case-only change is a real change. */
	tw_nick(a, "\xc3\x89lise");				/* Élise */
	expect_change(a, b, "\xc3\xa9lise", "\xc3\x89lise");

	/* ß folds to ss. */
	tw_nick(a, "stra\xc3\x9f" "e");				/* straße */
	expect_change(a, b, "\xc3\x89lise", "stra\xc3\x9f" "e");
	tw_drain(b->c, 50);
	tw_nick(b, "STRASSE");
	expect_result(b, "STRASSE", b->nick, TW_NICK_TAKEN);
	tw_nick(b, "Strasse");
	expect_result(b, "Strasse", b->nick, TW_NICK_TAKEN);
	expect_quiet(a);

	/* Élise is free again once A gave it up. */
	tw_drain(a->c, 50);
	snprintf(old, sizeof old, "%s", b->nick);
	tw_nick(b, "\xc3\x89LISE");
	expect_change(b, a, old, "\xc3\x89LISE");
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

/*
 * Full case folding, as the reference's str.casefold(): the ligature U+FB01
 * folds to "fi", so "\xef\xac\x81sh" and "FISH" collide.
 */
START_TEST(test_nick_casefold_full)
{
	struct td *d = tw_start(NULL);
	struct tw_user *a = tw_join(d, "ffold_a"), *b = tw_join(d, "ffold_b");
	char old[160];

	tw_drain(a->c, 100);
	snprintf(old, sizeof old, "%s", a->nick);
	tw_nick(a, "FISH");
	expect_change(a, b, old, "FISH");
	tw_drain(b->c, 50);
	tw_nick(b, "\xef\xac\x81sh");		/* U+FB01 LATIN SMALL LIGATURE FI, "sh" */
	expect_result(b, "\xef\xac\x81sh", b->nick, TW_NICK_TAKEN);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

/* The current nickname again: accepted, and nothing is broadcast. */
START_TEST(test_nick_same_is_noop)
{
	struct td *d = tw_start(NULL);
	struct tw_user *a = tw_join(d, "same_a"), *b = tw_join(d, "same_b");
	char padded[200];

	tw_drain(a->c, 100);
	tw_nick(a, a->nick);
	expect_result(a, a->nick, a->nick, NULL);
	expect_quiet(b);
	tw_none(a->c, 50, "chat_message", NULL, NULL);
	snprintf(padded, sizeof padded, "  %s ", a->nick);
	tw_nick(a, padded);
	expect_result(a, a->nick, a->nick, NULL);
	expect_quiet(b);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

START_TEST(test_nick_control_characters)
{
	struct td *d = tw_start(NULL);
	struct tw_user *a = tw_join(d, "ctl_a"), *b = tw_join(d, "ctl_b");
	static const char *const bad[] = {
		"bell\x07name", "tab\tinside", "esc\x1b[31mred", "del\x7fname", "line\nbreak",
		"nel\xc2\x85name",		/* U+0085, a C1 control */
		"csi\xc2\x9b" "31mred",		/* U+009B, the C1 CSI */
	};
	size_t i;

	tw_drain(a->c, 100);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_object *o;

		tw_nick(a, bad[i]);
		o = tw_wait(a->c, "nickname_result", NULL, NULL);
		ck_assert_msg(tw_bool(o, "accepted") == 0 && tc_json_str(o, "reason") != NULL &&
		    strcmp(tc_json_str(o, "reason"), TW_NICK_CONTROL) == 0,
		    "nickname #%zu with a control character: %s", i, json_object_to_json_string(o));
		ck_assert_str_eq(tw_str(o, "effectiveNickname"), a->nick);
		json_object_put(o);
	}
	expect_quiet(b);
	/* A NUL is refused by the protocol layer. */
	ck_assert_int_eq(tc_ws_send_text(a->c, "{\"type\":\"update_nickname\",\"nickname\":\"nul\\u0000x\"}"),
	    TC_OK);
	json_object_put(ta_ws_error(a->c, "bad_field"));
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

/*
 * Impersonation (issue 13): invisible (Default_Ignorable_Code_Point) and
 * text-direction (Bidi_Control) code points are refused, and a name that
 * only looks like an online one (UTS #39 skeleton) is "in use".
 */
START_TEST(test_nick_hidden_characters)
{
	struct td *d = tw_start(NULL);
	struct tw_user *a = tw_join(d, "hid_a"), *b = tw_join(d, "hid_b");
	static const char *const bad[] = {
		"pad\xc2\xad" "min",		/* U+00AD SOFT HYPHEN */
		"pad\xe2\x80\x8b" "min",	/* U+200B ZERO WIDTH SPACE, inside */
		"pad\xe2\x80\x8d" "min",	/* U+200D ZERO WIDTH JOINER */
		"\xe2\x80\xae" "nimdap",	/* U+202E RIGHT-TO-LEFT OVERRIDE */
		"pad\xe2\x81\xa6" "min",	/* U+2066 LEFT-TO-RIGHT ISOLATE */
		"pad\xe2\x80\x8f" "min",	/* U+200F RIGHT-TO-LEFT MARK */
		"pad\xd8\x9c" "min",		/* U+061C ARABIC LETTER MARK */
		"padmin\xef\xb8\x8f",		/* U+FE0F VARIATION SELECTOR-16 */
		"pad\xe3\x85\xa4" "min",	/* U+3164 HANGUL FILLER */
		"pad\xf3\xa0\x80\x81" "min",	/* U+E0001 LANGUAGE TAG */
	};
	size_t i;

	tw_drain(a->c, 100);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_object *o;

		tw_nick(b, bad[i]);
		o = tw_wait(b->c, "nickname_result", NULL, NULL);
		ck_assert_msg(tw_bool(o, "accepted") == 0 && tc_json_str(o, "reason") != NULL &&
		    strcmp(tc_json_str(o, "reason"), TW_NICK_HIDDEN) == 0,
		    "nickname #%zu with a hidden code point: %s", i, json_object_to_json_string(o));
		ck_assert_str_eq(tw_str(o, "effectiveNickname"), b->nick);
		json_object_put(o);
	}
	expect_quiet(a);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

START_TEST(test_nick_confusable_collision)
{
	struct td *d = tw_start(NULL);
	struct tw_user *a = tw_join(d, "conf_a"), *b = tw_join(d, "conf_b");
	static const char *const alike[] = {
		"\xd1\x80\xd0\xb0" "dmin",	/* Cyrillic er, a */
		"p\xd0\xb0" "dm\xd1\x96" "n",	/* Cyrillic a, Ukrainian i */
		"\xd0\xa0\xd0\x90" "DMIN",	/* Cyrillic capital ER, A */
		"padrnin",			/* r n for m */
		"p\xce\xb1" "dmin",		/* Greek alpha */
		"\xef\xbd\x90" "admin",		/* U+FF50 FULLWIDTH p */
	};
	char old[160];
	size_t i;

	tw_drain(a->c, 100);
	snprintf(old, sizeof old, "%s", a->nick);
	tw_nick(a, "padmin");
	expect_change(a, b, old, "padmin");
	tw_drain(b->c, 50);
	for (i = 0; i < sizeof alike / sizeof alike[0]; i++) {
		tw_nick(b, alike[i]);
		expect_result(b, alike[i], b->nick, TW_NICK_TAKEN);
	}
	expect_quiet(a);
	/* A name one letter apart is not caught. */
	tw_nick(b, "padmon");
	expect_result(b, "padmon", "padmon", NULL);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

/* Without profile.update_nickname: refused, with the raw request echoed. */
START_TEST(test_nick_denied)
{
	struct td *d = tw_start(NULL);
	struct tw_user *a, *b;
	char user[33], role[33];
	json_object *perms;
	size_t i;

	tw_account_saved(d, user, "nonick");
	tw_role_like_user(role, "nonick", NULL, "profile.update_nickname");
	tw_set_role(user, role);
	b = tw_join(d, "nonick_b");
	a = tw_login(d, user);
	perms = tw_arr(tw_obj(a->welcome, "auth"), "permissions");
	for (i = 0; i < json_object_array_length(perms); i++)
		ck_assert_str_ne(json_object_get_string(json_object_array_get_idx(perms, i)),
		    "profile.update_nickname");
	ck_assert_int_gt(json_object_array_length(perms), 0);
	tw_drain(b->c, 100);
	tw_nick(a, "  Other Name ");
	expect_result(a, "  Other Name ", a->nick, TW_NICK_DENIED);
	expect_quiet(b);
	tw_close(a);
	tw_close(b);
	it_stop(d);
}
END_TEST

/* A stored nickname another connected player holds is restored as "name 2", "name 3". */
START_TEST(test_nick_login_collision)
{
	struct td *d = tw_start(NULL);
	struct tw_user *obs, *p, *q, *r;
	char up[33], uq[33], ur[33];
	json_object *o;

	tw_account_saved(d, up, "coll_p");
	tw_account_saved(d, uq, "coll_q");
	tw_account_saved(d, ur, "coll_r");
	tw_store_nick(up, "Zed");
	tw_store_nick(uq, "ZED");
	tw_store_nick(ur, "zed");
	obs = tw_join(d, "coll_obs");
	p = tw_login(d, up);
	ck_assert_str_eq(p->nick, "Zed");
	q = tw_login(d, uq);
	ck_assert_str_eq(q->nick, "ZED 2");
	o = tw_wait(obs->c, "user_joined", "id", q->id);
	ck_assert_str_eq(tw_str(o, "nickname"), "ZED 2");
	json_object_put(o);
	tw_sys(obs->c, "ZED 2 has logged in.");
	r = tw_login(d, ur);
	ck_assert_str_eq(r->nick, "zed 3");
	ck_assert_str_eq(tw_str(tw_find_id(tw_arr(r->welcome, "users"), q->id), "nickname"),
	    "ZED 2");

	/* Once P is gone, "zed" is free for a change. */
	tw_close(p);
	tw_sys(r->c, "Zed has logged out.");
	tw_nick(r, "zed");
	expect_result(r, "zed", "zed", NULL);
	tw_close(r);
	tw_close(q);
	tw_close(obs);
	it_stop(d);
}
END_TEST

/*
 * The variant of a long stored nickname is cut to 32 code points on a
 * character boundary: 32 four-byte characters plus " 2" must become 30 of
 * them plus " 2", in valid UTF-8, both in what others are told and in the
 * newcomer's welcome (a text frame that is not UTF-8 makes browsers drop
 * the connection, RFC 6455 §8.1).
 */
START_TEST(test_nick_login_collision_long)
{
	struct td *d = tw_start(NULL);
	struct tw_user *p, *obs, *q;
	char up[33], uq[33], nick[200], want[200];
	json_object *o;
	int i;

	tw_account_saved(d, up, "long_p");
	tw_account_saved(d, uq, "long_q");
	nick[0] = '\0';
	for (i = 0; i < 32; i++)
		strcat(nick, "\xf0\x9f\x98\x80");	/* U+1F600 */
	want[0] = '\0';
	for (i = 0; i < 30; i++)
		strcat(want, "\xf0\x9f\x98\x80");
	strcat(want, " 2");
	tw_store_nick(up, nick);
	tw_store_nick(uq, nick);
	obs = tw_join(d, "long_obs");
	p = tw_login(d, up);
	ck_assert_str_eq(p->nick, nick);
	tw_see(obs->c, "user_joined", "id", p->id);

	/* Log Q in without reading its welcome yet: first what the observer hears. */
	q = calloc(1, sizeof *q);
	ck_assert_ptr_nonnull(q);
	q->c = ag_ws(d);
	o = ag_login(q->c, uq, AG_PASSWORD);
	free(ag_expect_ok(o, uq));
	json_object_put(o);
	o = tc_ws_expect(obs->c, "user_joined", td_ms(5000));
	ck_assert_msg(o != NULL, "the observer got no user_joined for Q: %s", tc_error(obs->c));
	ck_assert_msg(strcmp(tw_str(o, "nickname"), want) == 0, "variant \"%s\", want \"%s\"",
	    tw_str(o, "nickname"), want);
	json_object_put(o);
	o = tc_ws_expect(q->c, "welcome", td_ms(5000));
	ck_assert_msg(o != NULL, "Q got no welcome: %s", tc_error(q->c));
	ck_assert_str_eq(tw_str(tw_obj(o, "player"), "nickname"), want);
	json_object_put(o);
	tw_close(q);
	tw_close(p);
	tw_close(obs);
	it_stop(d);
}
END_TEST

START_TEST(test_nick_persists)
{
	struct td *d = tw_start(NULL);
	struct tw_user *a, *b;
	char user[33], saved[200], id[80];
	int sx, sy;
	int64_t end;

	b = tw_join(d, "persist_b");
	a = tw_join(d, "persist_a");
	snprintf(user, sizeof user, "%s", a->user);
	tw_nick(a, "Persisted \xc3\x91" "ame");
	expect_result(a, "Persisted \xc3\x91" "ame", "Persisted \xc3\x91" "ame", NULL);
	snprintf(id, sizeof id, "%s", a->id);
	tw_close(a);
	tw_see(b->c, "user_left", "id", id);
	end = tc_now_ms() + td_ms(5000);
	while (!(tw_saved(user, &sx, &sy, saved, sizeof saved) &&
	    strcmp(saved, "Persisted \xc3\x91" "ame") == 0)) {
		ck_assert_msg(tc_now_ms() < end, "last_nickname is \"%s\"", saved);
		tw_sleep_ms(20);
	}
	a = tw_login(d, user);
	ck_assert_str_eq(a->nick, "Persisted \xc3\x91" "ame");
	tw_close(a);
	tw_close(b);
	it_stop(d);

	/* And across a daemon restart. */
	d = tw_start(NULL);
	a = tw_login(d, user);
	ck_assert_str_eq(a->nick, "Persisted \xc3\x91" "ame");
	tw_close(a);
	it_stop(d);
}
END_TEST

static Suite *
nick_suite(void)
{
	Suite *s = suite_create("world-nick");
	TCase *tc = tcase_create("rules");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_nick_trim_and_broadcast);
	tcase_add_test(tc, test_nick_required_and_length);
	tcase_add_test(tc, test_nick_casefold_collision);
	tcase_add_test(tc, test_nick_casefold_full);
	tcase_add_test(tc, test_nick_unicode_blank);
	tcase_add_test(tc, test_nick_only_connected_nicknames);
	tcase_add_test(tc, test_nick_same_is_noop);
	tcase_add_test(tc, test_nick_control_characters);
	tcase_add_test(tc, test_nick_hidden_characters);
	tcase_add_test(tc, test_nick_confusable_collision);
	tcase_add_test(tc, test_nick_denied);
	suite_add_tcase(s, tc);

	tc = tcase_create("login");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_nick_login_collision);
	tcase_add_test(tc, test_nick_login_collision_long);
	tcase_add_test(tc, test_nick_persists);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ag_main(nick_suite());
}

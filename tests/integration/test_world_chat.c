/*
 * test_world_chat.c: chat (issue 5 item 6; reference §5.5; docs/protocol.md
 * §4.5): plain broadcast, /me, /up, /version, unknown commands, /reboot
 * with and without server.allow_reboot (graceful stop, close 1001, exit
 * status 75), chat.send, and the per-user chat rate limit.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tworld.h"

#define TEST_VERSION "1.2.3-chattest"

/* Wait for a chat line from sender with exactly text and the action flag. */
static void
expect_chat(struct tc_conn *c, const struct tw_user *sender, const char *text, int action)
{
	json_object *o = tw_wait(c, "chat_message", "message", text);

	ck_assert_str_eq(tw_str(o, "senderId"), sender->id);
	ck_assert_str_eq(tw_str(o, "senderNickname"), sender->nick);
	ck_assert_int_eq(tw_bool(o, "system"), 0);
	ck_assert_int_eq(tw_bool(o, "action"), action);
	json_object_put(o);
}

static void
expect_no_chat(struct tc_conn *c)
{
	tw_none(c, TW_QUIET_MS, "chat_message", NULL, NULL);
}

/* Two players who have seen each other arrive. */
static struct td *
chat_world(const char *extra, struct tw_user **a, struct tw_user **b)
{
	struct td *d = tw_start(extra);

	*a = tw_join(d, "chat_a");
	*b = tw_join(d, "chat_b");
	tw_drain((*a)->c, 100);
	return d;
}

START_TEST(test_chat_plain_broadcast)
{
	struct tw_user *a, *b;
	struct td *d = chat_world(NULL, &a, &b);
	char s[2100];
	int i;

	tw_chat(a, "hello, world");
	expect_chat(a->c, a, "hello, world", 0);
	expect_chat(b->c, a, "hello, world", 0);
	/* Not trimmed or filtered. */
	tw_chat(b, "  spaced <b>out</b>  ");
	expect_chat(a->c, b, "  spaced <b>out</b>  ", 0);
	expect_chat(b->c, b, "  spaced <b>out</b>  ", 0);

	/* 500 code points (1000 bytes) are fine; 501 or none are a bad_field. */
	s[0] = '\0';
	for (i = 0; i < 500; i++)
		strcat(s, "\xc3\xa9");
	tw_chat(a, s);
	expect_chat(b->c, a, s, 0);
	strcat(s, "x");
	tw_chat(a, s);
	json_object_put(ta_ws_error(a->c, "bad_field"));
	tw_chat(a, "");
	json_object_put(ta_ws_error(a->c, "bad_field"));
	expect_no_chat(b->c);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

START_TEST(test_chat_me)
{
	struct tw_user *a, *b;
	struct td *d = chat_world(NULL, &a, &b);
	char text[300];

	tw_chat(a, "/me waves");
	snprintf(text, sizeof text, "%s waves", a->nick);
	expect_chat(a->c, a, text, 1);
	expect_chat(b->c, a, text, 1);
	tw_chat(a, "/ME dances a little");
	snprintf(text, sizeof text, "%s dances a little", a->nick);
	expect_chat(a->c, a, text, 1);
	expect_chat(b->c, a, text, 1);

	tw_chat(a, "/me");
	tw_sys(a->c, TW_ME_USAGE);
	tw_chat(a, "/me ");
	tw_sys(a->c, TW_ME_USAGE);
	expect_no_chat(b->c);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

/* "Server uptime: " then parts like 1d 2h 3m 4s, zero parts left out, 0s alone. */
static void
check_uptime(const char *msg)
{
	static const char units[] = "dhms";
	const char *p = msg + strlen("Server uptime: ");
	int last = -1, parts = 0;
	const char *u;

	ck_assert_msg(strncmp(msg, "Server uptime: ", 15) == 0, "\"%s\"", msg);
	while (*p != '\0') {
		const char *digits = p;

		while (isdigit((unsigned char)*p))
			p++;
		ck_assert_msg(p > digits && *p != '\0' && (u = strchr(units, *p)) != NULL,
		    "bad uptime \"%s\"", msg);
		ck_assert_msg((int)(u - units) > last, "units out of order in \"%s\"", msg);
		ck_assert_msg(atoi(digits) > 0 || (parts == 0 && *u == 's' && p[1] == '\0'),
		    "zero part in \"%s\"", msg);
		last = (int)(u - units);
		parts++;
		p++;
		if (*p == ' ')
			p++;
	}
	ck_assert_msg(parts > 0, "empty uptime \"%s\"", msg);
}

START_TEST(test_chat_up)
{
	struct tw_user *a, *b;
	struct td *d = chat_world(NULL, &a, &b);
	json_object *o;

	tw_sleep_ms(1100);
	tw_chat(a, "/UP");
	o = tw_wait(a->c, "chat_message", NULL, NULL);
	ck_assert_int_eq(tw_bool(o, "system"), 1);
	check_uptime(tw_str(o, "message"));
	ck_assert_msg(strcmp(tw_str(o, "message"), "Server uptime: 0s") != 0,
	    "uptime 0s after more than a second");
	json_object_put(o);
	tw_chat(a, "/up");
	o = tw_wait(a->c, "chat_message", NULL, NULL);
	ck_assert_int_eq(tw_bool(o, "system"), 1);
	check_uptime(tw_str(o, "message"));
	json_object_put(o);
	expect_no_chat(b->c);

	/* A leading space makes it plain chat. */
	tw_chat(a, " /up");
	expect_chat(a->c, a, " /up", 0);
	expect_chat(b->c, a, " /up", 0);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

START_TEST(test_chat_version)
{
	struct tw_user *a, *b;
	struct td *d;
	char line[200];

	setenv("CHGRID_SERVER_VERSION", TEST_VERSION, 1);
	d = chat_world(NULL, &a, &b);
	ck_assert_str_eq(tw_str(tw_obj(a->welcome, "serverInfo"), "version"), TEST_VERSION);
	tw_chat(a, "/version");
	snprintf(line, sizeof line, "Server version: %s", TEST_VERSION);
	tw_sys(a->c, line);
	tw_chat(a, "/VERSION");
	tw_sys(a->c, line);
	expect_no_chat(b->c);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

START_TEST(test_chat_unknown_command)
{
	struct tw_user *a, *b;
	struct td *d = chat_world(NULL, &a, &b);

	tw_chat(a, "/foo");
	tw_sys(a->c, "Unknown command: /foo");
	tw_chat(a, "/Foo bar baz");
	tw_sys(a->c, "Unknown command: /Foo");
	tw_chat(a, "/");
	tw_sys(a->c, "Unknown command: /");
	tw_chat(a, "/upx");
	tw_sys(a->c, "Unknown command: /upx");
	expect_no_chat(b->c);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

/* n copies of U+1F600 (4 bytes each) appended to s. */
static void
add_emoji(char *s, int n)
{
	while (n-- > 0)
		strcat(s, "\xf0\x9f\x98\x80");
}

/*
 * A /me of 496 four-byte characters (the 500-character limit) is relayed
 * whole, in valid UTF-8, to everyone: nickname, space, the action text.
 * (The nickname "Ali" makes a cut at a fixed byte count land inside a
 * character, so a truncation also shows as invalid UTF-8.)
 */
START_TEST(test_chat_me_long_multibyte)
{
	struct tw_user *a, *b;
	struct td *d = chat_world(NULL, &a, &b);
	static char msg[2100], want[2300];
	json_object *o;

	tw_nick(a, "Ali");
	json_object_put(tw_wait(a->c, "nickname_result", NULL, NULL));
	snprintf(a->nick, sizeof a->nick, "Ali");
	tw_drain(b->c, 100);
	strcpy(msg, "/me ");
	add_emoji(msg, 496);
	snprintf(want, sizeof want, "%s %s", a->nick, msg + 4);
	tw_chat(a, msg);
	o = tc_ws_expect(b->c, "chat_message", td_ms(5000));
	ck_assert_msg(o != NULL, "B got no /me line: %s", tc_error(b->c));
	ck_assert_msg(strcmp(tw_str(o, "message"), want) == 0,
	    "/me text altered: %zu bytes, want %zu", strlen(tw_str(o, "message")), strlen(want));
	ck_assert_int_eq(tw_bool(o, "action"), 1);
	json_object_put(o);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

/* An unknown command of 499 four-byte characters is named whole, in valid UTF-8. */
START_TEST(test_chat_unknown_long_multibyte)
{
	struct tw_user *a, *b;
	struct td *d = chat_world(NULL, &a, &b);
	static char msg[2100], want[2200];
	json_object *o;

	strcpy(msg, "/");
	add_emoji(msg, 499);
	snprintf(want, sizeof want, "Unknown command: %s", msg);
	tw_chat(a, msg);
	o = tc_ws_expect(a->c, "chat_message", td_ms(5000));
	ck_assert_msg(o != NULL, "no reply to a long unknown command: %s", tc_error(a->c));
	ck_assert_msg(strcmp(tw_str(o, "message"), want) == 0,
	    "reply altered: %zu bytes, want %zu", strlen(tw_str(o, "message")), strlen(want));
	json_object_put(o);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

/*
 * A long multi-byte /reboot message reaches everyone whole, in valid UTF-8
 * (the leading "!" puts a cut at a fixed byte count inside a character).
 */
START_TEST(test_chat_reboot_long_message)
{
	struct td *d = tw_start(NULL);
	struct tw_user *adm, *b;
	static char msg[2100], want[2200];
	char user[33];
	json_object *o;

	tw_account_saved(d, user, "rebootlong");
	tw_set_role(user, "admin");
	b = tw_join(d, "rebootlong_b");
	adm = tw_login(d, user);
	tw_drain(b->c, 100);
	strcpy(msg, "/reboot !");
	add_emoji(msg, 490);
	snprintf(want, sizeof want, "Server rebooting in 5 seconds. %s", msg + 8);
	tw_chat(adm, msg);
	o = tc_ws_expect(b->c, "chat_message", td_ms(5000));
	ck_assert_msg(o != NULL, "B got no reboot line: %s", tc_error(b->c));
	ck_assert_msg(strcmp(tw_str(o, "message"), want) == 0,
	    "reboot line altered: %zu bytes, want %zu", strlen(tw_str(o, "message")), strlen(want));
	json_object_put(o);
	tw_close(adm);
	tw_close(b);
	td_free(d);	/* no need to wait for the restart */
}
END_TEST

START_TEST(test_chat_reboot_denied)
{
	struct tw_user *a, *b;
	struct td *d = chat_world(NULL, &a, &b);

	tw_chat(a, "/reboot now");
	tw_sys(a->c, TW_REBOOT_DENIED);
	tw_chat(a, "/REBOOT");
	tw_sys(a->c, TW_REBOOT_DENIED);
	expect_no_chat(b->c);
	ck_assert(td_alive(d));
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

START_TEST(test_chat_reboot)
{
	struct td *d = tw_start("state_debounce_ms 600000\nstate_max_delay_ms 600000\n");
	struct tw_user *adm, *b;
	char user[33];
	int64_t t0, t1;
	int code = 0, r, st, nx, sx, sy;

	tw_account_saved(d, user, "reboot");
	tw_set_role(user, "admin");
	b = tw_join(d, "reboot_b");
	adm = tw_login(d, user);
	tw_drain(b->c, 100);
	/* An unsaved move (write-behind delays are ten minutes) that the restart must keep. */
	nx = b->x + tw_dir(b->x, 1, 41);
	tw_move(b, nx, b->y);
	tw_pos_is(b->c, b->id, nx, b->y);

	t0 = tc_now_ms();
	tw_chat(adm, "/reboot maintenance");
	tw_sys(adm->c, "Server rebooting in 5 seconds. maintenance");
	tw_sys(b->c, "Server rebooting in 5 seconds. maintenance");
	tw_chat(adm, "/reboot again");
	tw_sys(adm->c, TW_REBOOT_PENDING);
	expect_no_chat(b->c);
	ta_ws_ping(b->c, 1);

	/* About 5 s later every client is closed with 1001 ... */
	r = tc_ws_expect_close(b->c, td_ms(9000), &code);
	t1 = tc_now_ms();
	ck_assert_msg(r == TC_OK && code == 1001, "B: close %s code %d, want 1001%s",
	    tc_strerror(r), code, td_health());
	ck_assert_msg(t1 - t0 >= 4500 && t1 - t0 <= 7500,
	    "closed %d ms after /reboot, want about 5000", (int)(t1 - t0));
	ta_ws_close(adm->c, 1001);
	/* ... and the daemon exits with 75 for the service manager to restart it. */
	st = td_wait(d, td_ms(8000));
	ck_assert_msg(st == 75, "chatgridd exit status %d after /reboot, want 75", st);
	ck_assert_int_eq(tw_saved(b->user, &sx, &sy, NULL, 0), 1);
	ck_assert_msg(sx == nx && sy == b->y, "saved %d,%d after /reboot, want %d,%d", sx, sy, nx,
	    b->y);
	tw_close(adm);
	tw_close(b);
	td_free(d);
}
END_TEST

START_TEST(test_chat_without_permission)
{
	struct td *d = tw_start(NULL);
	struct tw_user *a, *b;
	char user[33], role[33];

	tw_account_saved(d, user, "mute");
	tw_role_like_user(role, "nochat", NULL, "chat.send");
	tw_set_role(user, role);
	b = tw_join(d, "nochat_b");
	a = tw_login(d, user);
	tw_drain(b->c, 100);
	tw_chat(a, "can anyone hear me");
	tw_sys(a->c, TW_CHAT_DENIED);
	tw_chat(a, "/me tries");
	tw_sys(a->c, TW_CHAT_DENIED);
	tw_chat(a, "/up");
	tw_sys(a->c, TW_CHAT_DENIED);
	expect_no_chat(b->c);
	tw_close(a);
	tw_close(b);
	it_stop(d);
}
END_TEST

START_TEST(test_chat_rate_limit)
{
	struct tw_user *a, *b;
	struct td *d = chat_world("chat_burst 3\nchat_per_minute 1\n", &a, &b);
	char text[40];
	int i;

	for (i = 1; i <= 4; i++) {
		snprintf(text, sizeof text, "message %d", i);
		tw_chat(a, text);
	}
	for (i = 1; i <= 3; i++) {
		snprintf(text, sizeof text, "message %d", i);
		expect_chat(b->c, a, text, 0);
		expect_chat(a->c, a, text, 0);
	}
	tw_sys(a->c, TW_CHAT_FLOOD);
	tw_none(b->c, TW_QUIET_MS, "chat_message", "message", "message 4");
	/* The bucket is per user: B may still talk. */
	tw_chat(b, "my turn");
	expect_chat(a->c, b, "my turn", 0);
	tw_chat(a, "still flooding");
	tw_sys(a->c, TW_CHAT_FLOOD);
	tw_none(b->c, TW_QUIET_MS, "chat_message", "message", "still flooding");
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

static Suite *
chat_suite(void)
{
	Suite *s = suite_create("world-chat");
	TCase *tc = tcase_create("chat");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_chat_plain_broadcast);
	tcase_add_test(tc, test_chat_me);
	tcase_add_test(tc, test_chat_up);
	tcase_add_test(tc, test_chat_version);
	tcase_add_test(tc, test_chat_unknown_command);
	tcase_add_test(tc, test_chat_without_permission);
	tcase_add_test(tc, test_chat_rate_limit);
	tcase_add_test(tc, test_chat_me_long_multibyte);
	tcase_add_test(tc, test_chat_unknown_long_multibyte);
	suite_add_tcase(s, tc);

	tc = tcase_create("reboot");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_chat_reboot_denied);
	tcase_add_test(tc, test_chat_reboot);
	tcase_add_test(tc, test_chat_reboot_long_message);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ag_main(chat_suite());
}

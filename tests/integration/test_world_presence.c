/*
 * test_world_presence.c: arrival and departure in the world (issue 5 items
 * 1, 2, 9 and 10; reference §1.7, §5.1, §5.7, §5.8): the welcome snapshot,
 * spawn restore across daemon restarts (and after grid_size shrinks),
 * user_joined / user_left with their system lines, one presence per
 * account, half-open connections dropped by the server's pings, and the
 * account_state write-behind (debounce, maximum delay, SIGTERM flush).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tworld.h"

#define TEST_VERSION "9.8.7-worldtest"

/* The default "user" role's permissions, sorted (reference §4.2). */
static const char *const user_perms[] = {
	"chat.send", "item.create", "item.delete.own", "item.edit.own",
	"item.pickup_drop.own", "item.transfer.own", "item.use", "profile.update_nickname",
	"voice.send",
};

/* The admin menu in its canonical order (core/lib/perm.c, reference §4.6). */
static const char *const admin_actions[] = {
	"manage_roles", "change_user_role", "ban_user", "unban_user", "delete_account",
	"kick_user", "mute_user",
};

static void
check_user_entry(json_object *e, const struct tw_user *u)
{
	ck_assert_msg(e != NULL, "%s (%s) missing", u->id, u->user);
	ck_assert_str_eq(tw_str(e, "id"), u->id);
	ck_assert_str_eq(tw_str(e, "userId"), u->userid);
	ck_assert_str_eq(tw_str(e, "nickname"), u->nick);
	ck_assert_int_eq(tw_int(e, "x"), u->x);
	ck_assert_int_eq(tw_int(e, "y"), u->y);
}

/* ---- welcome ---- */

START_TEST(test_welcome_contents)
{
	struct td *d;
	struct tw_user *a, *b;
	json_object *o, *w, *p, *wc, *ui, *am, *si, *au, *perms;
	char user[33];
	char *acct;
	size_t i;

	setenv("CHGRID_SERVER_VERSION", TEST_VERSION, 1);
	d = tw_start("grid_size 25\nmovement_tick_ms 300\nmovement_max_steps_per_tick 3\n");

	/* The welcome is the very next message after a successful auth_result. */
	a = calloc(1, sizeof *a);
	ck_assert_ptr_nonnull(a);
	ag_uname(user, "welcome");
	snprintf(a->user, sizeof a->user, "%s", user);
	a->c = ag_ws(d);
	o = ag_register(a->c, user, AG_PASSWORD, NULL);
	free(ag_expect_ok(o, user));
	json_object_put(o);
	w = ag_next(a->c);
	ck_assert_msg(strcmp(tc_json_str(w, "type") ? tc_json_str(w, "type") : "", "welcome") == 0,
	    "the message after auth_result is not welcome: %s", json_object_to_json_string(w));
	a->welcome = w;

	/* id and player. */
	snprintf(a->id, sizeof a->id, "%s", tw_str(w, "id"));
	ck_assert_msg(strlen(a->id) > 0, "empty welcome.id");
	p = tw_obj(w, "player");
	ck_assert_str_eq(tw_str(p, "id"), a->id);
	acct = tw_account_id(user);
	ck_assert_str_eq(tw_str(p, "userId"), acct);
	ck_assert_str_eq(tw_str(p, "nickname"), user);
	a->x = (int)tw_int(p, "x");
	a->y = (int)tw_int(p, "y");
	ck_assert_msg(a->x >= 0 && a->x < 25 && a->y >= 0 && a->y < 25, "spawn %d,%d outside 25x25",
	    a->x, a->y);
	snprintf(a->userid, sizeof a->userid, "%s", acct);
	snprintf(a->nick, sizeof a->nick, "%s", user);

	/* Nobody else yet; no items in a fresh world. */
	ck_assert_int_eq(json_object_array_length(tw_arr(w, "users")), 0);
	ck_assert_int_eq(json_object_array_length(tw_arr(w, "items")), 0);

	/* worldConfig from the configuration. */
	wc = tw_obj(w, "worldConfig");
	ck_assert_int_eq(tw_int(wc, "gridSize"), 25);
	ck_assert_int_eq(tw_int(wc, "movementTickMs"), 300);
	ck_assert_int_eq(tw_int(wc, "movementMaxStepsPerTick"), 3);
	ck_assert_int_eq(json_object_array_length(tw_arr(wc, "iceServers")), 0);

	/* uiDefinitions: a plain user has an empty admin menu. */
	ui = tw_obj(w, "uiDefinitions");
	am = tw_obj(ui, "adminMenu");
	ck_assert_int_eq(json_object_array_length(tw_arr(am, "actions")), 0);

	/* serverInfo. */
	si = tw_obj(w, "serverInfo");
	ck_assert_msg(strlen(tw_str(si, "instanceId")) >= 8, "short instanceId: %s",
	    json_object_to_json_string(si));
	ck_assert_str_eq(tw_str(si, "version"), TEST_VERSION);

	/* auth block. */
	au = tw_obj(w, "auth");
	ck_assert_int_eq(tw_bool(au, "authenticated"), 1);
	ck_assert_str_eq(tw_str(au, "userId"), acct);
	ck_assert_str_eq(tw_str(au, "username"), user);
	ck_assert_str_eq(tw_str(au, "role"), "user");
	perms = tw_arr(au, "permissions");
	ck_assert_int_eq(json_object_array_length(perms), sizeof user_perms / sizeof user_perms[0]);
	for (i = 0; i < sizeof user_perms / sizeof user_perms[0]; i++)
		ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(perms, i)),
		    user_perms[i]);
	(void)tw_obj(au, "policy");
	free(acct);

	/* A second player sees the first in users, not itself. */
	b = tw_join(d, "welcome2");
	o = tw_arr(b->welcome, "users");
	ck_assert_int_eq(json_object_array_length(o), 1);
	check_user_entry(tw_find_id(o, a->id), a);
	ck_assert_ptr_null(tw_find_id(o, b->id));
	ck_assert_str_ne(b->id, a->id);
	ck_assert_str_eq(tw_str(tw_obj(b->welcome, "serverInfo"), "instanceId"),
	    tw_str(si, "instanceId"));
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

/* An admin's welcome carries the admin menu actions (reference §6.11). */
START_TEST(test_welcome_admin_menu)
{
	struct td *d = tw_start(NULL);
	struct tw_user *a;
	json_object *acts, *e;
	char user[33];
	size_t i;

	tw_account_saved(d, user, "wadmin");
	tw_set_role(user, "admin");
	a = tw_login(d, user);
	ck_assert_str_eq(tw_str(tw_obj(a->welcome, "auth"), "role"), "admin");
	acts = tw_arr(tw_obj(tw_obj(a->welcome, "uiDefinitions"), "adminMenu"), "actions");
	ck_assert_int_eq(json_object_array_length(acts), sizeof admin_actions / sizeof admin_actions[0]);
	for (i = 0; i < sizeof admin_actions / sizeof admin_actions[0]; i++) {
		e = json_object_array_get_idx(acts, i);
		ck_assert_str_eq(tw_str(e, "id"), admin_actions[i]);
		ck_assert_msg(strlen(tw_str(e, "label")) > 0, "empty label: %s",
		    json_object_to_json_string(e));
		(void)tw_str(e, "tooltip");
	}
	tw_close(a);
	it_stop(d);
}
END_TEST

/* ---- spawn ---- */

START_TEST(test_spawn_restore_after_restart)
{
	struct td *d = tw_start(NULL);
	struct tw_user *u, *obs;
	char user[33], inst[80], uid[80];
	int px, py;

	obs = tw_join(d, "spawnobs");
	u = tw_join(d, "spawn");
	snprintf(user, sizeof user, "%s", u->user);
	snprintf(inst, sizeof inst, "%s", tw_str(tw_obj(u->welcome, "serverInfo"), "instanceId"));
	/* One accepted step, then leave: the position is saved on disconnect. */
	px = u->x + tw_dir(u->x, 1, 41);
	py = u->y;
	tw_move(u, px, py);
	tw_pos_is(u->c, u->id, px, py);
	snprintf(uid, sizeof uid, "%s", u->id);
	tw_close(u);
	tw_see(obs->c, "user_left", "id", uid);
	tw_wait_saved(user, px, py, 5000);
	tw_close(obs);
	it_stop(d);

	d = tw_start(NULL);
	u = tw_login(d, user);
	ck_assert_msg(u->x == px && u->y == py, "spawned at %d,%d after a restart, saved %d,%d",
	    u->x, u->y, px, py);
	ck_assert_msg(strcmp(tw_str(tw_obj(u->welcome, "serverInfo"), "instanceId"), inst) != 0,
	    "instanceId %s did not change across a restart", inst);
	tw_close(u);
	it_stop(d);
}
END_TEST

START_TEST(test_spawn_outside_shrunk_grid)
{
	struct td *d = tw_start(NULL);
	struct tw_user *u;
	char user[33];
	int i, xs[4], ys[4], same = 1;

	tw_account_saved(d, user, "shrink");
	it_stop(d);

	d = tw_start("grid_size 10\n");
	for (i = 0; i < 4; i++) {
		tw_place(user, 30, 35);
		u = tw_login(d, user);
		ck_assert_int_eq(tw_int(tw_obj(u->welcome, "worldConfig"), "gridSize"), 10);
		ck_assert_msg(u->x >= 0 && u->x < 10 && u->y >= 0 && u->y < 10,
		    "saved 30,35 outside a 10x10 grid, spawned at %d,%d", u->x, u->y);
		xs[i] = u->x;
		ys[i] = u->y;
		if (i > 0 && (xs[i] != xs[0] || ys[i] != ys[0]))
			same = 0;
		tw_close(u);
		/* The disconnect saves the new in-grid spawn; wait before the next SQL write. */
		tw_wait_saved(user, xs[i], ys[i], 5000);
	}
	ck_assert_msg(!same, "four out-of-grid spawns all at %d,%d: not random (clamped?)", xs[0],
	    ys[0]);

	/* The last cell inside the grid is restored as it is. */
	tw_place(user, 9, 0);
	u = tw_login(d, user);
	ck_assert_msg(u->x == 9 && u->y == 0, "saved 9,0 in a 10x10 grid, spawned at %d,%d", u->x,
	    u->y);
	tw_close(u);
	it_stop(d);
}
END_TEST

/* ---- presence ---- */

START_TEST(test_presence_join_leave)
{
	struct td *d = tw_start(NULL);
	struct tw_user *a, *b, *c;
	struct tc_conn *anon;
	json_object *o;
	char line[300], bid[80], bnick[160];

	a = tw_join(d, "pres_a");
	b = tw_join(d, "pres_b");

	/* A is told about B: user_joined (reason login) and the system line. */
	o = tw_wait(a->c, "user_joined", "id", b->id);
	ck_assert_str_eq(tw_str(o, "userId"), b->userid);
	ck_assert_str_eq(tw_str(o, "nickname"), b->nick);
	ck_assert_int_eq(tw_int(o, "x"), b->x);
	ck_assert_int_eq(tw_int(o, "y"), b->y);
	ck_assert_str_eq(tw_str(o, "reason"), "login");
	json_object_put(o);
	snprintf(line, sizeof line, "%s has logged in.", b->nick);
	tw_sys(a->c, line);

	/* B is not told about itself. */
	tw_none(b->c, TW_QUIET_MS, "user_joined", "id", b->id);
	ta_ws_ping(b->c, 1);

	/* An unauthenticated connection that comes and goes is invisible. */
	anon = ag_ws(d);
	tc_close(anon);
	tw_none(a->c, TW_QUIET_MS, "user_left", NULL, NULL);

	/* B leaves: user_left (reason logout), then the system line, to A only. */
	snprintf(bid, sizeof bid, "%s", b->id);
	snprintf(bnick, sizeof bnick, "%s", b->nick);
	tw_close(b);
	o = tw_wait(a->c, "user_left", "id", bid);
	ck_assert_str_eq(tw_str(o, "reason"), "logout");
	json_object_put(o);
	snprintf(line, sizeof line, "%s has logged out.", bnick);
	tw_sys(a->c, line);
	tw_none(a->c, TW_QUIET_MS, "user_left", NULL, NULL);

	/* auth_logout also leaves the world. */
	c = tw_join(d, "pres_c");
	tw_see(a->c, "user_joined", "id", c->id);
	ag_send(c->c, ag_msg("auth_logout", NULL));
	o = tw_wait(a->c, "user_left", "id", c->id);
	ck_assert_str_eq(tw_str(o, "reason"), "logout");
	json_object_put(o);
	snprintf(line, sizeof line, "%s has logged out.", c->nick);
	tw_sys(a->c, line);
	tw_close(c);
	tw_close(a);
	it_stop(d);
}
END_TEST

/* A second login of one account replaces the first; others see one user. */
START_TEST(test_one_presence_per_account)
{
	struct td *d = tw_start(NULL);
	struct tw_user *a, *u1, *u2, *c;
	json_object *o, *users;
	char user[33], line[300];
	int n;

	tw_account_saved(d, user, "twice");
	a = tw_join(d, "twice_obs");
	u1 = tw_login(d, user);
	tw_see(a->c, "user_joined", "id", u1->id);
	tw_drain(a->c, 100);

	u2 = tw_login(d, user);
	/* The older connection is told and closed. */
	o = tw_wait(u1->c, "auth_result", NULL, NULL);
	ag_expect(o, 0, TW_REPLACED);
	json_object_put(o);
	ta_ws_gone(u1->c, td_ms(5000));

	/* The newer one keeps the nickname (no "name 2") and sees A, not its old self. */
	ck_assert_str_eq(u2->nick, u1->nick);
	users = tw_arr(u2->welcome, "users");
	ck_assert_int_eq(json_object_array_length(users), 1);
	ck_assert_ptr_nonnull(tw_find_id(users, a->id));
	ck_assert_ptr_null(tw_find_id(users, u1->id));

	/* A: the old connection leaves once, the new one joins once. */
	o = tw_wait(a->c, "user_left", "id", u1->id);
	json_object_put(o);
	snprintf(line, sizeof line, "%s has logged out.", u1->nick);
	tw_sys(a->c, line);
	o = tw_wait(a->c, "user_joined", "id", u2->id);
	ck_assert_str_eq(tw_str(o, "reason"), "login");
	json_object_put(o);
	n = tw_count(a->c, 500, "user_left", "id", u1->id);
	ck_assert_int_eq(n, 0);

	/* A newcomer sees exactly A and the new connection. */
	c = tw_join(d, "twice_new");
	users = tw_arr(c->welcome, "users");
	ck_assert_int_eq(json_object_array_length(users), 2);
	ck_assert_ptr_nonnull(tw_find_id(users, a->id));
	ck_assert_ptr_nonnull(tw_find_id(users, u2->id));

	ta_ws_ping(u2->c, 7);
	tw_close(c);
	tw_close(u2);
	tw_close(u1);
	tw_close(a);
	it_stop(d);
}
END_TEST

/* ---- liveness ---- */

START_TEST(test_half_open_dropped_once)
{
	struct td *d = tw_start("ws_ping_interval_ms 300\nws_pong_timeout_ms 300\n");
	struct tw_user *a, *b;
	json_object *o;
	char line[300];
	int64_t t0, end;
	int left = 0, lines = 0;
	const char *t, *m;

	a = tw_join(d, "live_a");
	b = tw_join(d, "live_b");
	/* B stops answering: no pongs, nothing sent, nothing read. */
	tc_ws_set_auto_pong(b->c, 0);
	tw_see(a->c, "user_joined", "id", b->id);
	snprintf(line, sizeof line, "%s has logged out.", b->nick);

	/* A (which answers pings while it reads) sees B leave once, within a few seconds. */
	t0 = tc_now_ms();
	end = t0 + td_ms(4000);
	while (tc_now_ms() < end) {
		o = tc_ws_recv_json(a->c, (int)(end - tc_now_ms()));
		if (o == NULL)
			break;
		t = tc_json_str(o, "type");
		m = tc_json_str(o, "message");
		if (t != NULL && strcmp(t, "user_left") == 0 && tc_json_str(o, "id") != NULL &&
		    strcmp(tc_json_str(o, "id"), b->id) == 0) {
			if (left++ == 0)
				end = tc_now_ms() + 1500;	/* then watch for duplicates */
		}
		if (t != NULL && strcmp(t, "chat_message") == 0 && m != NULL && strcmp(m, line) == 0)
			lines++;
		json_object_put(o);
	}
	ck_assert_msg(left == 1, "A got %d user_left for the half-open B (want exactly 1)%s", left,
	    td_health());
	ck_assert_msg(lines == 1, "A got %d \"%s\" lines (want exactly 1)", lines, line);
	/* B's socket was closed by the server; A is still served. */
	ck_assert_msg(tc_peer_closed(b->c, td_ms(2000)), "the half-open connection was not closed");
	ta_ws_ping(a->c, 3);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

/* ---- account state ---- */

START_TEST(test_state_flushed_on_sigterm)
{
	struct td *d = tw_start("state_debounce_ms 600000\nstate_max_delay_ms 600000\n");
	struct tw_user *u;
	json_object *o;
	char nick[160];
	int px, sx, sy, st;

	u = tw_join(d, "sigterm");
	tw_nick(u, "Flushed One");
	o = tw_wait(u->c, "nickname_result", NULL, NULL);
	ck_assert_int_eq(tw_bool(o, "accepted"), 1);
	json_object_put(o);
	px = u->x + tw_dir(u->x, 1, 41);
	tw_move(u, px, u->y);
	tw_pos_is(u->c, u->id, px, u->y);
	/* Nothing written yet: both delays are ten minutes. */
	ck_assert_int_eq(tw_saved(u->user, &sx, &sy, nick, sizeof nick), 1);
	ck_assert_msg(sx == -1 && strcmp(nick, u->user) == 0,
	    "state written before SIGTERM (%d,%d \"%s\"): not write-behind", sx, sy, nick);

	ck_assert_int_eq(td_signal(d, SIGTERM), 0);
	ta_ws_close(u->c, 1001);
	st = td_wait(d, td_ms(10000));
	ck_assert_msg(st == 0, "chatgridd exited with %d after SIGTERM", st);
	ck_assert_int_eq(tw_saved(u->user, &sx, &sy, nick, sizeof nick), 1);
	ck_assert_msg(sx == px && sy == u->y, "saved %d,%d after SIGTERM, want %d,%d", sx, sy, px,
	    u->y);
	ck_assert_str_eq(nick, "Flushed One");
	tw_close(u);
	td_free(d);
}
END_TEST

/* A change is written state_debounce_ms after it, while still connected. */
START_TEST(test_state_debounced_write)
{
	struct td *d = tw_start("state_debounce_ms 400\nstate_max_delay_ms 600000\n");
	struct tw_user *u;
	int px, sx, sy;
	int64_t t0, end;

	u = tw_join(d, "debounce");
	px = u->x + tw_dir(u->x, 1, 41);
	tw_move(u, px, u->y);
	tw_pos_is(u->c, u->id, px, u->y);
	t0 = tc_now_ms();
	ck_assert_int_eq(tw_saved(u->user, &sx, &sy, NULL, 0), 1);
	ck_assert_msg(sx == -1, "position written at once (%d,%d), not behind", sx, sy);
	end = t0 + td_ms(3000);
	for (;;) {
		tw_saved(u->user, &sx, &sy, NULL, 0);
		if (sx == px && sy == u->y)
			break;
		ck_assert_msg(tc_now_ms() < end, "position not written within 3 s (debounce 400 ms)%s",
		    td_health());
		tw_sleep_ms(20);
	}
	ck_assert_msg(tc_now_ms() - t0 >= 250, "written after %d ms, before the 400 ms debounce",
	    (int)(tc_now_ms() - t0));
	ta_ws_ping(u->c, 1);
	tw_close(u);
	it_stop(d);
}
END_TEST

/*
 * Continuous movement never lets the debounce expire; the state is still
 * written state_max_delay_ms after the first unsaved change.
 */
START_TEST(test_state_max_delay_write)
{
	struct td *d = tw_start("grid_size 100\nstate_debounce_ms 600000\nstate_max_delay_ms 1000\n");
	struct tw_user *u;
	int dir, x, sx = -1, sy = -1, steps = 0;
	int64_t t0, seen = -1;

	u = tw_join(d, "maxdelay");
	dir = tw_dir(u->x, 30, 100);
	x = u->x;
	t0 = tc_now_ms();
	while (tc_now_ms() - t0 < td_ms(4000) && steps < 25) {
		x += dir;
		tw_move(u, x, u->y);
		tw_pos_is(u->c, u->id, x, u->y);
		steps++;
		tw_saved(u->user, &sx, &sy, NULL, 0);
		if (sx != -1) {
			seen = tc_now_ms() - t0;
			break;
		}
		tw_sleep_ms(250);
	}
	ck_assert_msg(seen >= 0, "nothing written in %d ms of movement (max delay 1000 ms)%s",
	    (int)(tc_now_ms() - t0), td_health());
	ck_assert_msg(seen >= 700, "written after %d ms, before the 1000 ms maximum delay",
	    (int)seen);
	ck_assert_msg(sy == u->y && (sx - u->x) * dir > 0 && (sx - u->x) * dir <= steps,
	    "saved %d,%d is not a position visited (from %d,%d, %d steps of %d)", sx, sy, u->x,
	    u->y, steps, dir);
	tw_close(u);
	it_stop(d);
}
END_TEST

static Suite *
presence_suite(void)
{
	Suite *s = suite_create("world-presence");
	TCase *tc = tcase_create("welcome");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_welcome_contents);
	tcase_add_test(tc, test_welcome_admin_menu);
	suite_add_tcase(s, tc);

	tc = tcase_create("spawn");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_spawn_restore_after_restart);
	tcase_add_test(tc, test_spawn_outside_shrunk_grid);
	suite_add_tcase(s, tc);

	tc = tcase_create("presence");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_presence_join_leave);
	tcase_add_test(tc, test_one_presence_per_account);
	tcase_add_test(tc, test_half_open_dropped_once);
	suite_add_tcase(s, tc);

	tc = tcase_create("state");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_state_flushed_on_sigterm);
	tcase_add_test(tc, test_state_debounced_write);
	tcase_add_test(tc, test_state_max_delay_write);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ag_main(presence_suite());
}

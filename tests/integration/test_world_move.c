/*
 * test_world_move.c: server-authoritative movement (issue 5 items 3 and 4;
 * reference §5.2, §5.3; docs/protocol.md §4.3): bounds, the movement budget
 * (a token bucket: a fast client held to the rate, a bunched walker never
 * corrected), the Chebyshev cost of a diagonal step,
 * corrections that reach the sender only, 0-step moves, the chatgrid
 * teleport rule (onto a user or an item, or anywhere with
 * movement.teleport_free), and interest management with interest_radius
 * on and off.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tworld.h"

/*
 * A budget of two steps, refilled at two per 10 s (one per 5 s): slow
 * enough that moves sent together are judged against the same budget.
 */
#define SLOW "movement_tick_ms 10000\nmovement_max_steps_per_tick 2\nmovement_burst_ticks 1\n"
#define SLOW_REFILL_MS 5000
/* The defaults: one step per 200 ms window, four windows in reserve. */
#define DEFAULT_TICK 200
#define DEFAULT_BURST 4

/* ---- bounds ---- */

START_TEST(test_move_out_of_bounds)
{
	struct td *d = tw_start(SLOW);
	struct tw_user *a, *b;
	int bad[7][2];
	size_t i;

	a = tw_join(d, "bounds_a");
	b = tw_join(d, "bounds_b");
	tw_drain(a->c, 100);
	bad[0][0] = -1, bad[0][1] = a->y;
	bad[1][0] = 41, bad[1][1] = a->y;
	bad[2][0] = a->x, bad[2][1] = -1;
	bad[3][0] = a->x, bad[3][1] = 41;
	bad[4][0] = 41, bad[4][1] = 41;
	bad[5][0] = -2147483647, bad[5][1] = a->y;
	bad[6][0] = a->x, bad[6][1] = 2147483647;
	for (i = 0; i < 7; i++) {
		tw_move(a, bad[i][0], bad[i][1]);
		/* The correction: the sender's current position, to the sender alone. */
		tw_pos_is(a->c, a->id, a->x, a->y);
	}
	tw_none(b->c, TW_QUIET_MS, "update_position", "id", a->id);

	/* Coordinates must be integers: 1.5 and "5" are refused as bad_field. */
	ck_assert_msg(tc_ws_sendf(a->c, "{\"type\":\"update_position\",\"x\":1.5,\"y\":%d}", a->y) ==
	    TC_OK, "send: %s", tc_error(a->c));
	json_object_put(ta_ws_error(a->c, "bad_field"));
	ck_assert_msg(tc_ws_sendf(a->c, "{\"type\":\"update_position\",\"x\":\"5\",\"y\":%d}", a->y) ==
	    TC_OK, "send: %s", tc_error(a->c));
	json_object_put(ta_ws_error(a->c, "bad_field"));
	tw_none(a->c, TW_QUIET_MS, "update_position", NULL, NULL);
	tw_none(b->c, 50, "update_position", "id", a->id);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

/* ---- the movement budget ---- */

/*
 * Spend the whole reserve (two steps) of a fresh player at once, then one
 * step more: the third is refused and costs nothing. A refill of one step
 * takes 5 s here, so only a machine stalled for seconds between two sends
 * could blur the budget.
 */
START_TEST(test_move_budget)
{
	struct td *d = tw_start(SLOW);
	struct tw_user *a, *b;
	int dx, x0;

	a = tw_join(d, "budget_a");
	b = tw_join(d, "budget_b");
	tw_drain(a->c, 100);
	dx = tw_dir(a->x, 4, 41);
	x0 = a->x;

	tw_move(a, x0 + dx, a->y);
	tw_move(a, x0 + 2 * dx, a->y);
	tw_move(a, x0 + 3 * dx, a->y);
	/* Two echoes, then a correction to where the second step left A. */
	tw_pos_is(a->c, a->id, x0 + dx, a->y);
	tw_pos_is(a->c, a->id, x0 + 2 * dx, a->y);
	tw_pos_is(a->c, a->id, x0 + 2 * dx, a->y);
	/* B sees the two accepted steps and nothing of the refused one. */
	tw_pos_is(b->c, a->id, x0 + dx, a->y);
	tw_pos_is(b->c, a->id, x0 + 2 * dx, a->y);
	tw_none(b->c, TW_QUIET_MS, "update_position", "id", a->id);
	tw_none(a->c, 50, "update_position", "id", a->id);

	/* Standing still refills the budget: one step after 6 s, not two. */
	tw_sleep_ms(SLOW_REFILL_MS + 1000);
	tw_move(a, x0 + 3 * dx, a->y);
	tw_move(a, x0 + 4 * dx, a->y);
	tw_pos_is(a->c, a->id, x0 + 3 * dx, a->y);
	tw_pos_is(a->c, a->id, x0 + 3 * dx, a->y);
	tw_pos_is(b->c, a->id, x0 + 3 * dx, a->y);
	tw_none(b->c, TW_QUIET_MS, "update_position", "id", a->id);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

/* A diagonal step costs 1 (Chebyshev), so two fit in a budget of 2. */
START_TEST(test_move_diagonal_costs_one)
{
	struct td *d = tw_start(SLOW);
	struct tw_user *a, *b, *c;
	int dx, dy, x0, y0;

	a = tw_join(d, "diag_a");
	b = tw_join(d, "diag_b");
	tw_drain(a->c, 100);
	dx = tw_dir(a->x, 3, 41);
	dy = tw_dir(a->y, 3, 41);
	x0 = a->x;
	y0 = a->y;

	tw_move(a, x0 + dx, y0 + dy);
	tw_move(a, x0 + 2 * dx, y0 + 2 * dy);
	tw_move(a, x0 + 3 * dx, y0 + 3 * dy);
	tw_pos_is(a->c, a->id, x0 + dx, y0 + dy);
	tw_pos_is(a->c, a->id, x0 + 2 * dx, y0 + 2 * dy);
	tw_pos_is(a->c, a->id, x0 + 2 * dx, y0 + 2 * dy);	/* third: correction */
	tw_pos_is(b->c, a->id, x0 + dx, y0 + dy);
	tw_pos_is(b->c, a->id, x0 + 2 * dx, y0 + 2 * dy);
	tw_none(b->c, TW_QUIET_MS, "update_position", "id", a->id);

	/* A diagonal jump of two cells costs 2: accepted with a whole budget. */
	c = tw_join(d, "diag_c");
	tw_drain(c->c, 100);
	dx = tw_dir(c->x, 2, 41);
	dy = tw_dir(c->y, 2, 41);
	tw_move(c, c->x + 2 * dx, c->y + 2 * dy);
	tw_pos_is(c->c, c->id, c->x + 2 * dx, c->y + 2 * dy);
	tw_close(c);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

/* Over the remaining budget is refused and costs nothing; over the whole budget too. */
START_TEST(test_move_jump_over_budget)
{
	struct td *d = tw_start(SLOW);
	struct tw_user *a, *b, *c;
	int dx, x0;

	a = tw_join(d, "jump_a");
	b = tw_join(d, "jump_b");
	tw_drain(a->c, 100);
	dx = tw_dir(a->x, 8, 41);
	x0 = a->x;

	tw_move(a, x0 + dx, a->y);		/* 1 step: budget 1 left */
	tw_move(a, x0 + 3 * dx, a->y);		/* 2 cells with budget 1: refused */
	tw_move(a, x0 + 2 * dx, a->y);		/* 1 step: still allowed */
	tw_pos_is(a->c, a->id, x0 + dx, a->y);
	tw_pos_is(a->c, a->id, x0 + dx, a->y);
	tw_pos_is(a->c, a->id, x0 + 2 * dx, a->y);
	tw_pos_is(b->c, a->id, x0 + dx, a->y);
	tw_pos_is(b->c, a->id, x0 + 2 * dx, a->y);
	tw_none(b->c, TW_QUIET_MS, "update_position", "id", a->id);

	/* A full budget: 3 cells (over the maximum of 2) refused, 2 accepted. */
	c = tw_join(d, "jump_c");
	tw_drain(c->c, 100);
	dx = tw_dir(c->x, 3, 41);
	x0 = c->x;
	tw_move(c, x0 + 3 * dx, c->y);
	tw_move(c, x0 + 2 * dx, c->y);
	tw_pos_is(c->c, c->id, x0, c->y);
	tw_pos_is(c->c, c->id, x0 + 2 * dx, c->y);
	tw_close(c);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

/* A 0-step move is accepted and echoed, even with the budget spent. */
START_TEST(test_move_zero_step)
{
	struct td *d = tw_start(SLOW);
	struct tw_user *a, *b;
	int dx, x0;

	a = tw_join(d, "zero_a");
	b = tw_join(d, "zero_b");
	tw_drain(a->c, 100);
	dx = tw_dir(a->x, 3, 41);
	x0 = a->x;

	tw_move(a, a->x, a->y);
	tw_pos_is(a->c, a->id, a->x, a->y);
	tw_pos_is(b->c, a->id, a->x, a->y);

	tw_move(a, x0 + 2 * dx, a->y);		/* the whole budget */
	tw_move(a, x0 + 2 * dx, a->y);		/* 0 steps */
	tw_move(a, x0 + 3 * dx, a->y);		/* over: correction */
	tw_pos_is(a->c, a->id, x0 + 2 * dx, a->y);
	tw_pos_is(a->c, a->id, x0 + 2 * dx, a->y);
	tw_pos_is(a->c, a->id, x0 + 2 * dx, a->y);
	tw_pos_is(b->c, a->id, x0 + 2 * dx, a->y);
	tw_pos_is(b->c, a->id, x0 + 2 * dx, a->y);
	tw_none(b->c, TW_QUIET_MS, "update_position", "id", a->id);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

/*
 * The default rule (one step per 200 ms window, four windows in reserve).
 * A client that sends far faster is held to the rate: of 30 requests sent
 * at once, no more are accepted than the reserve plus what the elapsed time
 * refilled (measured from before its join to its last answer, which is
 * longer than anything the server can have counted, however busy the
 * machine).
 */
START_TEST(test_move_fast_client_held_to_rate)
{
	struct td *d = tw_start(NULL);
	struct tw_user *a;
	int dx, x0, i, x, y, paid = 0, refused = 0, at;
	int64_t t0, elapsed;

	t0 = tc_now_ms();
	a = tw_join(d, "fast_a");
	tw_drain(a->c, 100);
	dx = tw_dir(a->x, 1, 41);
	x0 = a->x;
	/* Back and forth: every request is one step from where it was asked to be. */
	for (i = 0; i < 30; i++)
		tw_move(a, i % 2 == 0 ? x0 + dx : x0, a->y);
	at = x0;
	for (i = 0; i < 30; i++) {
		int want = i % 2 == 0 ? x0 + dx : x0;

		tw_pos(a->c, a->id, &x, &y);
		if (x == want && x != at)
			paid++;
		else if (x != want)
			refused++;
		at = x;
	}
	elapsed = tc_now_ms() - t0;
	fprintf(stderr, "# %d steps accepted, %d refused in %" PRId64 " ms\n", paid, refused,
	    elapsed);
	ck_assert_msg(paid >= DEFAULT_BURST, "only %d steps accepted, the reserve is %d", paid,
	    DEFAULT_BURST);
	ck_assert_msg(paid <= DEFAULT_BURST + 1 + elapsed / DEFAULT_TICK,
	    "%d steps accepted in %" PRId64 " ms: faster than one per %d ms after a reserve of %d",
	    paid, elapsed, DEFAULT_TICK, DEFAULT_BURST);
	if (30 / 2 > DEFAULT_BURST + 1 + elapsed / DEFAULT_TICK)
		ck_assert_msg(refused > 0, "nothing refused");
	tw_close(a);
	it_stop(d);
}
END_TEST

/*
 * A client that keeps to the windows (one step in each, by the wall clock,
 * as the web client walks) is never corrected, even when its moves arrive
 * bunched: here every third step is held back and sent together with the
 * next, as a slow network or a busy server would deliver them.
 */
START_TEST(test_move_bunched_walker_accepted)
{
	struct td *d = tw_start(NULL);
	struct tw_user *a, *b;
	int dx, x0, i, n = 15, held = 0;

	a = tw_join(d, "walk_a");
	b = tw_join(d, "walk_b");
	tw_drain(a->c, 100);
	dx = tw_dir(a->x, n, 41);
	x0 = a->x;
	for (i = 1; i <= n; i++) {
		tw_align_window(DEFAULT_TICK, 20);
		if (i % 3 == 0 && i < n) {
			held = 1;
			continue;
		}
		if (held)
			tw_move(a, x0 + (i - 1) * dx, a->y);
		tw_move(a, x0 + i * dx, a->y);
		held = 0;
	}
	for (i = 1; i <= n; i++) {
		tw_pos_is(a->c, a->id, x0 + i * dx, a->y);
		tw_pos_is(b->c, a->id, x0 + i * dx, a->y);
	}
	tw_none(a->c, TW_QUIET_MS, "update_position", "id", a->id);
	tw_close(b);
	tw_close(a);
	it_stop(d);
}
END_TEST

/* ---- teleport ---- */

/*
 * Three placed players: A at 2,2, B at 30,20, C at 10,35. Write-behind
 * delays are ten minutes, so a prompt save proves a teleport's forced one.
 */
static struct td *
teleport_world(struct tw_user **a, struct tw_user **b, struct tw_user **c, const char *role)
{
	struct td *d = tw_start("state_debounce_ms 600000\nstate_max_delay_ms 600000\n");
	char ua[33], ub[33], uc[33];

	tw_account_saved(d, ua, "tp_a");
	tw_account_saved(d, ub, "tp_b");
	tw_account_saved(d, uc, "tp_c");
	tw_place(ua, 2, 2);
	tw_place(ub, 30, 20);
	tw_place(uc, 10, 35);
	if (role != NULL)
		tw_set_role(ua, role);
	*b = tw_login(d, ub);
	*c = tw_login(d, uc);
	*a = tw_login(d, ua);
	ck_assert_msg((*a)->x == 2 && (*a)->y == 2 && (*b)->x == 30 && (*b)->y == 20,
	    "placement failed: A %d,%d B %d,%d", (*a)->x, (*a)->y, (*b)->x, (*b)->y);
	tw_drain((*b)->c, 100);
	tw_drain((*c)->c, 50);
	return d;
}

static void
expect_teleport_seen(struct tw_user *obs, struct tw_user *a, int x, int y)
{
	json_object *o;

	tw_pos_is(obs->c, a->id, x, y);
	o = tw_wait(obs->c, "teleport_complete", "id", a->id);
	ck_assert_int_eq(tw_int(o, "x"), x);
	ck_assert_int_eq(tw_int(o, "y"), y);
	json_object_put(o);
}

START_TEST(test_teleport_onto_user)
{
	struct tw_user *a, *b, *c;
	struct td *d = teleport_world(&a, &b, &c, NULL);

	/* Far beyond one step, but onto B's cell: accepted. */
	tw_teleport(a, 30, 20);
	tw_pos_is(a->c, a->id, 30, 20);
	expect_teleport_seen(b, a, 30, 20);
	expect_teleport_seen(c, a, 30, 20);
	tw_none(a->c, TW_QUIET_MS, "teleport_complete", NULL, NULL);
	/* A teleport is saved at once. */
	tw_wait_saved(a->user, 30, 20, 2000);

	/* Onto C's cell too; the step budget does not apply. */
	tw_teleport(a, 10, 35);
	tw_pos_is(a->c, a->id, 10, 35);
	expect_teleport_seen(b, a, 10, 35);
	expect_teleport_seen(c, a, 10, 35);
	tw_close(a);
	tw_close(b);
	tw_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_teleport_empty_refused)
{
	struct tw_user *a, *b, *c;
	struct td *d = teleport_world(&a, &b, &c, NULL);
	json_object *o;
	int sx, sy;

	tw_teleport(a, 20, 20);
	o = ta_ws_error(a->c, "teleport_refused");
	json_object_put(o);
	tw_pos_is(a->c, a->id, 2, 2);
	/* Next to B is not on B. */
	tw_teleport(a, 31, 20);
	json_object_put(ta_ws_error(a->c, "teleport_refused"));
	tw_pos_is(a->c, a->id, 2, 2);
	/* Out of the grid: a correction. */
	tw_teleport(a, -1, 20);
	tw_pos_is(a->c, a->id, 2, 2);
	tw_teleport(a, 30, 41);
	tw_pos_is(a->c, a->id, 2, 2);
	tw_none(b->c, TW_QUIET_MS, "update_position", "id", a->id);
	tw_none(b->c, 50, "teleport_complete", NULL, NULL);
	tw_none(c->c, 50, "update_position", "id", a->id);
	tw_none(c->c, 50, "teleport_complete", NULL, NULL);
	/* Nothing was saved: A never moved. */
	ck_assert_int_eq(tw_saved(a->user, &sx, &sy, NULL, 0), 1);
	ck_assert_msg(sx == 2 && sy == 2, "refused teleports saved %d,%d", sx, sy);
	tw_close(a);
	tw_close(b);
	tw_close(c);
	it_stop(d);
}
END_TEST

START_TEST(test_teleport_free_permission)
{
	struct tw_user *a, *b, *c;
	char role[33];
	struct td *d;

	tw_role_like_user(role, "tpfree", "movement.teleport_free", NULL);
	d = teleport_world(&a, &b, &c, role);
	ck_assert_str_eq(tw_str(tw_obj(a->welcome, "auth"), "role"), role);
	tw_teleport(a, 20, 20);
	tw_pos_is(a->c, a->id, 20, 20);
	expect_teleport_seen(b, a, 20, 20);
	expect_teleport_seen(c, a, 20, 20);
	tw_none(a->c, TW_QUIET_MS, "error", NULL, NULL);
	tw_wait_saved(a->user, 20, 20, 2000);
	/* Still not out of the grid. */
	tw_teleport(a, 41, 0);
	tw_pos_is(a->c, a->id, 20, 20);
	tw_none(b->c, TW_QUIET_MS, "update_position", "id", a->id);
	tw_close(a);
	tw_close(b);
	tw_close(c);
	it_stop(d);
}
END_TEST

/* ---- interest management ---- */

/* Moves for the interest tests: any distance, windows of 10 ms. */
#define FREE_MOVES "movement_tick_ms 10\nmovement_max_steps_per_tick 100\n"

static void
expect_presence(struct tc_conn *c, const char *type, struct tw_user *about, const char *reason,
    int x, int y)
{
	json_object *o = tw_wait(c, type, "id", about->id);

	ck_assert_str_eq(tw_str(o, "reason"), reason);
	if (strcmp(type, "user_joined") == 0) {
		ck_assert_int_eq(tw_int(o, "x"), x);
		ck_assert_int_eq(tw_int(o, "y"), y);
		ck_assert_str_eq(tw_str(o, "nickname"), about->nick);
		ck_assert_str_eq(tw_str(o, "userId"), about->userid);
	}
	json_object_put(o);
}

START_TEST(test_interest_radius)
{
	struct td *d = tw_start(FREE_MOVES "interest_radius 3\n");
	struct tw_user *f, *n, *m;
	char uf[33], un[33], um[33], line[300], mid[80];
	json_object *users, *all, *o;

	tw_account_saved(d, uf, "far");
	tw_account_saved(d, un, "near");
	tw_account_saved(d, um, "mover");
	tw_place(uf, 35, 35);
	tw_place(un, 5, 7);
	tw_place(um, 5, 5);

	f = tw_login(d, uf);
	ck_assert_int_eq(tw_int(tw_obj(f->welcome, "worldConfig"), "interestRadius"), 3);
	ck_assert_int_eq(json_object_array_length(tw_arr(f->welcome, "users")), 0);
	n = tw_login(d, un);
	ck_assert_int_eq(json_object_array_length(tw_arr(n->welcome, "users")), 0);
	tw_none(f->c, TW_QUIET_MS, "user_joined", "id", n->id);
	m = tw_login(d, um);

	/* M's welcome lists N (2 away), not F (30 away). */
	users = tw_arr(m->welcome, "users");
	ck_assert_int_eq(json_object_array_length(users), 1);
	ck_assert_ptr_nonnull(tw_find_id(users, n->id));
	ck_assert_ptr_null(tw_find_id(users, f->id));
	/* N is told M arrived, with the system line; F, out of range, hears of neither. */
	expect_presence(n->c, "user_joined", m, "login", 5, 5);
	snprintf(line, sizeof line, "%s has logged in.", m->nick);
	tw_sys(n->c, line);
	tw_none(f->c, TW_QUIET_MS, "user_joined", "id", m->id);
	tw_none(f->c, TW_QUIET_MS, "chat_message", "message", line);

	/* A move near N: N hears it, F does not. */
	tw_move(m, 6, 5);
	tw_pos_is(m->c, m->id, 6, 5);
	tw_pos_is(n->c, m->id, 6, 5);
	tw_none(f->c, TW_QUIET_MS, "update_position", "id", m->id);

	/* Into F's radius (exactly 3 away), out of N's. */
	tw_move(m, 32, 35);
	expect_presence(f->c, "user_joined", m, "in_range", 32, 35);
	expect_presence(n->c, "user_left", m, "out_of_range", 0, 0);
	/* M: its echo, F came into range, N went out of it (in any order). */
	all = tw_collect(m->c, 400);
	o = tw_find_msg(all, "update_position", "id", m->id);
	ck_assert_msg(o != NULL && tw_int(o, "x") == 32 && tw_int(o, "y") == 35,
	    "no echo at 32,35 among %s", json_object_to_json_string(all));
	o = tw_find_msg(all, "user_joined", "id", f->id);
	ck_assert_msg(o != NULL, "M not told F is in range: %s", json_object_to_json_string(all));
	ck_assert_str_eq(tw_str(o, "reason"), "in_range");
	ck_assert_int_eq(tw_int(o, "x"), 35);
	ck_assert_int_eq(tw_int(o, "y"), 35);
	ck_assert_str_eq(tw_str(o, "nickname"), f->nick);
	o = tw_find_msg(all, "user_left", "id", n->id);
	ck_assert_msg(o != NULL, "M not told N is out of range: %s", json_object_to_json_string(all));
	ck_assert_str_eq(tw_str(o, "reason"), "out_of_range");
	json_object_put(all);

	/* Inside the radius: plain moves. */
	tw_move(m, 33, 35);
	tw_pos_is(m->c, m->id, 33, 35);
	tw_pos_is(f->c, m->id, 33, 35);
	tw_none(n->c, TW_QUIET_MS, "update_position", "id", m->id);

	/* 4 away: F and M lose each other. */
	tw_move(m, 31, 35);
	tw_pos_is(m->c, m->id, 31, 35);
	expect_presence(f->c, "user_left", m, "out_of_range", 0, 0);
	expect_presence(m->c, "user_left", f, "out_of_range", 0, 0);
	tw_none(f->c, TW_QUIET_MS, "update_position", "id", m->id);

	/* Back in range, then a nickname change: F sees it and its line; N, out of range, neither. */
	tw_move(m, 32, 34);
	expect_presence(f->c, "user_joined", m, "in_range", 32, 34);
	tw_drain(n->c, 50);
	tw_nick(m, "Mover Renamed");
	json_object_put(tw_wait(m->c, "nickname_result", NULL, NULL));
	o = tw_wait(f->c, "update_nickname", "id", m->id);
	ck_assert_str_eq(tw_str(o, "nickname"), "Mover Renamed");
	json_object_put(o);
	snprintf(line, sizeof line, "%s is now known as Mover Renamed.", m->nick);
	tw_sys(f->c, line);
	tw_none(n->c, TW_QUIET_MS, "update_nickname", NULL, NULL);
	tw_none(n->c, TW_QUIET_MS, "chat_message", "message", line);

	/* M leaves: F (in range) gets user_left and the line; N (out of range) neither. */
	snprintf(mid, sizeof mid, "%s", m->id);
	tw_close(m);
	o = tw_wait(f->c, "user_left", "id", mid);
	ck_assert_str_eq(tw_str(o, "reason"), "logout");
	json_object_put(o);
	tw_sys(f->c, "Mover Renamed has logged out.");
	tw_none(n->c, TW_QUIET_MS, "user_left", "id", mid);
	tw_none(n->c, TW_QUIET_MS, "chat_message", "message", "Mover Renamed has logged out.");
	tw_close(n);
	tw_close(f);
	it_stop(d);
}
END_TEST

/* M's own view while crossing: it learns who came into and went out of its range. */
START_TEST(test_interest_radius_mover_view)
{
	struct td *d = tw_start(FREE_MOVES "interest_radius 3\n");
	struct tw_user *f, *n, *m;
	char uf[33], un[33], um[33];

	tw_account_saved(d, uf, "far");
	tw_account_saved(d, un, "near");
	tw_account_saved(d, um, "mover");
	tw_place(uf, 35, 35);
	tw_place(un, 5, 7);
	tw_place(um, 5, 5);
	f = tw_login(d, uf);
	n = tw_login(d, un);
	m = tw_login(d, um);
	expect_presence(n->c, "user_joined", m, "login", 5, 5);
	tw_move(m, 34, 36);
	expect_presence(m->c, "user_left", n, "out_of_range", 0, 0);
	tw_move(m, 34, 38);
	/* Still within 3 of F: a plain move for F, no presence change for M. */
	tw_pos_is(f->c, m->id, 34, 38);
	tw_none(m->c, TW_QUIET_MS, "user_left", NULL, NULL);
	tw_move(m, 5, 9);
	expect_presence(m->c, "user_left", f, "out_of_range", 0, 0);
	expect_presence(n->c, "user_joined", m, "in_range", 5, 9);
	tw_close(m);
	tw_close(n);
	tw_close(f);
	it_stop(d);
}
END_TEST

/* A teleport under interest management: the destination's players see it arrive. */
START_TEST(test_interest_radius_teleport)
{
	struct td *d = tw_start(FREE_MOVES "interest_radius 3\n");
	struct tw_user *f, *n, *m;
	char uf[33], un[33], um[33];
	json_object *o;

	tw_account_saved(d, uf, "tfar");
	tw_account_saved(d, un, "tnear");
	tw_account_saved(d, um, "tmover");
	tw_place(uf, 35, 35);
	tw_place(un, 5, 7);
	tw_place(um, 5, 5);
	f = tw_login(d, uf);
	n = tw_login(d, un);
	m = tw_login(d, um);
	expect_presence(n->c, "user_joined", m, "login", 5, 5);
	tw_teleport(m, 35, 35);
	tw_pos_is(m->c, m->id, 35, 35);
	expect_presence(f->c, "user_joined", m, "in_range", 35, 35);
	o = tw_wait(f->c, "teleport_complete", "id", m->id);
	ck_assert_int_eq(tw_int(o, "x"), 35);
	ck_assert_int_eq(tw_int(o, "y"), 35);
	json_object_put(o);
	expect_presence(n->c, "user_left", m, "out_of_range", 0, 0);
	tw_none(n->c, TW_QUIET_MS, "teleport_complete", NULL, NULL);
	tw_close(m);
	tw_close(n);
	tw_close(f);
	it_stop(d);
}
END_TEST

START_TEST(test_interest_radius_zero)
{
	struct td *d = tw_start(FREE_MOVES);
	struct tw_user *f, *m;
	char uf[33], um[33];

	tw_account_saved(d, uf, "zfar");
	tw_account_saved(d, um, "zmover");
	tw_place(uf, 40, 40);
	tw_place(um, 0, 0);
	f = tw_login(d, uf);
	m = tw_login(d, um);
	ck_assert_int_eq(tw_int(tw_obj(m->welcome, "worldConfig"), "interestRadius"), 0);
	ck_assert_ptr_nonnull(tw_find_id(tw_arr(m->welcome, "users"), f->id));
	expect_presence(f->c, "user_joined", m, "login", 0, 0);
	tw_move(m, 1, 0);
	tw_pos_is(m->c, m->id, 1, 0);
	tw_pos_is(f->c, m->id, 1, 0);
	tw_move(m, 20, 20);
	tw_pos_is(f->c, m->id, 20, 20);
	tw_none(f->c, TW_QUIET_MS, "user_left", NULL, NULL);
	tw_none(f->c, 50, "user_joined", NULL, NULL);
	tw_close(m);
	tw_close(f);
	it_stop(d);
}
END_TEST

/*
 * When the server falls behind (here: stopped for a second and a half while
 * a walker keeps to the windows), the moves it could not read arrive
 * together; none of them is corrected, since the delay was the server's.
 */
START_TEST(test_move_server_stall_not_corrected)
{
	struct td *d = tw_start(NULL);
	struct tw_user *a;
	int dx, x0, i, n = 14;

	a = tw_join(d, "stall_a");
	tw_drain(a->c, 100);
	dx = tw_dir(a->x, n, 41);
	x0 = a->x;
	for (i = 1; i <= n; i++) {
		tw_align_window(DEFAULT_TICK, 20);
		if (i == 3)
			ck_assert_int_eq(td_signal(d, SIGSTOP), 0);
		if (i == 11)
			ck_assert_int_eq(td_signal(d, SIGCONT), 0);
		tw_move(a, x0 + i * dx, a->y);
	}
	for (i = 1; i <= n; i++)
		tw_pos_is(a->c, a->id, x0 + i * dx, a->y);
	tw_none(a->c, TW_QUIET_MS, "update_position", "id", a->id);
	tw_close(a);
	it_stop(d);
}
END_TEST

static Suite *
move_suite(void)
{
	Suite *s = suite_create("world-move");
	TCase *tc = tcase_create("movement");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_move_out_of_bounds);
	tcase_add_test(tc, test_move_budget);
	tcase_add_test(tc, test_move_diagonal_costs_one);
	tcase_add_test(tc, test_move_jump_over_budget);
	tcase_add_test(tc, test_move_zero_step);
	tcase_add_test(tc, test_move_fast_client_held_to_rate);
	tcase_add_test(tc, test_move_bunched_walker_accepted);
	tcase_add_test(tc, test_move_server_stall_not_corrected);
	suite_add_tcase(s, tc);

	tc = tcase_create("teleport");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_teleport_onto_user);
	tcase_add_test(tc, test_teleport_empty_refused);
	tcase_add_test(tc, test_teleport_free_permission);
	suite_add_tcase(s, tc);

	tc = tcase_create("interest");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_interest_radius);
	tcase_add_test(tc, test_interest_radius_mover_view);
	tcase_add_test(tc, test_interest_radius_teleport);
	tcase_add_test(tc, test_interest_radius_zero);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ag_main(move_suite());
}

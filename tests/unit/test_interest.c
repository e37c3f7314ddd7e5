/*
 * test_interest.c: interest management (core/chatgridd/world/interest.c)
 * on its own, with players that are only positions: a query visits every
 * player within the rectangle exactly once, only players of the buckets
 * touching it, and stays right while players move, leave and arrive, on
 * grids whose side is or is not a multiple of the radius.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "world/interest.h"
#include "world/world.h"

#define MAXP 4000

static struct player players[MAXP];
static int present[MAXP];
static int visits[MAXP];
static uint32_t seed;

/* A small deterministic generator: the same players on every run. */
static uint32_t
rnd(uint32_t n)
{
	seed = seed * 1664525u + 1013904223u;
	return (seed >> 8) % n;
}

static void
count_visit(struct player *p, void *arg)
{
	(void)arg;
	visits[p - players]++;
}

static void
setup_players(int grid, int radius, int n)
{
	int i;

	memset(players, 0, sizeof players);
	memset(present, 0, sizeof present);
	interest_init(grid, radius);
	for (i = 0; i < n; i++) {
		players[i].bucket = -1;
		players[i].x = (int)rnd((uint32_t)grid);
		players[i].y = (int)rnd((uint32_t)grid);
		interest_place(&players[i]);
		present[i] = 1;
	}
}

/*
 * Query the rectangle around (x, y) with half-width r and check: each
 * present player inside is visited once; nobody twice; nobody absent;
 * nobody farther out than one bucket edge (radius - 1) beyond it.
 */
static void
check_query(int grid, int radius, int n, int x, int y, int r)
{
	int i, dx, dy, slack = radius - 1;

	memset(visits, 0, sizeof visits);
	interest_foreach_rect(x - r, y - r, x + r, y + r, count_visit, NULL);
	for (i = 0; i < n; i++) {
		dx = abs(players[i].x - x);
		dy = abs(players[i].y - y);
		if (!present[i]) {
			ck_assert_msg(visits[i] == 0, "player %d left but was visited", i);
			continue;
		}
		ck_assert_msg(visits[i] <= 1, "player %d visited %d times", i, visits[i]);
		if (dx <= r && dy <= r)
			ck_assert_msg(visits[i] == 1, "player %d at %d,%d missed by the query at %d,%d r %d",
			    i, players[i].x, players[i].y, x, y, r);
		if (visits[i])
			ck_assert_msg(dx <= r + slack && dy <= r + slack,
			    "player %d at %d,%d visited from %d,%d r %d: outside the touching buckets",
			    i, players[i].x, players[i].y, x, y, r);
	}
	(void)grid;
}

static void
queries(int grid, int radius, int n, int count)
{
	int k;

	for (k = 0; k < count; k++)
		check_query(grid, radius, n, (int)rnd((uint32_t)grid), (int)rnd((uint32_t)grid),
		    1 + (int)rnd((uint32_t)radius));
}

START_TEST(test_city)
{
	seed = 7;
	setup_players(400, 20, 3000);
	queries(400, 20, 3000, 300);
}
END_TEST

START_TEST(test_moves_leaves_arrivals)
{
	int i, k;

	seed = 11;
	setup_players(400, 20, 3000);
	for (k = 0; k < 3; k++) {
		for (i = 0; i < 3000; i++) {
			if (!present[i])
				continue;
			/* A step or a teleport, as moves come. */
			if (rnd(10) == 0) {
				players[i].x = (int)rnd(400);
				players[i].y = (int)rnd(400);
			} else {
				players[i].x = (players[i].x + (int)rnd(3) + 399) % 400;
				players[i].y = (players[i].y + (int)rnd(3) + 399) % 400;
			}
			interest_place(&players[i]);
		}
		for (i = k; i < 3000; i += 7)
			if (present[i]) {
				interest_remove(&players[i]);
				present[i] = 0;
				ck_assert_int_eq(players[i].bucket, -1);
			}
		for (i = k + 3; i < 3000; i += 13)
			if (!present[i]) {
				interest_place(&players[i]);
				present[i] = 1;
			}
		queries(400, 20, 3000, 150);
	}
}
END_TEST

/* A grid whose side is not a multiple of the radius: the last buckets are partial. */
START_TEST(test_partial_buckets)
{
	seed = 13;
	setup_players(45, 20, 500);
	queries(45, 20, 500, 200);
	/* Corners and rectangles past the edges. */
	check_query(45, 20, 500, 0, 0, 20);
	check_query(45, 20, 500, 44, 44, 20);
	check_query(45, 20, 500, 44, 0, 3);
	check_query(45, 20, 500, 0, 44, 1);
}
END_TEST

/* A radius as large as the grid: one bucket holds everyone. */
START_TEST(test_one_bucket)
{
	int i;

	seed = 17;
	setup_players(30, 30, 200);
	for (i = 0; i < 200; i++)
		ck_assert_int_eq(players[i].bucket, 0);
	check_query(30, 30, 200, 15, 15, 30);
	check_query(30, 30, 200, 0, 29, 1);
}
END_TEST

/* Placing a player again in the same square changes nothing; a rectangle off the grid visits nobody. */
START_TEST(test_idempotent_and_outside)
{
	int b;

	seed = 19;
	setup_players(100, 10, 50);
	b = players[0].bucket;
	interest_place(&players[0]);
	interest_place(&players[0]);
	ck_assert_int_eq(players[0].bucket, b);
	check_query(100, 10, 50, players[0].x, players[0].y, 1);
	memset(visits, 0, sizeof visits);
	interest_foreach_rect(-30, -30, -1, -1, count_visit, NULL);
	interest_foreach_rect(100, 100, 130, 130, count_visit, NULL);
	for (b = 0; b < 50; b++)
		ck_assert_int_eq(visits[b], 0);
	interest_free();
}
END_TEST

static Suite *
interest_suite(void)
{
	Suite *s = suite_create("interest");
	TCase *tc = tcase_create("buckets");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_city);
	tcase_add_test(tc, test_moves_leaves_arrivals);
	tcase_add_test(tc, test_partial_buckets);
	tcase_add_test(tc, test_one_bucket);
	tcase_add_test(tc, test_idempotent_and_outside);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(interest_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

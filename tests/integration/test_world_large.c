/*
 * test_world_large.c: a world of 20,000 items (issue 19, items 1 and 2).
 * The items are written straight into PostgreSQL, one widget on every cell
 * of a 100 x 200 block of a 200-cell grid; the 1,000 of the first five
 * columns carry maximal parameters (two 2,048-character sounds of U+0001,
 * six bytes each once escaped: about 25 KB per item). Before the fix every
 * welcome held the whole world (well over max_output_bytes) and every
 * login, the admin's included, ended in 1008 Output queue full.
 *
 * What is checked: a new user and the admin log in; each welcome stays
 * under WELCOME_MAX and holds only items within item_interest_radius; the
 * rest of the items in range follow as item_upsert, and the client then
 * knows exactly the items in range; moving brings the items of the new
 * place into view and sends item_remove for those left behind.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_items_common.h"

#define GRID 200
#define COLS 100		/* items on x 0..99, y 0..199 */
#define RADIUS 24		/* the default item_interest_radius */
#define NITEMS (COLS * GRID)
/* item_batch_bytes (256 KiB by default) of items, and the rest of the welcome. */
#define WELCOME_MAX (256 * 1024 + 64 * 1024)

static const char *large_config =
    "grid_size 200\n"
    "item_interest_radius 24\n"
    "max_items 0\n";

/* Seed the world while the daemon is stopped (it loads items at start). */
static void
seed_items(void)
{
	ag_sql("DELETE FROM items");
	ag_sql("INSERT INTO items (id, type, title, x, y, params, created_by_name, updated_by_name) "
	    "SELECT md5(g::text)::uuid, 'widget', 'w' || g, g / %d, g %% %d, "
	    "CASE WHEN g / %d < 5 THEN jsonb_build_object('useSound', repeat(chr(1), 2048), "
	    "'emitSound', repeat(chr(1), 2048), 'enabled', true) ELSE '{}'::jsonb END, 'seed', 'seed' "
	    "FROM generate_series(0, %d) g", GRID, GRID, GRID, NITEMS - 1);
}

/* A started daemon over the seeded world; *dir_out gets its plugin directory. */
static struct td *
large_start(char **dir_out)
{
	struct td *td = ti_start("widget", large_config, dir_out);

	/* The first start made the schema; the second loads the seeded items. */
	td_stop(td);
	td_free(td);
	seed_items();
	return ti_start_dir(*dir_out, large_config);
}

/* An account placed at (x, y) before it logs in; role "admin" or NULL. */
static struct tw_user *
login_at(struct td *td, const char *tag, int x, int y, const char *role)
{
	char user[33];
	struct tw_user *u;

	tw_account(td, user, tag);
	/* The registering connection's position is saved as it leaves: let that land first. */
	free(ag_sql_wait(NULL, "SELECT last_x FROM account_state s JOIN accounts a ON a.id = s.account_id "
	    "WHERE a.username = '%s'", user));
	ag_sql("INSERT INTO account_state (account_id, last_x, last_y) SELECT id, %d, %d FROM accounts "
	    "WHERE username = '%s' ON CONFLICT (account_id) DO UPDATE SET last_x = %d, last_y = %d",
	    x, y, user, x, y);
	if (role != NULL)
		tw_set_role(user, role);
	u = tw_login(td, user);
	ck_assert_int_eq(u->x, x);
	ck_assert_int_eq(u->y, y);
	return u;
}

static int
in_range(int px, int py, int x, int y)
{
	return abs(px - x) <= RADIUS && abs(py - y) <= RADIUS;
}

/* Seeded cells within range of (px, py). */
static int
expected_count(int px, int py)
{
	int x, y, n = 0;

	for (x = 0; x < COLS; x++)
		for (y = 0; y < GRID; y++)
			n += in_range(px, py, x, y);
	return n;
}

/* What a client knows: item id -> x * 1000 + y. */
struct view {
	json_object *known;
	int upserts, removes;
};

static void
view_add(struct view *v, json_object *item)
{
	json_object_object_add(v->known, tw_str(item, "id"),
	    json_object_new_int((int)(tw_int(item, "x") * 1000 + tw_int(item, "y"))));
}

/* Read until the daemon has been quiet for a while, applying items. */
static void
view_read(struct tw_user *u, struct view *v)
{
	json_object *o, *item;
	const char *type;

	while ((o = tc_ws_recv_json(u->c, td_ms(1500))) != NULL) {
		type = tc_json_str(o, "type");
		if (type != NULL && strcmp(type, "item_upsert") == 0) {
			item = tw_get(o, "item");
			view_add(v, item);
			v->upserts++;
		} else if (type != NULL && strcmp(type, "item_remove") == 0) {
			ck_assert_msg(json_object_object_get_ex(v->known, tw_str(o, "itemId"), NULL),
			    "item_remove for %s, which the client was never sent", tw_str(o, "itemId"));
			json_object_object_del(v->known, tw_str(o, "itemId"));
			v->removes++;
		}
		json_object_put(o);
	}
	ck_assert_msg(tc_ws_close_code(u->c) == 0, "the connection was closed with %d", tc_ws_close_code(u->c));
}

/* The client knows exactly the seeded items within range of (px, py). */
static void
view_check(const struct view *v, int px, int py)
{
	int n = 0, pos;

	json_object_object_foreach(v->known, id, val) {
		pos = json_object_get_int(val);
		ck_assert_msg(in_range(px, py, pos / 1000, pos % 1000), "the client at %d, %d knows item %s at %d, %d",
		    px, py, id, pos / 1000, pos % 1000);
		n++;
	}
	ck_assert_int_eq(n, expected_count(px, py));
}

/* The welcome's size, and its items all in range: they start the view. */
static void
check_welcome(struct tw_user *u, struct view *v)
{
	json_object *items = tw_get(u->welcome, "items");
	size_t len, i, n = json_object_array_length(items);

	json_object_to_json_string_length(u->welcome, JSON_C_TO_STRING_PLAIN, &len);
	/* For docs/decisions.md: what a welcome weighs here. */
	fprintf(stderr, "test_world_large: welcome at %d, %d: %zu bytes, %zu of the %d items in range\n", u->x, u->y,
	    len, n, expected_count(u->x, u->y));
	ck_assert_msg(len <= WELCOME_MAX, "a welcome of %zu bytes (%zu items)", len, n);
	ck_assert_msg(n > 0, "a welcome without items at %d, %d", u->x, u->y);
	for (i = 0; i < n; i++) {
		json_object *it = json_object_array_get_idx(items, i);

		ck_assert_msg(in_range(u->x, u->y, (int)tw_int(it, "x"), (int)tw_int(it, "y")),
		    "welcome item at %lld, %lld for a player at %d, %d", (long long)tw_int(it, "x"),
		    (long long)tw_int(it, "y"), u->x, u->y);
		view_add(v, it);
	}
}

static void
ping_works(struct tw_user *u)
{
	json_object *o;

	tw_sendf(u, "{\"type\":\"ping\",\"clientSentAt\":4711}");
	o = tw_wait(u->c, "pong", NULL, NULL);
	json_object_put(o);
}

START_TEST(welcome_bounded_in_a_large_world)
{
	char *dir;
	struct td *td = large_start(&dir);
	/* The user among the heavy items, the admin in the middle of the block. */
	struct tw_user *u = login_at(td, "lw_user", 10, 10, NULL);
	struct tw_user *a;
	struct view vu = { json_object_new_object(), 0, 0 }, va = { json_object_new_object(), 0, 0 };

	check_welcome(u, &vu);
	view_read(u, &vu);
	/* Most of it came after the welcome, as the client read. */
	ck_assert_int_gt(vu.upserts, 0);
	view_check(&vu, 10, 10);
	ping_works(u);

	a = login_at(td, "lw_admin", 50, 100, "admin");
	check_welcome(a, &va);
	view_read(a, &va);
	view_check(&va, 50, 100);
	ping_works(a);
	ck_assert(!td_log_contains(td, "output queue over"));

	json_object_put(vu.known);
	json_object_put(va.known);
	tw_close(u);
	tw_close(a);
	td_stop(td);
	td_free(td);
	free(dir);
}
END_TEST

START_TEST(moving_brings_items_into_view)
{
	char *dir;
	struct td *td = large_start(&dir);
	struct tw_user *u = login_at(td, "lw_walker", 30, 30, NULL);
	struct view v = { json_object_new_object(), 0, 0 };
	int i, x = 30, y = 30;

	check_welcome(u, &v);
	view_read(u, &v);
	view_check(&v, 30, 30);
	/* A walk, one step at a time: each step shows a new row and forgets one. */
	for (i = 0; i < 10; i++) {
		x++;
		y++;
		tw_sendf(u, "{\"type\":\"update_position\",\"x\":%d,\"y\":%d}", x, y);
	}
	v.upserts = v.removes = 0;
	view_read(u, &v);
	view_check(&v, x, y);
	ck_assert_int_gt(v.upserts, 0);
	ck_assert_int_gt(v.removes, 0);
	/* A long way at once (beyond the items: everything goes), and back into the block. */
	tw_sendf(u, "{\"type\":\"update_position\",\"x\":%d,\"y\":%d}", 160, 190);
	view_read(u, &v);
	view_check(&v, 160, 190);
	tw_sendf(u, "{\"type\":\"update_position\",\"x\":%d,\"y\":%d}", 90, 150);
	view_read(u, &v);
	view_check(&v, 90, 150);
	ping_works(u);

	json_object_put(v.known);
	tw_close(u);
	td_stop(td);
	td_free(td);
	free(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("world_large");
	TCase *tc = tcase_create("large");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, welcome_bounded_in_a_large_world);
	tcase_add_test(tc, moving_brings_items_into_view);
	suite_add_tcase(s, tc);
	return ag_main(s);
}

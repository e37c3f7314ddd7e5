/*
 * test_items_persist.c: items in PostgreSQL (reference §6.13, done
 * better): everything survives a clean restart (the shutdown flush), at
 * most the write-behind window is lost to kill -9 and the world is never
 * corrupt, writes are coalesced (debounce and maximum delay), items left
 * carried by a crash are put down at start-up, items of a type whose
 * plugin is missing are kept (and come back with the plugin, also on
 * SIGHUP), and writes that fail while the database is away are retried.
 * Tables that would only grow (issue 19 item 7): deletions held while the
 * database is away are bounded (item_delete_backlog_max: past it a delete
 * is refused, never dropped), and expired sessions are swept.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_items_common.h"

static char *
row(const char *id, const char *col)
{
	return ag_sql_value("SELECT %s FROM items WHERE id = '%s'", col, id);
}

/* Wait up to ms for the row's column to equal want (NULL: no row). */
static int
row_becomes(const char *id, const char *col, const char *want, int ms)
{
	int64_t end = tc_now_ms() + td_ms(ms);
	char *v;
	int ok;

	for (;;) {
		v = row(id, col);
		ok = want == NULL ? v == NULL : v != NULL && strcmp(v, want) == 0;
		free(v);
		if (ok || tc_now_ms() > end)
			return ok;
		tw_sleep_ms(50);
	}
}

START_TEST(clean_restart_keeps_everything)
{
	char *dir, *id;
	struct td *td = ti_start("dice", NULL, &dir);
	struct tw_user *a = tw_join(td, "pclean");
	json_object *items, *it;
	char user[33];

	snprintf(user, sizeof user, "%s", a->user);
	id = ti_add(a, "dice");
	ti_update(a, id, "Kept dice", "{\"sides\":12}");
	ti_expect(a, "update", 1, "Updated Kept dice.");
	/* Stop at once: the final flush writes what the debounce still holds. */
	tw_close(a);
	ck_assert_int_eq(td_stop(td), 0);
	td_free(td);
	ck_assert(row_becomes(id, "title", "Kept dice", 0));

	td = ti_start_dir(dir, NULL);
	a = tw_login(td, user);
	items = tw_get(a->welcome, "items");
	ck_assert_int_eq(json_object_array_length(items), 1);
	it = json_object_array_get_idx(items, 0);
	ck_assert_str_eq(tw_str(it, "id"), id);
	ck_assert_str_eq(tw_str(it, "title"), "Kept dice");
	ck_assert_str_eq(tw_js(tw_get(it, "params")), "{\"sides\":12,\"number\":2}");
	ck_assert_int_eq(tw_int(it, "version"), 2);
	ck_assert_str_eq(tw_str(it, "createdBy"), a->userid);
	ck_assert_str_eq(tw_str(it, "createdByName"), user);
	ck_assert(tw_int(it, "createdAt") > 1600000000000LL);
	/* Capabilities and sounds come from the type again, not from the row. */
	ck_assert_str_eq(tw_str(it, "useSound"), "sounds/roll.ogg");
	ck_assert_int_eq(json_object_array_length(tw_get(it, "capabilities")), 4);
	free(id);
	free(dir);
	tw_close(a);
	td_stop(td);
	td_free(td);
}
END_TEST

START_TEST(writes_are_coalesced)
{
	struct td *td = ti_start("dice", "item_save_debounce_ms 1000\nitem_save_max_delay_ms 3000\n", NULL);
	struct tw_user *a = tw_join(td, "pcoal");
	char *id, want[16];
	int i;

	id = ti_add(a, "dice");
	/* Not yet: the debounce holds it. */
	ck_assert(row_becomes(id, "version", NULL, 0));
	ck_assert(row_becomes(id, "version", "1", 2000));
	/* Changes every 300 ms keep the debounce waiting; the maximum delay writes anyway. */
	for (i = 0; i < 12; i++) {
		ti_update(a, id, NULL, NULL);
		ti_expect(a, "update", 1, NULL);
		if (i == 4) {
			char *v = row(id, "version");

			ck_assert_str_eq(v, "1");
			free(v);
		}
		tw_sleep_ms(300);
	}
	{
		char *v = row(id, "version");

		ck_assert_msg(v != NULL && atoi(v) > 1 && atoi(v) < 13, "version %s after 3.6 s of changes", v);
		free(v);
	}
	snprintf(want, sizeof want, "%d", 13);
	ck_assert(row_becomes(id, "version", want, 2500));
	free(id);
	tw_close(a);
	td_stop(td);
	td_free(td);
}
END_TEST

START_TEST(kill_9_loses_at_most_the_window)
{
	char *dir, *id, *id2, user[33];
	struct td *td = ti_start("dice", NULL, &dir);
	struct tw_user *a = tw_join(td, "pkill");
	json_object *items, *it;
	size_t i;
	int found = 0;

	snprintf(user, sizeof user, "%s", a->user);
	id = ti_add(a, "dice");
	ti_update(a, id, "Saved", "{\"number\":5}");
	ti_expect(a, "update", 1, NULL);
	/* Past the maximum delay (1 s): written. */
	ck_assert(row_becomes(id, "title", "Saved", 3000));
	/* A change inside the window may be lost, and nothing else. */
	id2 = ti_add(a, "dice");
	ti_update(a, id, "Maybe", NULL);
	ti_expect(a, "update", 1, NULL);
	td_signal(td, SIGKILL);
	td_wait(td, 5000);
	td_free(td);

	td = ti_start_dir(dir, NULL);
	a = tw_login(td, user);
	items = tw_get(a->welcome, "items");
	for (i = 0; i < json_object_array_length(items); i++) {
		it = json_object_array_get_idx(items, i);
		if (strcmp(tw_str(it, "id"), id) != 0)
			continue;
		found = 1;
		ck_assert_msg(strcmp(tw_str(it, "title"), "Saved") == 0 || strcmp(tw_str(it, "title"), "Maybe") == 0,
		    "title %s", tw_str(it, "title"));
		ck_assert_str_eq(tw_js(tw_get(it, "params")), "{\"sides\":6,\"number\":5}");
	}
	ck_assert(found);
	/* Whatever survived is whole: every row loads and is usable. */
	ti_item_msg(a, "item_pickup", id);
	json_object_put(ti_result(a, "pickup", 0, NULL));
	free(id);
	free(id2);
	free(dir);
	tw_close(a);
	td_stop(td);
	td_free(td);
}
END_TEST

START_TEST(carried_items_put_down_after_crash)
{
	char *dir, *id, user[33], *v;
	struct td *td = ti_start("dice", NULL, &dir);
	struct tw_user *a = tw_join(td, "pcarry");
	json_object *it;
	int x, y;

	snprintf(user, sizeof user, "%s", a->user);
	id = ti_add(a, "dice");
	ti_item_msg(a, "item_pickup", id);
	ti_expect(a, "pickup", 1, NULL);
	x = a->x < 20 ? a->x + 7 : a->x - 7;
	y = a->y < 20 ? a->y + 7 : a->y - 7;
	tw_goto(a, x, y);
	/* The carried position is written behind too. */
	{
		char want[16];

		snprintf(want, sizeof want, "%d", x);
		ck_assert(row_becomes(id, "x", want, 3000));
	}
	v = row(id, "carrier_account_id");
	ck_assert_str_eq(v, a->userid);
	free(v);
	snprintf(user, sizeof user, "%s", a->user);
	td_signal(td, SIGKILL);
	td_wait(td, 5000);
	td_free(td);

	td = ti_start_dir(dir, NULL);
	ck_assert(td_wait_log(td, "items still carried after an unclean stop, put down where they were last: 1", td_ms(2000)));
	v = row(id, "carrier_account_id");
	ck_assert_ptr_null(v);
	a = tw_login(td, user);
	it = json_object_array_get_idx(tw_get(a->welcome, "items"), 0);
	ck_assert_str_eq(tw_str(it, "id"), id);
	ck_assert(!json_object_object_get_ex(it, "carrierId", NULL));
	ck_assert_int_eq(tw_int(it, "x"), x);
	ck_assert_int_eq(tw_int(it, "y"), y);
	ck_assert_str_eq(tw_str(it, "updatedBy"), "system");
	/* And it can be picked up again. */
	tw_goto(a, x, y);
	ti_item_msg(a, "item_pickup", id);
	ti_expect(a, "pickup", 1, "Picked up Dice.");
	free(id);
	free(dir);
	tw_close(a);
	td_stop(td);
	td_free(td);
}
END_TEST

START_TEST(missing_type_is_kept)
{
	char *dir, *dice, *wheel, user[33], *v;
	struct td *td = ti_start("dice wheel", NULL, &dir);
	struct tw_user *a = tw_join(td, "pmiss"), *b;
	json_object *items, *o, *it;

	snprintf(user, sizeof user, "%s", a->user);
	dice = ti_add(a, "dice");
	wheel = ti_add(a, "wheel");
	ti_update(a, wheel, "Fortune", "{\"spaces\":\"x, y\"}");
	ti_expect(a, "update", 1, NULL);
	tw_close(a);
	ck_assert_int_eq(td_stop(td), 0);
	td_free(td);
	free(dir);

	/* Without the wheel plugin: the wheel is kept and reported, not shown. */
	dir = ti_plugin_dir("dice");
	td = ti_start_dir(dir, NULL);
	ck_assert(td_wait_log(td, "items of type wheel kept but not shown (no loaded plugin provides that type): 1", td_ms(2000)));
	a = tw_login(td, user);
	items = tw_get(a->welcome, "items");
	ck_assert_int_eq(json_object_array_length(items), 1);
	ck_assert_str_eq(tw_str(json_object_array_get_idx(items, 0), "id"), dice);
	ck_assert_str_eq(tw_js(tw_get(tw_get(a->welcome, "uiDefinitions"), "itemTypeOrder")), "[\"dice\"]");
	ti_item_msg(a, "item_use", wheel);
	ti_expect(a, "use", 0, "Item not found.");
	tw_sendf(a, "{\"type\":\"item_add\",\"itemType\":\"wheel\"}");
	ti_expect(a, "add", 0, "Unknown item type.");
	/* A restart without it does not lose it either. */
	tw_close(a);
	ck_assert_int_eq(td_stop(td), 0);
	td_free(td);
	v = row(wheel, "params->>'spaces'");
	ck_assert_str_eq(v, "x, y");
	free(v);

	/* Back with its plugin, dropped in while running: SIGHUP. */
	td = ti_start_dir(dir, NULL);
	a = tw_login(td, user);
	ti_add_plugin(dir, "wheel");
	td_signal(td, SIGHUP);
	it = ti_upsert(a->c, wheel);
	ck_assert_str_eq(tw_str(it, "title"), "Fortune");
	ck_assert_str_eq(tw_str(tw_get(it, "params"), "spaces"), "x, y");
	json_object_put(it);
	o = tw_wait(a->c, "ui_definitions", NULL, NULL);
	ck_assert_str_eq(tw_js(tw_get(tw_get(o, "uiDefinitions"), "itemTypeOrder")), "[\"dice\",\"wheel\"]");
	json_object_put(o);
	b = tw_join(td, "pmiss");
	ck_assert_int_eq(json_object_array_length(tw_get(b->welcome, "items")), 2);
	free(dice);
	free(wheel);
	free(dir);
	tw_close(a);
	tw_close(b);
	td_stop(td);
	td_free(td);
}
END_TEST

START_TEST(writes_wait_for_the_database)
{
	struct td *td = ti_start("dice", NULL, NULL);
	struct tw_user *a = tw_join(td, "pdown");
	char *id;

	id = ti_add(a, "dice");
	ck_assert(row_becomes(id, "version", "1", 3000));
	ck_assert_int_eq(pgtest_stop_server(ag_pg), 0);
	/* The world goes on without the database. */
	ti_update(a, id, "Offline edit", NULL);
	ti_expect(a, "update", 1, "Updated Offline edit.");
	tw_sleep_ms(1500);
	ck_assert_int_eq(pgtest_start_server(ag_pg), 0);
	ck_assert(row_becomes(id, "title", "Offline edit", 15000));
	free(id);
	tw_close(a);
	td_stop(td);
	td_free(td);
}
END_TEST

/*
 * While the database is away, deletions wait in memory, at most
 * item_delete_backlog_max of them: the next delete is refused with a clear
 * error and a log line, and every delete that was accepted reaches the
 * database once it is back.
 */
START_TEST(deletes_bounded_while_database_down)
{
	struct td *td = ti_start("dice", "item_delete_backlog_max 2\n", NULL);
	struct tw_user *a = tw_join(td, "pgone");
	char *id[4];
	int i;

	for (i = 0; i < 4; i++) {
		id[i] = ti_add(a, "dice");
		ck_assert(row_becomes(id[i], "version", "1", 3000));
	}
	ck_assert_int_eq(pgtest_stop_server(ag_pg), 0);
	for (i = 0; i < 2; i++) {
		ti_item_msg(a, "item_delete", id[i]);
		ti_expect(a, "delete", 1, NULL);
	}
	/* Let the write-behind fail and hold them again. */
	tw_sleep_ms(td_ms(1500));
	ti_item_msg(a, "item_delete", id[2]);
	ti_expect(a, "delete", 0, "Items cannot be deleted right now: the server's database is unavailable. "
	    "Try again shortly.");
	ck_assert(td_wait_log(td, "item deletes refused: 2 deletions wait for the database", td_ms(5000)));
	ck_assert_int_eq(pgtest_start_server(ag_pg), 0);
	/* Nothing accepted is lost; the refused item is still there. */
	ck_assert(row_becomes(id[0], "version", NULL, 15000));
	ck_assert(row_becomes(id[1], "version", NULL, 15000));
	ck_assert(row_becomes(id[2], "version", "1", 0));
	ti_item_msg(a, "item_delete", id[2]);
	ti_expect(a, "delete", 1, NULL);
	ck_assert(row_becomes(id[2], "version", NULL, 15000));
	for (i = 0; i < 4; i++)
		free(id[i]);
	tw_close(a);
	td_stop(td);
	td_free(td);
}
END_TEST

/* Count of the account's sessions matching cond. */
static int
sessions_where(const char *account, const char *cond)
{
	char *v = ag_sql_value("SELECT count(*) FROM sessions WHERE account_id = %s AND %s", account, cond);
	int n;

	ck_assert(v != NULL);
	n = atoi(v);
	free(v);
	return n;
}

/*
 * Sessions past their expiry are deleted by the sweep, in batches
 * (session_sweep_batch); live ones stay, and so does a revoked one until
 * it expires (a resume must still hear it was revoked).
 */
START_TEST(expired_sessions_swept)
{
	struct td *td = ti_start("dice", "session_sweep_interval_s 1\nsession_sweep_batch 2\n", NULL);
	struct tw_user *a = tw_join(td, "psweep");
	char *acct;
	int64_t end;
	int i, live;

	acct = ag_sql_value("SELECT id FROM accounts WHERE username = '%s'", a->user);
	ck_assert(acct != NULL);
	live = sessions_where(acct, "expires_at > now()");
	ck_assert_int_ge(live, 1);
	for (i = 0; i < 5; i++)
		ag_sql("INSERT INTO sessions (account_id, token_hash, created_at, last_seen_at, expires_at) VALUES "
		    "(%s, md5(random()::text) || md5(random()::text), now() - interval '30 days', "
		    "now() - interval '20 days', now() - interval '%d days')", acct, i + 1);
	ag_sql("INSERT INTO sessions (account_id, token_hash, expires_at, revoked_at) VALUES "
	    "(%s, md5(random()::text) || md5(random()::text), now() + interval '1 day', now())", acct);
	end = tc_now_ms() + td_ms(20000);
	while (sessions_where(acct, "expires_at <= now()") > 0) {
		ck_assert_msg(tc_now_ms() < end, "%d expired sessions are still there",
		    sessions_where(acct, "expires_at <= now()"));
		tw_sleep_ms(100);
	}
	ck_assert_int_eq(sessions_where(acct, "expires_at > now() AND revoked_at IS NULL"), live);
	ck_assert_int_eq(sessions_where(acct, "revoked_at IS NOT NULL AND expires_at > now()"), 1);
	free(acct);
	tw_close(a);
	td_stop(td);
	td_free(td);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("items_persist");
	TCase *tc = tcase_create("persist");

	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, clean_restart_keeps_everything);
	tcase_add_test(tc, writes_are_coalesced);
	tcase_add_test(tc, kill_9_loses_at_most_the_window);
	tcase_add_test(tc, carried_items_put_down_after_crash);
	tcase_add_test(tc, missing_type_is_kept);
	tcase_add_test(tc, writes_wait_for_the_database);
	tcase_add_test(tc, deletes_bounded_while_database_down);
	tcase_add_test(tc, expired_sessions_swept);
	suite_add_tcase(s, tc);
	return ag_main(s);
}

/*
 * test_items_plugins.c: plugin supervision (issue 6). Test plugins that
 * crash, hang or write garbage onto their socket cost only their own
 * action: the user gets "<label> is temporarily unavailable.", the daemon
 * and the other plugins go on, the host is restarted with backoff and the
 * items stay. A plugin built for another ABI, or whose init fails, stops
 * the daemon at start-up with one line naming the file; on SIGHUP such a
 * plugin is reported and the daemon goes on, while good new plugins add
 * their item types at once.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test_items_common.h"

/* Use a misbehaving item, expect the clear failure, and show the daemon, dice and the item are fine. */
static void
survive(const char *plugin, const char *type, const char *extra, const char *log_line)
{
	char *dir, *id, *dice, line[256];
	struct td *td = ti_start(plugin, extra, &dir);
	struct tw_user *a, *b;
	json_object *r, *it;

	ti_add_plugin(dir, "dice");
	td_stop(td);
	td_free(td);
	td = ti_start_dir(dir, extra);
	a = tw_join(td, "psurv");
	b = tw_join(td, "psurv");
	tw_goto(b, a->x, a->y);
	id = ti_add(a, type);
	dice = ti_add(a, "dice");

	ti_item_msg(a, "item_use", id);
	/* b's request to the same host, queued behind a's, fails too. */
	ti_item_msg(b, "item_use", id);
	snprintf(line, sizeof line, "%s is temporarily unavailable.", type);
	r = ti_result(a, "use", 0, line);
	ck_assert_str_eq(tw_str(r, "itemId"), id);
	json_object_put(r);
	ti_expect(b, "use", 0, line);
	/* Generous: a sanitizer build restarts hosts slowly. */
	ck_assert(td_wait_log(td, log_line, td_ms(10000)));
	ck_assert(td_alive(td));

	/* Other plugins never noticed. */
	ti_item_msg(a, "item_use", dice);
	json_object_put(ti_result(a, "use", 1, NULL));

	/* The host comes back (200 ms backoff) and the item is intact. */
	snprintf(line, sizeof line, "plugin %s.so: test-%s 0 ready again", plugin, type);
	ck_assert(td_wait_log(td, line, td_ms(5000)));
	ti_update(a, id, NULL, "{\"note\":\"after\"}");
	it = ti_upsert(b->c, id);
	ck_assert_str_eq(tw_str(tw_get(it, "params"), "note"), "after");
	json_object_put(it);
	snprintf(line, sizeof line, "Updated %s.", type);
	ti_expect(a, "update", 1, line);

	/* Failing again waits longer before the next restart. */
	ti_item_msg(a, "item_use", id);
	json_object_put(ti_result(a, "use", 0, NULL));
	ck_assert(td_wait_log(td, "restarting in 400 ms", td_ms(3000)));

	{
		struct tw_user *c = tw_join(td, "psurv");

		ck_assert_int_eq(json_object_array_length(tw_get(c->welcome, "items")), 2);
		tw_close(c);
	}
	free(id);
	free(dice);
	free(dir);
	tw_close(a);
	tw_close(b);
	ck_assert_int_eq(td_stop(td), 0);
	td_free(td);
}

START_TEST(crashing_plugin)
{
	/* "died of signal 11", or under AddressSanitizer, which catches the SIGSEGV, "exited with status 1". */
	survive("crash", "crashy", NULL, "plugin crash.so: host (pid");
}
END_TEST

START_TEST(hanging_plugin)
{
	survive("hang", "hangy", "plugin_timeout_ms 500\n", "unanswered after 500 ms; killing its host");
}
END_TEST

START_TEST(garbage_plugin)
{
	survive("garbage", "garbled", NULL, "frame for ABI 18241, expected 1; killing its host");
}
END_TEST

/* A loopback port free right now. */

/* Run chatgridd -f with plugin_dir holding plugins; returns its exit status and output. */
static int
run_daemon(const char *plugins, char **dir_out, char **output)
{
	char *dir = ti_plugin_dir(plugins), *cdir = td_mkdtemp(), *text, path[4096];
	const char *args[] = { "-f", "-c", path, NULL };
	int st;

	ti_wipe();
	if (asprintf(&text, "listen 127.0.0.1:%d\nallow_insecure yes\nwww_root %s/www\n%s%s", it_free_port(),
	    td_srcdir(), ag_base_config(), ti_config(dir)) < 0)
		ck_abort_msg("out of memory");
	ck_assert_int_eq(td_write_text(cdir, "chatgridd.conf", text), 0);
	snprintf(path, sizeof path, "%s/chatgridd.conf", cdir);
	st = td_run(args, output);
	free(text);
	td_rmtree(cdir);
	free(cdir);
	*dir_out = dir;
	return st;
}

START_TEST(wrong_abi_refuses_to_start)
{
	char *dir, *out, want[4096];
	int st = run_daemon("dice badabi", &dir, &out);

	ck_assert_msg(st == 1, "exit status %d: %s", st, out);
	snprintf(want, sizeof want, "plugin %s/badabi.so: compatibility check failed: built for plugin ABI 99, "
	    "this server has ABI 1", dir);
	ck_assert_msg(strstr(out, want) != NULL, "no \"%s\" in:\n%s", want, out);
	ck_assert_msg(strstr(out, " started (instance ") == NULL, "%s", out);
	free(out);
	free(dir);
}
END_TEST

START_TEST(failing_init_refuses_to_start)
{
	char *dir, *out, want[4096];
	int st = run_daemon("badinit dice", &dir, &out);

	ck_assert_msg(st == 1, "exit status %d: %s", st, out);
	snprintf(want, sizeof want, "plugin %s/badinit.so: cg_plugin_init failed", dir);
	ck_assert_msg(strstr(out, want) != NULL, "no \"%s\" in:\n%s", want, out);
	/* Its own explanation came through the host's log frames. */
	ck_assert_msg(strstr(out, "plugin badinit.so: refusing to start, as asked") != NULL, "%s", out);
	free(out);
	free(dir);
}
END_TEST

START_TEST(sighup_loads_new_plugins)
{
	char *dir, *id, from[4096], to[4096];
	struct td *td = ti_start("dice", NULL, &dir);
	struct tw_user *a = tw_join(td, "phup");
	json_object *o;
	FILE *in, *out;
	char buf[65536];
	size_t n;

	ti_add_plugin(dir, "widget");
	ti_add_plugin(dir, "badabi");
	/* A second copy of dice declares a type that is taken. */
	snprintf(from, sizeof from, "%s", ti_plugin_path("dice"));
	snprintf(to, sizeof to, "%s/dice2.so", dir);
	ck_assert((in = fopen(from, "rb")) != NULL && (out = fopen(to, "wb")) != NULL);
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	fclose(out);
	td_signal(td, SIGHUP);

	o = tw_wait(a->c, "ui_definitions", NULL, NULL);
	ck_assert_str_eq(tw_js(tw_get(tw_get(o, "uiDefinitions"), "itemTypeOrder")), "[\"dice\",\"widget\"]");
	json_object_put(o);
	id = ti_add(a, "widget");
	ti_item_msg(a, "item_use", id);
	ti_expect(a, "use", 1, "You turn off widget.");
	snprintf(buf, sizeof buf, "plugin %s/badabi.so: cannot load: compatibility check failed", dir);
	ck_assert_msg(td_wait_log(td, buf, td_ms(3000)), "no \"%s\"", buf);
	snprintf(buf, sizeof buf, "plugin %s/dice2.so: cannot load: item type dice is already provided by dice.so", dir);
	ck_assert_msg(td_wait_log(td, buf, td_ms(3000)), "no \"%s\"", buf);
	ck_assert(td_alive(td));
	/* Another SIGHUP loads nothing twice. */
	td_signal(td, SIGHUP);
	ck_assert(td_wait_log(td, "reloaded configuration", td_ms(3000)));
	tw_none(a->c, 500, "ui_definitions", NULL, NULL);
	free(id);
	free(dir);
	tw_close(a);
	ck_assert_int_eq(td_stop(td), 0);
	td_free(td);
}
END_TEST

START_TEST(ticker_options_ticks_timers_events)
{
	struct td *td = ti_start("ticker", "plugin_option ticker.greeting=Howdy\n", NULL);
	struct tw_user *a = tw_join(td, "ptick"), *b = tw_join(td, "ptick");
	json_object *o, *it;
	char line[256], *id, *v;
	int n;

	tw_goto(b, a->x, a->y);
	id = ti_add(a, "ticker");
	tw_drain(b->c, 200);

	/* The option from the configuration; a timer in the host; effects nobody asked for. */
	ti_item_msg(a, "item_use", id);
	snprintf(line, sizeof line, "Howdy, %s.", a->nick);
	ti_expect(a, "use", 1, line);
	tw_sys(b->c, "Ding.");
	tw_sys(a->c, "Ding.");
	o = tw_wait(b->c, "item_ticker_ding", "itemId", id);
	ck_assert_int_eq(tw_int(o, "x"), a->x);
	ck_assert_int_eq(tw_int(o, "range"), 15);
	json_object_put(o);

	/* Ticks: system edits with events, until the plugin disarms itself. */
	ti_update(a, id, NULL, "{\"armed\":true}");
	ti_expect(a, "update", 1, "Updated ticker.");
	for (n = 1; n <= 3; n++) {
		o = tw_wait(b->c, "item_ticker_tick", "itemId", id);
		ck_assert_int_eq(tw_int(o, "n"), n);
		json_object_put(o);
	}
	tw_drain(a->c, 100);
	it = NULL;
	tw_none(b->c, 700, "item_ticker_tick", NULL, NULL);
	ti_update(a, id, NULL, NULL);
	it = ti_upsert(a->c, id);
	ck_assert_str_eq(tw_js(tw_get(it, "params")), "{\"armed\":false,\"ticks\":3}");
	/* created 1, updated 2, three ticks, this update */
	ck_assert_int_eq(tw_int(it, "version"), 6);
	json_object_put(it);
	ti_expect(a, "update", 1, NULL);
	/* Stored with the type's encoding version. */
	tw_sleep_ms(1500);
	v = ag_sql_value("SELECT encoding_version FROM items WHERE id = '%s'", id);
	ck_assert_str_eq(v, "3");
	free(v);
	free(id);
	tw_close(a);
	tw_close(b);
	ck_assert_int_eq(td_stop(td), 0);
	td_free(td);
}
END_TEST

/*
 * ABI 1.1: options from the core's fetch_* keys, listener counts in ticks,
 * songs kept in PostgreSQL (saved, loaded, isolated by type, deleted with
 * their item), events to one player, and the removed and player_left notices.
 */
START_TEST(ticker_abi_1_1)
{
	struct td *td = ti_start("ticker", "fetch_timeout_ms 4000\nplugin_option ticker.fetch_interval_ms=777\n",
	    NULL);
	struct tw_user *a = tw_join(td, "pabi"), *b = tw_join(td, "pabi"), *c = tw_join(td, "pabi");
	json_object *o, *song;
	char *id, *id2, *v, cid[80];

	tw_goto(a, 5, 5);
	tw_goto(b, 5, 5);
	tw_goto(c, 40, 40);
	id = ti_add(a, "ticker");
	tw_drain(b->c, 200);

	/* The core's keys reach the plugin; plugin_option overrides one. */
	tw_sendf(a, "{\"type\":\"item_action\",\"itemId\":\"%s\",\"action\":\"opts\"}", id);
	ti_expect(a, "opts", 1, "timeout 4000, private no, interval 777");

	/* Two players within the emit range (15) of the ticker, not the third. */
	ti_update(a, id, NULL, "{\"armed\":true}");
	ti_expect(a, "update", 1, "Updated ticker.");
	o = tw_wait(b->c, "item_ticker_tick", "itemId", id);
	ck_assert_int_eq(tw_int(o, "listeners"), 2);
	json_object_put(o);
	tw_drain(a->c, 800);
	tw_drain(b->c, 100);

	/* A song saved, in the table, loaded back by the actor alone. */
	tw_sendf(a, "{\"type\":\"item_action\",\"itemId\":\"%s\",\"action\":\"store\",\"args\":"
	    "{\"songId\":\"t:1\",\"song\":{\"meta\":{\"recordingLengthMs\":1234},"
	    "\"events\":[[0,0,60,1,0],[500,0,60,0,0]]}}}", id);
	ti_expect(a, "store", 1, "Stored.");
	tw_sleep_ms(300);
	v = ag_sql_value("SELECT type || ' ' || item_id || ' ' || events || ' ' || length_ms || ' ' || "
	    "(saved_by = %s) FROM songs WHERE id = 't:1'", a->userid);
	ck_assert_msg(v != NULL && strstr(v, "ticker ") == v && strstr(v, id) != NULL &&
	    strstr(v, " 2 1234 t") != NULL, "songs row: %s", v != NULL ? v : "(none)");
	free(v);
	tw_sendf(a, "{\"type\":\"item_action\",\"itemId\":\"%s\",\"action\":\"fetch\",\"args\":"
	    "{\"songId\":\"t:1\"}}", id);
	ti_expect(a, "fetch", 1, "Fetching.");
	o = tw_wait(a->c, "item_ticker_song", "songId", "t:1");
	song = tw_get(o, "song");
	ck_assert_str_eq(tw_js(song),
	    "{\"meta\":{\"recordingLengthMs\":1234},\"events\":[[0,0,60,1,0],[500,0,60,0,0]]}");
	json_object_put(o);
	tw_none(b->c, 300, "item_ticker_song", NULL, NULL);

	/* None, and another type's song, read as none. */
	ag_sql("INSERT INTO songs (id, item_id, type, body) VALUES ('o:1', '%s', 'other', '{\"x\":1}')", id);
	tw_sendf(a, "{\"type\":\"item_action\",\"itemId\":\"%s\",\"action\":\"fetch\",\"args\":"
	    "{\"songId\":\"o:1\"}}", id);
	ti_expect(a, "fetch", 1, "Fetching.");
	o = tw_wait(a->c, "item_ticker_song", "songId", "o:1");
	ck_assert(json_object_is_type(json_object_object_get(o, "song"), json_type_null));
	json_object_put(o);
	/* Nor may it replace another type's song. */
	tw_sendf(a, "{\"type\":\"item_action\",\"itemId\":\"%s\",\"action\":\"store\",\"args\":"
	    "{\"songId\":\"o:1\",\"song\":{\"y\":2}}}", id);
	ti_expect(a, "store", 1, "Stored.");
	tw_sleep_ms(300);
	v = ag_sql_value("SELECT body::text FROM songs WHERE id = 'o:1'");
	ck_assert_str_eq(v, "{\"x\": 1}");
	free(v);
	/* nil deletes. */
	tw_sendf(a, "{\"type\":\"item_action\",\"itemId\":\"%s\",\"action\":\"store\",\"args\":"
	    "{\"songId\":\"t:1\",\"song\":null}}", id);
	ti_expect(a, "store", 1, "Stored.");
	tw_sleep_ms(300);
	v = ag_sql_value("SELECT count(*) FROM songs WHERE id = 't:1'");
	ck_assert_str_eq(v, "0");
	free(v);

	/* removed: the plugin hears of it; the item's songs go with it. */
	id2 = ti_add(a, "ticker");
	tw_sendf(a, "{\"type\":\"item_action\",\"itemId\":\"%s\",\"action\":\"store\",\"args\":"
	    "{\"songId\":\"t:2\",\"song\":{\"z\":3}}}", id2);
	ti_expect(a, "store", 1, "Stored.");
	tw_drain(b->c, 300);
	ti_item_msg(a, "item_delete", id2);
	ti_expect(a, "delete", 1, NULL);
	o = tw_wait(b->c, "item_ticker_removed", "itemId", id);
	ck_assert_str_eq(tw_str(o, "removedId"), id2);
	json_object_put(o);
	tw_sleep_ms(1500);
	v = ag_sql_value("SELECT count(*) FROM songs WHERE item_id = '%s'", id2);
	ck_assert_str_eq(v, "0");
	free(v);

	/* player_left, with the leaver's connection id. */
	snprintf(cid, sizeof cid, "%s", c->id);
	tw_close(c);
	o = tw_wait(b->c, "item_ticker_left", "playerId", cid);
	ck_assert_str_eq(tw_str(o, "itemId"), id);
	json_object_put(o);

	free(id);
	free(id2);
	tw_close(a);
	tw_close(b);
	ck_assert_int_eq(td_stop(td), 0);
	td_free(td);
}
END_TEST

/* Wait ms while reading (and dropping) what arrives, so pings are answered and nothing piles up. */

/*
 * The core ticks only items someone can hear (issue 19 item 3): with its
 * only player out of range an armed ticker is not ticked (its count, which
 * every tick raises, stays put in the database; it disarms itself at 3, so
 * ticks spent unheard would also leave none for the return), and it ticks
 * again as soon as the player comes back within range.
 */
START_TEST(ticker_ticks_only_when_heard)
{
	struct td *td = ti_start("ticker", NULL, NULL);
	struct tw_user *a = tw_join(td, "pheard");
	json_object *o;
	char *id, *t1, *t2;

	tw_goto(a, 5, 5);
	id = ti_add(a, "ticker");
	ti_update(a, id, NULL, "{\"armed\":true}");
	ti_expect(a, "update", 1, "Updated ticker.");
	o = tw_wait(a->c, "item_ticker_tick", "itemId", id);
	ck_assert_int_eq(tw_int(o, "listeners"), 1);
	json_object_put(o);

	tw_goto(a, 40, 40);
	/* A tick on its way lands, and the write-behind saves it (at most item_save_max_delay_ms). */
	tw_read_for(a->c, td_ms(1500));
	t1 = ag_sql_value("SELECT params->>'ticks' FROM items WHERE id = '%s'", id);
	tw_read_for(a->c, td_ms(2500));
	t2 = ag_sql_value("SELECT params->>'ticks' FROM items WHERE id = '%s'", id);
	ck_assert_msg(t1 != NULL && t2 != NULL && strcmp(t1, t2) == 0, "ticked with nobody in range: %s, then %s",
	    t1 != NULL ? t1 : "NULL", t2 != NULL ? t2 : "NULL");

	tw_goto(a, 6, 6);
	o = tw_wait(a->c, "item_ticker_tick", "itemId", id);
	ck_assert_int_eq(tw_int(o, "listeners"), 1);
	ck_assert_int_eq(tw_int(o, "n"), atoi(t1) + 1);
	json_object_put(o);
	free(t1);
	free(t2);
	free(id);
	tw_close(a);
	td_stop(td);
	td_free(td);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("items_plugins");
	TCase *tc = tcase_create("plugins");

	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, crashing_plugin);
	tcase_add_test(tc, hanging_plugin);
	tcase_add_test(tc, garbage_plugin);
	tcase_add_test(tc, wrong_abi_refuses_to_start);
	tcase_add_test(tc, failing_init_refuses_to_start);
	tcase_add_test(tc, sighup_loads_new_plugins);
	tcase_add_test(tc, ticker_options_ticks_timers_events);
	tcase_add_test(tc, ticker_abi_1_1);
	tcase_add_test(tc, ticker_ticks_only_when_heard);
	suite_add_tcase(s, tc);
	return ag_main(s);
}

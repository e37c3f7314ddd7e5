/*
 * test_items_wheel.c: the wheel item type (reference §6.3, §6.4): the
 * spaces parameter and its messages, a spin with its sound, the landing
 * told 3 s later (to the others first, then to the spinner if still
 * there), the 4 s cooldown, and a failed spin starting no cooldown.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_items_common.h"

START_TEST(wheel_spin_and_land)
{
	struct td *td = ti_start("wheel", NULL, NULL);
	struct tw_user *a = tw_join(td, "wspin"), *b = tw_join(td, "wspin");
	json_object *o, *it;
	char line[256], landed[64], *id;
	const char *m;
	int64_t t0;

	tw_goto(b, a->x, a->y);
	id = ti_add(a, "wheel");
	ti_update(a, id, NULL, "{\"spaces\":\" red, green , ,blue,\"}");
	it = ti_upsert(a->c, id);
	ck_assert_str_eq(tw_str(tw_get(it, "params"), "spaces"), "red, green, blue");
	json_object_put(it);
	ti_expect(a, "update", 1, "Updated wheel.");
	tw_drain(b->c, 200);

	t0 = tc_now_ms();
	ti_item_msg(a, "item_use", id);
	snprintf(line, sizeof line, "%s spins wheel.", a->nick);
	tw_sys(b->c, line);
	o = tw_wait(b->c, "item_use_sound", "itemId", id);
	ck_assert_str_eq(tw_str(o, "sound"), "sounds/spin.ogg");
	json_object_put(o);
	ti_expect(a, "use", 1, "You spin wheel.");

	/* Cooldown 4 s. */
	ti_item_msg(b, "item_use", id);
	o = ti_result(b, "use", 0, NULL);
	m = tw_str(o, "message");
	ck_assert_msg(strcmp(m, "wheel is on cooldown for 4.0 s.") == 0 || strcmp(m, "wheel is on cooldown for 3.9 s.") == 0 ||
	    strcmp(m, "wheel is on cooldown for 3.8 s.") == 0, "%s", m);
	json_object_put(o);

	/* About 3 s later: the value, to the others and then to the spinner. */
	o = tw_wait(b->c, "chat_message", NULL, NULL);
	ck_assert_msg(tc_now_ms() - t0 >= 2800, "landed after %lld ms", (long long)(tc_now_ms() - t0));
	snprintf(landed, sizeof landed, "%s", tw_str(o, "message"));
	ck_assert_msg(strcmp(landed, "red") == 0 || strcmp(landed, "green") == 0 || strcmp(landed, "blue") == 0,
	    "landed on %s", landed);
	json_object_put(o);
	tw_sys(a->c, landed);

	/* The landing reaches the others even when the spinner has gone. */
	tw_sleep_ms(1200);
	ti_item_msg(a, "item_use", id);
	ti_expect(a, "use", 1, "You spin wheel.");
	tw_close(a);
	o = tw_wait_ms(b->c, 5000, "chat_message", NULL, NULL);
	while (strstr(tw_str(o, "message"), "logged out") != NULL || strstr(tw_str(o, "message"), "spins") != NULL) {
		json_object_put(o);
		o = tw_wait_ms(b->c, 5000, "chat_message", NULL, NULL);
	}
	m = tw_str(o, "message");
	ck_assert_msg(strcmp(m, "red") == 0 || strcmp(m, "green") == 0 || strcmp(m, "blue") == 0, "landed on %s", m);
	json_object_put(o);
	free(id);
	tw_close(b);
	td_stop(td);
	td_free(td);
}
END_TEST

START_TEST(wheel_validation)
{
	struct td *td = ti_start("wheel", NULL, NULL);
	struct tw_user *a = tw_join(td, "wvalid");
	char *id = ti_add(a, "wheel"), *big;
	json_object *it;
	size_t i, n;

	ti_update(a, id, NULL, "{\"spaces\":5}");
	ti_expect(a, "update", 0, "spaces must be a comma-delimited string.");
	ti_update(a, id, NULL, "{\"spaces\":[\"a\",\"b\"]}");
	ti_expect(a, "update", 0, "spaces must be a comma-delimited string.");
	ti_update(a, id, NULL, "{\"spaces\":\" , ,\"}");
	ti_expect(a, "update", 0, "spaces must include at least one value, separated by commas.");

	big = malloc(20000);
	ck_assert_ptr_nonnull(big);
	/* 4001 characters */
	n = (size_t)sprintf(big, "{\"spaces\":\"");
	for (i = 0; i < 4001; i++)
		big[n++] = 'x';
	strcpy(big + n, "\"}");
	ti_update(a, id, NULL, big);
	ti_expect(a, "update", 0, "spaces must be 4000 characters or less.");
	/* 4000 characters of multibyte letters are fine by length (and then too long a space). */
	n = (size_t)sprintf(big, "{\"spaces\":\"");
	for (i = 0; i < 4000; i++)
		n += (size_t)sprintf(big + n, "\xc3\xa9");
	strcpy(big + n, "\"}");
	ti_update(a, id, NULL, big);
	ti_expect(a, "update", 0, "each space must be 80 chars or less.");
	/* 101 values */
	n = (size_t)sprintf(big, "{\"spaces\":\"");
	for (i = 0; i < 101; i++)
		n += (size_t)sprintf(big + n, "%zu,", i);
	strcpy(big + n, "\"}");
	ti_update(a, id, NULL, big);
	ti_expect(a, "update", 0, "spaces supports up to 100 values.");
	/* 100 values, and an 80-character one, are fine. */
	n = (size_t)sprintf(big, "{\"spaces\":\"");
	for (i = 0; i < 99; i++)
		n += (size_t)sprintf(big + n, "%zu,", i);
	for (i = 0; i < 80; i++)
		big[n++] = 'y';
	strcpy(big + n, "\"}");
	ti_update(a, id, NULL, big);
	ti_expect(a, "update", 1, "Updated wheel.");
	ti_update(a, id, NULL, "{\"spaces\":\"a,b,\"}");
	tw_drain(a->c, 300);
	ti_update(a, id, NULL, "{\"spaces\":\"only\"}");
	it = ti_upsert(a->c, id);
	ck_assert_str_eq(tw_str(tw_get(it, "params"), "spaces"), "only");
	json_object_put(it);
	ti_expect(a, "update", 1, "Updated wheel.");
	free(big);
	free(id);
	tw_close(a);
	td_stop(td);
	td_free(td);
}
END_TEST

START_TEST(wheel_failed_spin_no_cooldown)
{
	struct td *td;
	struct tw_user *a;
	const char *id = "6f0c1e38-9a59-4d59-8a57-2f0a4f1c9a01";

	/* A wheel whose stored spaces are empty (older data): created before the daemon starts. */
	ti_wipe();
	td = ti_start("wheel", NULL, NULL);
	ag_sql("INSERT INTO items (id, type, title, x, y, params, created_by_name, updated_by_name) "
	    "VALUES ('%s', 'wheel', 'empty wheel', 5, 5, '{\"spaces\": \"\"}', 'x', 'x')", id);
	td_stop(td);
	td_free(td);
	{
		char *dir = ti_plugin_dir("wheel");

		td = ti_start_dir(dir, NULL);
		free(dir);
	}
	a = tw_join(td, "wempty");
	tw_goto(a, 5, 5);
	ti_item_msg(a, "item_use", id);
	ti_expect(a, "use", 0, "wheel spaces must contain at least one comma-delimited value.");
	ti_item_msg(a, "item_use", id);
	ti_expect(a, "use", 0, "wheel spaces must contain at least one comma-delimited value.");
	/* From an older encoding: a list of values still spins. */
	ag_sql("UPDATE items SET params = '{\"spaces\": [\"up\", \"down\"]}' WHERE id = '%s'", id);
	tw_close(a);
	td_stop(td);
	td_free(td);
	{
		char *dir = ti_plugin_dir("wheel");

		td = ti_start_dir(dir, NULL);
		free(dir);
	}
	a = tw_join(td, "wempty");
	tw_goto(a, 5, 5);
	ti_item_msg(a, "item_use", id);
	ti_expect(a, "use", 1, "You spin empty wheel.");
	tw_close(a);
	td_stop(td);
	td_free(td);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("items_wheel");
	TCase *tc = tcase_create("wheel");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, wheel_spin_and_land);
	tcase_add_test(tc, wheel_validation);
	tcase_add_test(tc, wheel_failed_spin_no_cooldown);
	suite_add_tcase(s, tc);
	return ag_main(s);
}

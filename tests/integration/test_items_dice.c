/*
 * test_items_dice.c: the dice item type through the real daemon and its
 * plugin (reference §6.3, §6.4, §6.6, §6.7): placing, the descriptor in
 * welcome.uiDefinitions, rolls with their chat lines and sound, the
 * cooldown, parameter validation and every failure message of use.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_items_common.h"

/* Parse "<prefix>v1, v2, ... (total S)." and check the values; returns their count. */
static int
check_roll(const char *text, const char *prefix, int sides)
{
	const char *p;
	char *end;
	long v, sum = 0, total;
	int n = 0;

	ck_assert_msg(strncmp(text, prefix, strlen(prefix)) == 0, "\"%s\" does not start with \"%s\"", text, prefix);
	p = text + strlen(prefix);
	for (;;) {
		v = strtol(p, &end, 10);
		ck_assert_msg(end != p && v >= 1 && v <= sides, "bad die value in \"%s\"", text);
		sum += v;
		n++;
		p = end;
		if (strncmp(p, ", ", 2) != 0)
			break;
		p += 2;
	}
	if (n == 1) {
		ck_assert_msg(strcmp(p, ".") == 0, "one die has no total: \"%s\"", text);
		return n;
	}
	ck_assert_msg(sscanf(p, " (total %ld).", &total) == 1 && total == sum, "bad total in \"%s\"", text);
	return n;
}

START_TEST(dice_place_and_describe)
{
	struct td *td = ti_start("dice", NULL, NULL);
	struct tw_user *a = tw_join(td, "dplace"), *b = tw_join(td, "dplace");
	json_object *ui, *types, *t, *g, *meta, *it, *r, *params, *disp, *up;
	char line[512], *id;

	/* The descriptor, as §6.11 wants it. */
	ui = tw_get(a->welcome, "uiDefinitions");
	ck_assert_str_eq(tw_js(tw_get(ui, "itemTypeOrder")), "[\"dice\"]");
	types = tw_get(ui, "itemTypes");
	ck_assert_int_eq(json_object_array_length(types), 1);
	t = json_object_array_get_idx(types, 0);
	ck_assert_str_eq(tw_str(t, "type"), "dice");
	ck_assert_str_eq(tw_str(t, "label"), "dice");
	ck_assert_str_eq(tw_js(tw_get(t, "capabilities")), "[\"editable\",\"carryable\",\"deletable\",\"usable\"]");
	ck_assert_str_eq(tw_js(tw_get(t, "editableProperties")), "[\"title\",\"sides\",\"number\"]");
	g = tw_get(t, "globalProperties");
	ck_assert_str_eq(tw_str(g, "useSound"), "sounds/roll.ogg");
	ck_assert_str_eq(tw_str(g, "emitSound"), "none");
	ck_assert_int_eq(tw_int(g, "useCooldownMs"), 1000);
	ck_assert_int_eq(tw_int(g, "emitRange"), 15);
	ck_assert_int_eq(tw_int(g, "emitSoundSpeed"), 50);
	meta = tw_get(t, "propertyMetadata");
	ck_assert_str_eq(tw_js(tw_get(tw_get(meta, "sides"), "range")), "{\"min\":1,\"max\":100,\"step\":1}");
	ck_assert_str_eq(tw_str(tw_get(meta, "title"), "valueType"), "text");
	ck_assert_int_eq(tw_int(tw_get(meta, "title"), "maxLength"), 80);
	/* Shared metadata overlaid by the type's. */
	ck_assert_str_eq(tw_str(tw_get(meta, "carrierId"), "label"), "Carrier");
	ck_assert_str_eq(tw_str(tw_get(meta, "emitSoundSpeed"), "valueType"), "number");
	ck_assert_ptr_nonnull(tw_get(tw_get(ui, "adminMenu"), "actions"));

	tw_goto(b, a->x, a->y);
	tw_sendf(a, "{\"type\":\"item_add\",\"itemType\":\"dice\"}");
	up = tw_wait(a->c, "item_upsert", NULL, NULL);
	r = ti_result(a, "add", 1, NULL);
	snprintf(line, sizeof line, "You placed Dice (dice) at %d, %d.", a->x, a->y);
	ck_assert_str_eq(tw_str(r, "message"), line);
	id = strdup(tw_str(r, "itemId"));
	it = tw_get(up, "item");
	ck_assert_str_eq(tw_str(it, "id"), id);
	ck_assert_str_eq(tw_str(it, "type"), "dice");
	ck_assert_str_eq(tw_str(it, "title"), "Dice");
	ck_assert_int_eq(tw_int(it, "x"), a->x);
	ck_assert_int_eq(tw_int(it, "version"), 1);
	ck_assert_str_eq(tw_str(it, "createdBy"), a->userid);
	ck_assert_str_eq(tw_str(it, "createdByName"), a->user);
	ck_assert_str_eq(tw_str(it, "useSound"), "sounds/roll.ogg");
	ck_assert(!json_object_object_get_ex(it, "emitSound", NULL));
	ck_assert(!json_object_object_get_ex(it, "carrierId", NULL));
	params = tw_get(it, "params");
	ck_assert_str_eq(tw_js(params), "{\"sides\":6,\"number\":2}");
	disp = tw_get(it, "display");
	ck_assert_str_eq(tw_str(disp, "carrierId"), "none");
	ck_assert_str_eq(tw_str(disp, "useSound"), "roll.ogg");
	ck_assert_str_eq(tw_str(disp, "emitSound"), "none");
	ck_assert_str_eq(tw_str(disp, "capabilities"), "editable, carryable, deletable, usable");
	ck_assert_str_eq(tw_str(disp, "createdBy"), a->user);
	ck_assert_int_eq(strlen(tw_str(disp, "createdAt")), 16);
	json_object_put(r);
	json_object_put(up);

	/* The others see it, then hear about it. */
	json_object_put(ti_upsert(b->c, id));
	snprintf(line, sizeof line, "%s placed Dice (dice) at %d, %d.", a->nick, a->x, a->y);
	tw_sys(b->c, line);

	/* A newcomer finds it in welcome.items. */
	{
		struct tw_user *c = tw_join(td, "dplace");
		json_object *items = tw_get(c->welcome, "items");

		ck_assert_int_eq(json_object_array_length(items), 1);
		ck_assert_str_eq(tw_str(json_object_array_get_idx(items, 0), "id"), id);
		tw_close(c);
	}
	free(id);
	tw_close(a);
	tw_close(b);
	td_stop(td);
	td_free(td);
}
END_TEST

START_TEST(dice_roll_sound_cooldown)
{
	struct td *td = ti_start("dice", NULL, NULL);
	struct tw_user *a = tw_join(td, "droll"), *b = tw_join(td, "droll");
	json_object *o, *r;
	char prefix[256], *id;
	const char *m;

	tw_goto(b, a->x, a->y);
	id = ti_add(a, "dice");
	tw_drain(b->c, 200);
	tw_drain(a->c, 200);

	ti_item_msg(a, "item_use", id);
	/* Others: the roll as a system line; everyone: the sound at the item. */
	o = tw_wait(b->c, "chat_message", NULL, NULL);
	snprintf(prefix, sizeof prefix, "%s rolled Dice: ", a->nick);
	ck_assert_int_eq(check_roll(tw_str(o, "message"), prefix, 6), 2);
	json_object_put(o);
	o = tw_wait(a->c, "item_use_sound", "itemId", id);
	ck_assert_str_eq(tw_str(o, "sound"), "sounds/roll.ogg");
	ck_assert_int_eq(tw_int(o, "x"), a->x);
	ck_assert_int_eq(tw_int(o, "y"), a->y);
	ck_assert_int_eq(tw_int(o, "range"), 15);
	json_object_put(o);
	json_object_put(tw_wait(b->c, "item_use_sound", "itemId", id));
	r = ti_result(a, "use", 1, NULL);
	ck_assert_str_eq(tw_str(r, "itemId"), id);
	check_roll(tw_str(r, "message"), "You rolled Dice: ", 6);
	json_object_put(r);

	/* Per item, for everyone: b is refused too. */
	ti_item_msg(b, "item_use", id);
	r = ti_result(b, "use", 0, NULL);
	m = tw_str(r, "message");
	ck_assert_msg(strcmp(m, "Dice is on cooldown for 1.0 s.") == 0 || strcmp(m, "Dice is on cooldown for 0.9 s.") == 0 ||
	    strcmp(m, "Dice is on cooldown for 0.8 s.") == 0, "cooldown message: %s", m);
	json_object_put(r);
	tw_sleep_ms(1100);
	ti_item_msg(b, "item_use", id);
	json_object_put(ti_result(b, "use", 1, NULL));

	/* One die: no total. */
	ti_update(a, id, NULL, "{\"number\":1,\"sides\":\"20\"}");
	ti_expect(a, "update", 1, "Updated Dice.");
	tw_sleep_ms(1100);
	ti_item_msg(a, "item_use", id);
	r = ti_result(a, "use", 1, NULL);
	ck_assert_int_eq(check_roll(tw_str(r, "message"), "You rolled Dice: ", 20), 1);
	json_object_put(r);
	free(id);
	tw_close(a);
	tw_close(b);
	td_stop(td);
	td_free(td);
}
END_TEST

START_TEST(dice_validation)
{
	struct td *td = ti_start("dice", NULL, NULL);
	struct tw_user *a = tw_join(td, "dvalid");
	json_object *it;
	char *id = ti_add(a, "dice");

	ti_update(a, id, NULL, "{\"sides\":\"many\"}");
	ti_expect(a, "update", 0, "Dice values must be numbers.");
	ti_update(a, id, NULL, "{\"number\":null}");
	ti_expect(a, "update", 0, "Dice values must be numbers.");
	ti_update(a, id, NULL, "{\"sides\":0}");
	ti_expect(a, "update", 0, "Dice sides and number must be between 1 and 100.");
	ti_update(a, id, NULL, "{\"number\":101}");
	ti_expect(a, "update", 0, "Dice sides and number must be between 1 and 100.");
	/* A refused update changes nothing, not even the title sent with it. */
	ti_update(a, id, "Renamed", "{\"sides\":-5}");
	ti_expect(a, "update", 0, "Dice sides and number must be between 1 and 100.");
	ti_update(a, id, "   ", NULL);
	ti_expect(a, "update", 0, "Title cannot be empty.");
	/* Titles that hide or reorder text (issue 13): U+202E, U+200B, U+00AD. */
	ti_update(a, id, "\xe2\x80\xae" "ecid", NULL);
	ti_expect(a, "update", 0, "Title may not contain invisible or text-direction characters.");
	ti_update(a, id, "Di\xe2\x80\x8b" "ce", "{\"sides\":8}");
	ti_expect(a, "update", 0, "Title may not contain invisible or text-direction characters.");
	ti_update(a, id, "Di\xc2\xad" "ce", NULL);
	ti_expect(a, "update", 0, "Title may not contain invisible or text-direction characters.");
	tw_drain(a->c, 200);

	/* Python int(): strings with white space, floats truncated, booleans; unknown keys dropped. */
	ti_update(a, id, "  Big dice ", "{\"sides\":\" 12 \",\"number\":3.9,\"hackedFlag\":1}");
	it = ti_upsert(a->c, id);
	ck_assert_str_eq(tw_js(tw_get(it, "params")), "{\"sides\":12,\"number\":3}");
	ck_assert_str_eq(tw_str(it, "title"), "Big dice");
	ck_assert_int_eq(tw_int(it, "version"), 2);
	json_object_put(it);
	ti_expect(a, "update", 1, "Updated Big dice.");
	ti_update(a, id, NULL, "{\"sides\":true}");
	it = ti_upsert(a->c, id);
	ck_assert_str_eq(tw_js(tw_get(it, "params")), "{\"sides\":1,\"number\":3}");
	json_object_put(it);
	ti_expect(a, "update", 1, "Updated Big dice.");
	/* An update without anything still counts as an edit. */
	ti_update(a, id, NULL, NULL);
	it = ti_upsert(a->c, id);
	ck_assert_int_eq(tw_int(it, "version"), 4);
	json_object_put(it);
	ti_expect(a, "update", 1, "Updated Big dice.");
	free(id);
	tw_close(a);
	td_stop(td);
	td_free(td);
}
END_TEST

START_TEST(dice_use_failures)
{
	struct td *td = ti_start("dice", NULL, NULL);
	struct tw_user *a = tw_join(td, "dfail"), *b;
	char user[33], *id;
	json_object *r;

	tw_account(td, user, "dfail");
	tw_give_role(user, NULL, "item.use");
	b = tw_login(td, user);
	id = ti_add(a, "dice");

	ti_item_msg(a, "item_use", "no-such-item");
	r = ti_result(a, "use", 0, "Item not found.");
	ck_assert(!json_object_object_get_ex(r, "itemId", NULL));
	json_object_put(r);
	ti_item_msg(a, "item_secondary_use", id);
	ti_expect(a, "secondary_use", 0, "No secondary action for Dice.");

	/* Without item.use: refused before anything else, without an itemId. */
	ti_item_msg(b, "item_use", id);
	r = ti_result(b, "use", 0, "Not authorized to use items.");
	ck_assert(!json_object_object_get_ex(r, "itemId", NULL));
	json_object_put(r);
	ti_item_msg(b, "item_secondary_use", id);
	ti_expect(b, "secondary_use", 0, "Not authorized to use items.");
	tw_close(b);

	b = tw_join(td, "dfail");
	tw_goto(b, a->x == 0 ? 1 : a->x - 1, a->y);
	ti_item_msg(b, "item_use", id);
	r = ti_result(b, "use", 0, "Item is not on your square.");
	ck_assert_str_eq(tw_str(r, "itemId"), id);
	json_object_put(r);

	/* Carried by someone else: not available, wherever it is. */
	ti_item_msg(a, "item_pickup", id);
	ti_expect(a, "pickup", 1, "Picked up Dice.");
	tw_goto(b, a->x, a->y);
	ti_item_msg(b, "item_use", id);
	ti_expect(b, "use", 0, "Item is not available.");
	/* The carrier uses it anywhere. */
	tw_goto(a, a->x == 40 ? 39 : a->x + 1, a->y);
	ti_item_msg(a, "item_use", id);
	json_object_put(ti_result(a, "use", 1, NULL));
	free(id);
	tw_close(a);
	tw_close(b);
	td_stop(td);
	td_free(td);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("items_dice");
	TCase *tc = tcase_create("dice");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, dice_place_and_describe);
	tcase_add_test(tc, dice_roll_sound_cooldown);
	tcase_add_test(tc, dice_validation);
	tcase_add_test(tc, dice_use_failures);
	suite_add_tcase(s, tc);
	return ag_main(s);
}

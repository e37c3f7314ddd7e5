/*
 * test_items_actions.c: the item actions that need no plugin call
 * (reference §6.6, §9.3, §9.4, §1.7): item_add with the limits,
 * item_pickup, item_drop (within reach), item_delete, item_update's
 * checks, item_transfer and its target list; each check in the
 * reference's order with its exact message; carried items following and
 * leaving with their carriers; teleports onto items.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_items_common.h"

/* A cell next to (x, y) inside the 41-cell grid. */
static int
beside(int v)
{
	return v == 40 ? 39 : v + 1;
}

START_TEST(add_checks_and_limits)
{
	struct td *td = ti_start("dice", "max_items 3\nmax_items_per_account 2\n", NULL);
	struct tw_user *a = tw_join(td, "aadd"), *b, *g;
	char user[33], line[256];
	json_object *r;

	tw_sendf(a, "{\"type\":\"item_add\",\"itemType\":\"piano\"}");
	r = ti_result(a, "add", 0, "Unknown item type.");
	ck_assert(!json_object_object_get_ex(r, "itemId", NULL));
	json_object_put(r);

	tw_account(td, user, "aguest");
	tw_give_role(user, NULL, "item.create");
	g = tw_login(td, user);
	tw_sendf(g, "{\"type\":\"item_add\",\"itemType\":\"piano\"}");
	ti_expect(g, "add", 0, "Not authorized to create items.");

	free(ti_add(a, "dice"));
	free(ti_add(a, "dice"));
	tw_sendf(a, "{\"type\":\"item_add\",\"itemType\":\"dice\"}");
	ti_expect(a, "add", 0, "You already own the maximum of 2 items.");
	b = tw_join(td, "aadd");
	free(ti_add(b, "dice"));
	tw_sendf(b, "{\"type\":\"item_add\",\"itemType\":\"dice\"}");
	ti_expect(b, "add", 0, "The world already holds the maximum of 3 items.");
	snprintf(line, sizeof line, "%s placed Dice (dice) at %d, %d.", b->nick, b->x, b->y);
	tw_sys(a->c, line);
	tw_close(a);
	tw_close(b);
	tw_close(g);
	td_stop(td);
	td_free(td);
}
END_TEST

START_TEST(pickup_and_drop)
{
	struct td *td = ti_start("dice", NULL, NULL);
	struct tw_user *a = tw_join(td, "apick"), *b = tw_join(td, "apick"), *e, *n;
	char user[33], line[256], *id, *id2;
	json_object *it;
	int x, y;

	tw_account(td, user, "anone");
	tw_give_role(user, NULL, "item.pickup_drop.own");
	n = tw_login(td, user);
	tw_account(td, user, "aeditor");
	tw_give_role(user, "item.pickup_drop.any", NULL);
	e = tw_login(td, user);

	/* Existence comes before the permission, even without any pickup permission. */
	ti_item_msg(n, "item_pickup", "nothing-here");
	ti_expect(n, "pickup", 0, "Item not found.");

	id = ti_add(a, "dice");
	tw_goto(b, beside(a->x), a->y);
	ti_item_msg(b, "item_pickup", id);
	ti_expect(b, "pickup", 0, "Item is not on your square.");
	tw_goto(b, a->x, a->y);
	tw_goto(n, a->x, a->y);
	tw_goto(e, a->x, a->y);
	ti_item_msg(n, "item_pickup", id);
	ti_expect(n, "pickup", 0, "Not authorized to pick up this item.");
	/* b may pick up only its own items. */
	ti_item_msg(b, "item_pickup", id);
	ti_expect(b, "pickup", 0, "Not authorized to pick up this item.");
	tw_drain(b->c, 200);

	ti_item_msg(a, "item_pickup", id);
	it = ti_upsert(b->c, id);
	ck_assert_str_eq(tw_str(it, "carrierId"), a->id);
	ck_assert_int_eq(tw_int(it, "version"), 1);
	json_object_put(it);
	snprintf(line, sizeof line, "%s picked up Dice (dice).", a->nick);
	tw_sys(b->c, line);
	ti_expect(a, "pickup", 1, "Picked up Dice.");
	/* Again: fine. */
	ti_item_msg(a, "item_pickup", id);
	ti_expect(a, "pickup", 1, "Picked up Dice.");
	ti_item_msg(e, "item_pickup", id);
	ti_expect(e, "pickup", 0, "Item is already being carried.");
	id2 = ti_add(e, "dice");
	ti_item_msg(a, "item_pickup", id2);
	ti_expect(a, "pickup", 0, "You are already carrying an item.");

	/* Dropping. */
	tw_sendf(a, "{\"type\":\"item_drop\",\"itemId\":\"nothing\",\"x\":1,\"y\":1}");
	ti_expect(a, "drop", 0, "Item not found.");
	tw_drain(a->c, 200);
	tw_sendf(e, "{\"type\":\"item_drop\",\"itemId\":\"%s\",\"x\":1,\"y\":1}", id);
	ti_expect(e, "drop", 0, "You are not carrying that item.");
	tw_sendf(a, "{\"type\":\"item_drop\",\"itemId\":\"%s\",\"x\":41,\"y\":0}", id);
	ti_expect(a, "drop", 0, "Drop position is out of bounds.");
	tw_sendf(a, "{\"type\":\"item_drop\",\"itemId\":\"%s\",\"x\":-1,\"y\":0}", id);
	ti_expect(a, "drop", 0, "Drop position is out of bounds.");
	x = a->x >= 3 ? a->x - 3 : a->x + 3;
	tw_sendf(a, "{\"type\":\"item_drop\",\"itemId\":\"%s\",\"x\":%d,\"y\":%d}", id, x, a->y);
	ti_expect(a, "drop", 0, "You can only drop an item on your square or next to it.");
	/* Next to the carrier is within reach. */
	x = beside(a->x);
	y = a->y;
	tw_drain(b->c, 200);
	tw_sendf(a, "{\"type\":\"item_drop\",\"itemId\":\"%s\",\"x\":%d,\"y\":%d}", id, x, y);
	it = ti_upsert(b->c, id);
	ck_assert(!json_object_object_get_ex(it, "carrierId", NULL));
	ck_assert_int_eq(tw_int(it, "x"), x);
	json_object_put(it);
	snprintf(line, sizeof line, "%s dropped Dice (dice) at %d, %d.", a->nick, x, y);
	tw_sys(b->c, line);
	snprintf(line, sizeof line, "Dropped Dice at %d, %d.", x, y);
	ti_expect(a, "drop", 1, line);

	/* The editor may pick up anyone's item. */
	tw_goto(e, x, y);
	ti_item_msg(e, "item_pickup", id);
	ti_expect(e, "pickup", 1, "Picked up Dice.");
	free(id);
	free(id2);
	tw_close(a);
	tw_close(b);
	tw_close(e);
	tw_close(n);
	td_stop(td);
	td_free(td);
}
END_TEST

START_TEST(carried_items_follow_and_stay)
{
	struct td *td = ti_start("dice", NULL, NULL);
	struct tw_user *a = tw_join(td, "acarry"), *b = tw_join(td, "acarry");
	json_object *it;
	char *id;
	int x, y;

	id = ti_add(a, "dice");
	ti_item_msg(a, "item_pickup", id);
	ti_expect(a, "pickup", 1, "Picked up Dice.");
	tw_drain(b->c, 200);
	x = a->x < 20 ? a->x + 10 : a->x - 10;
	y = a->y < 20 ? a->y + 10 : a->y - 10;
	tw_goto(a, x, y);
	it = ti_upsert(b->c, id);
	ck_assert_int_eq(tw_int(it, "x"), x);
	ck_assert_int_eq(tw_int(it, "y"), y);
	json_object_put(it);

	/* The carrier leaves: the item stays where they stood, put down by the system. */
	tw_close(a);
	it = ti_upsert(b->c, id);
	ck_assert(!json_object_object_get_ex(it, "carrierId", NULL));
	ck_assert_int_eq(tw_int(it, "x"), x);
	ck_assert_int_eq(tw_int(it, "y"), y);
	ck_assert_str_eq(tw_str(it, "updatedBy"), "system");
	ck_assert_str_eq(tw_str(it, "updatedByName"), "system");
	ck_assert_int_eq(tw_int(it, "version"), 1);
	json_object_put(it);

	/* Teleporting onto an item is allowed (chatgrid's teleport rule). */
	tw_sendf(b, "{\"type\":\"teleport_complete\",\"x\":%d,\"y\":%d}", x, y);
	it = tw_wait(b->c, "update_position", "id", b->id);
	ck_assert_int_eq(tw_int(it, "x"), x);
	json_object_put(it);
	free(id);
	tw_close(b);
	td_stop(td);
	td_free(td);
}
END_TEST

START_TEST(delete_and_update_checks)
{
	struct td *td = ti_start("dice", NULL, NULL);
	struct tw_user *a = tw_join(td, "adel"), *b = tw_join(td, "adel"), *n;
	char user[33], line[256], *id, *id2;
	json_object *r;

	tw_account(td, user, "anodel");
	tw_give_role(user, NULL, "item.delete.own,item.edit.own");
	n = tw_login(td, user);
	ti_item_msg(n, "item_delete", "nothing");
	ti_expect(n, "delete", 0, "Item not found.");
	ti_update(n, "nothing", "x", NULL);
	ti_expect(n, "update", 0, "Item not found.");

	id = ti_add(a, "dice");
	tw_goto(b, beside(a->x), a->y);
	ti_item_msg(b, "item_delete", id);
	ti_expect(b, "delete", 0, "Item is not on your square.");
	ti_update(b, id, "x", NULL);
	ti_expect(b, "update", 0, "Item is not on your square.");
	tw_goto(b, a->x, a->y);
	tw_goto(n, a->x, a->y);
	ti_item_msg(b, "item_delete", id);
	ti_expect(b, "delete", 0, "Not authorized to delete this item.");
	ti_update(b, id, "x", NULL);
	ti_expect(b, "update", 0, "Not authorized to edit this item.");
	ti_item_msg(n, "item_delete", id);
	ti_expect(n, "delete", 0, "Not authorized to delete this item.");

	ti_item_msg(a, "item_pickup", id);
	ti_expect(a, "pickup", 1, "Picked up Dice.");
	ti_item_msg(b, "item_delete", id);
	ti_expect(b, "delete", 0, "Item is being carried by another user.");
	ti_update(b, id, "x", NULL);
	ti_expect(b, "update", 0, "Item is not available for editing.");
	/* The carrier may edit and delete it anywhere. */
	tw_goto(a, beside(a->x), a->y);
	ti_update(a, id, "Lucky", NULL);
	ti_expect(a, "update", 1, "Updated Lucky.");
	tw_drain(b->c, 200);
	ti_item_msg(a, "item_delete", id);
	r = tw_wait(b->c, "item_remove", "itemId", id);
	json_object_put(r);
	snprintf(line, sizeof line, "%s deleted Lucky (dice).", a->nick);
	tw_sys(b->c, line);
	r = ti_result(a, "delete", 1, "You deleted Lucky (dice).");
	ck_assert_str_eq(tw_str(r, "itemId"), id);
	json_object_put(r);
	ti_item_msg(a, "item_use", id);
	ti_expect(a, "use", 0, "Item not found.");

	/* Own items: b deletes its own. */
	id2 = ti_add(b, "dice");
	ti_item_msg(b, "item_delete", id2);
	ti_expect(b, "delete", 1, "You deleted Dice (dice).");
	free(id);
	free(id2);
	tw_close(a);
	tw_close(b);
	tw_close(n);
	td_stop(td);
	td_free(td);
}
END_TEST

START_TEST(transfer)
{
	struct td *td = ti_start("dice", "max_items_per_account 1\n", NULL);
	struct tw_user *a = tw_join(td, "atrans"), *b = tw_join(td, "atrans");
	char offline[33], line[256], *id, *other;
	json_object *o, *list, *e, *it;
	size_t i;
	int seen_a = 0, seen_b = 0, seen_off = 0;

	tw_account(td, offline, "atrans");
	id = ti_add(a, "dice");
	tw_goto(b, a->x, a->y);

	ti_item_msg(a, "item_transfer_targets", id);
	o = tw_wait(a->c, "item_transfer_targets", "itemId", id);
	list = tw_get(o, "targets");
	for (i = 0; i < json_object_array_length(list); i++) {
		e = json_object_array_get_idx(list, i);
		if (strcmp(tw_str(e, "username"), a->user) == 0)
			seen_a = 1;
		if (strcmp(tw_str(e, "username"), b->user) == 0) {
			seen_b = 1;
			ck_assert_str_eq(tw_str(e, "userId"), b->userid);
			ck_assert(json_object_get_boolean(tw_get(e, "online")));
		}
		if (strcmp(tw_str(e, "username"), offline) == 0) {
			seen_off = 1;
			ck_assert(!json_object_get_boolean(tw_get(e, "online")));
		}
	}
	/* Everyone active but the owner. */
	ck_assert(!seen_a && seen_b && seen_off);
	json_object_put(o);

	tw_sendf(a, "{\"type\":\"item_transfer\",\"itemId\":\"%s\",\"targetUserId\":\"999999\"}", id);
	ti_expect(a, "transfer", 0, "User not found.");
	tw_sendf(a, "{\"type\":\"item_transfer\",\"itemId\":\"%s\",\"targetUserId\":\"x1\"}", id);
	ti_expect(a, "transfer", 0, "User not found.");
	tw_sendf(a, "{\"type\":\"item_transfer\",\"itemId\":\"nothing\",\"targetUserId\":\"1\"}");
	ti_expect(a, "transfer", 0, "Item not found.");
	tw_sendf(b, "{\"type\":\"item_transfer\",\"itemId\":\"%s\",\"targetUserId\":\"%s\"}", id, b->userid);
	ti_expect(b, "transfer", 0, "Not authorized to transfer this item.");
	tw_sendf(a, "{\"type\":\"item_transfer\",\"itemId\":\"%s\",\"targetUserId\":\"%s\"}", id, a->userid);
	snprintf(line, sizeof line, "%s already owns Dice.", a->user);
	ti_expect(a, "transfer", 0, line);
	/* b owns one already: its limit. */
	other = ti_add(b, "dice");
	tw_sendf(a, "{\"type\":\"item_transfer\",\"itemId\":\"%s\",\"targetUserId\":\"%s\"}", id, b->userid);
	snprintf(line, sizeof line, "%s already owns the maximum of 1 item.", b->user);
	ti_expect(a, "transfer", 0, line);
	ti_item_msg(b, "item_delete", other);
	ti_expect(b, "delete", 1, NULL);
	ti_item_msg(a, "item_pickup", id);
	ti_expect(a, "pickup", 1, NULL);
	tw_sendf(a, "{\"type\":\"item_transfer\",\"itemId\":\"%s\",\"targetUserId\":\"%s\"}", id, b->userid);
	ti_expect(a, "transfer", 0, "Put the item down before giving it away.");
	tw_sendf(a, "{\"type\":\"item_drop\",\"itemId\":\"%s\",\"x\":%d,\"y\":%d}", id, a->x, a->y);
	ti_expect(a, "drop", 1, NULL);
	tw_drain(b->c, 300);

	tw_sendf(a, "{\"type\":\"item_transfer\",\"itemId\":\"%s\",\"targetUserId\":\"%s\"}", id, b->userid);
	it = ti_upsert(b->c, id);
	ck_assert_str_eq(tw_str(it, "createdBy"), b->userid);
	ck_assert_str_eq(tw_str(it, "createdByName"), b->user);
	ck_assert_int_eq(tw_int(it, "version"), 2);
	json_object_put(it);
	snprintf(line, sizeof line, "%s gave Dice (dice) to %s.", a->nick, b->user);
	tw_sys(b->c, line);
	snprintf(line, sizeof line, "You gave Dice (dice) to %s.", b->user);
	ti_expect(a, "transfer", 1, line);
	/* Now b's: a may not give it away again, b may. */
	tw_sendf(a, "{\"type\":\"item_transfer\",\"itemId\":\"%s\",\"targetUserId\":\"%s\"}", id, a->userid);
	ti_expect(a, "transfer", 0, "Not authorized to transfer this item.");
	tw_sendf(b, "{\"type\":\"item_transfer\",\"itemId\":\"%s\",\"targetUserId\":\"%s\"}", id, a->userid);
	ti_expect(b, "transfer", 1, NULL);
	free(id);
	free(other);
	tw_close(a);
	tw_close(b);
	td_stop(td);
	td_free(td);
}
END_TEST

/* The generic actions with each bundled type's own title and label. */
START_TEST(every_type_every_action)
{
	static const char *const types[][2] = { { "dice", "Dice" }, { "wheel", "wheel" }, { "widget", "widget" } };
	struct td *td = ti_start("dice wheel widget", NULL, NULL);
	struct tw_user *a = tw_join(td, "aevery"), *b = tw_join(td, "aevery");
	char line[256], *id;
	json_object *r;
	size_t i;

	tw_goto(b, a->x, a->y);
	for (i = 0; i < 3; i++) {
		const char *type = types[i][0], *title = types[i][1];

		tw_drain(b->c, 100);
		tw_sendf(a, "{\"type\":\"item_add\",\"itemType\":\"%s\"}", type);
		snprintf(line, sizeof line, "You placed %s (%s) at %d, %d.", title, type, a->x, a->y);
		r = ti_result(a, "add", 1, line);
		id = strdup(tw_str(r, "itemId"));
		json_object_put(r);
		snprintf(line, sizeof line, "%s placed %s (%s) at %d, %d.", a->nick, title, type, a->x, a->y);
		tw_sys(b->c, line);

		ti_item_msg(a, "item_pickup", id);
		snprintf(line, sizeof line, "Picked up %s.", title);
		ti_expect(a, "pickup", 1, line);
		snprintf(line, sizeof line, "%s picked up %s (%s).", a->nick, title, type);
		tw_sys(b->c, line);
		tw_sendf(a, "{\"type\":\"item_drop\",\"itemId\":\"%s\",\"x\":%d,\"y\":%d}", id, a->x, a->y);
		snprintf(line, sizeof line, "Dropped %s at %d, %d.", title, a->x, a->y);
		ti_expect(a, "drop", 1, line);
		snprintf(line, sizeof line, "%s dropped %s (%s) at %d, %d.", a->nick, title, type, a->x, a->y);
		tw_sys(b->c, line);

		ti_item_msg(a, "item_secondary_use", id);
		snprintf(line, sizeof line, "No secondary action for %s.", title);
		ti_expect(a, "secondary_use", 0, line);
		ti_update(b, id, "Mine now", NULL);
		ti_expect(b, "update", 0, "Not authorized to edit this item.");
		ti_update(a, id, NULL, "{}");
		snprintf(line, sizeof line, "Updated %s.", title);
		ti_expect(a, "update", 1, line);
		ti_item_msg(b, "item_delete", id);
		ti_expect(b, "delete", 0, "Not authorized to delete this item.");
		ti_item_msg(a, "item_delete", id);
		snprintf(line, sizeof line, "You deleted %s (%s).", title, type);
		ti_expect(a, "delete", 1, line);
		snprintf(line, sizeof line, "%s deleted %s (%s).", a->nick, title, type);
		tw_sys(b->c, line);
		free(id);
	}
	tw_close(a);
	tw_close(b);
	td_stop(td);
	td_free(td);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("items_actions");
	TCase *tc = tcase_create("actions");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, add_checks_and_limits);
	tcase_add_test(tc, pickup_and_drop);
	tcase_add_test(tc, carried_items_follow_and_stay);
	tcase_add_test(tc, delete_and_update_checks);
	tcase_add_test(tc, transfer);
	tcase_add_test(tc, every_type_every_action);
	suite_add_tcase(s, tc);
	return ag_main(s);
}

/*
 * test_items_widget.c: the widget item type, the generic sound emitter
 * (reference §6.4, §6.5, §6.7, §6.11, §6.12): its thirteen parameters with
 * their coercions and messages, toggling by use, its own use sound with
 * the emit range, and the sound following its carrier.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_items_common.h"

/* Update one parameter and expect the refusal message. */
#define refuse(u, id, params, message) do { \
	ti_update((u), (id), NULL, (params)); \
	ti_expect((u), "update", 0, (message)); \
} while (0)

/* Update and return the stored params' compact JSON of key (static). */
static const char *
stored(struct tw_user *u, const char *id, const char *params, const char *key)
{
	static char buf[4096];
	json_object *it;

	ti_update(u, id, NULL, params);
	it = ti_upsert(u->c, id);
	snprintf(buf, sizeof buf, "%s", tw_js(tw_get(tw_get(it, "params"), key)));
	json_object_put(it);
	ti_expect(u, "update", 1, "Updated widget.");
	return buf;
}

START_TEST(widget_descriptor)
{
	struct td *td = ti_start("widget dice", NULL, NULL);
	struct tw_user *a = tw_join(td, "wdesc");
	json_object *ui = tw_get(a->welcome, "uiDefinitions"), *types = tw_get(ui, "itemTypes"), *t, *meta, *it;
	char *id;

	ck_assert_str_eq(tw_js(tw_get(ui, "itemTypeOrder")), "[\"dice\",\"widget\"]");
	t = json_object_array_get_idx(types, 1);
	ck_assert_str_eq(tw_str(t, "type"), "widget");
	ck_assert_str_eq(tw_str(tw_get(t, "globalProperties"), "useSound"), "none");
	ck_assert_int_eq(json_object_array_length(tw_get(t, "editableProperties")), 14);
	meta = tw_get(t, "propertyMetadata");
	ck_assert_str_eq(tw_js(tw_get(tw_get(meta, "facing"), "visibleWhen")), "{\"directional\":true}");
	/* The type's emitRange (1-20) overlays the shared entry. */
	ck_assert_str_eq(tw_js(tw_get(tw_get(meta, "emitRange"), "range")), "{\"min\":1,\"max\":20,\"step\":1}");
	ck_assert_str_eq(tw_js(tw_get(tw_get(meta, "emitSoundSpeed"), "range")), "{\"min\":0,\"max\":100,\"step\":0.1}");
	ck_assert_str_eq(tw_str(tw_get(meta, "useSound"), "valueType"), "sound");
	ck_assert_int_eq(tw_int(tw_get(meta, "useSound"), "maxLength"), 2048);
	ck_assert_str_eq(tw_js(tw_get(tw_get(meta, "emitEffect"), "options")),
	    "[\"reverb\",\"echo\",\"flanger\",\"high_pass\",\"low_pass\",\"off\"]");

	id = ti_add(a, "widget");
	ti_update(a, id, NULL, NULL);
	it = ti_upsert(a->c, id);
	ck_assert_str_eq(tw_js(tw_get(it, "params")),
	    "{\"enabled\":true,\"directional\":false,\"facing\":0,\"emitRange\":15,\"emitVolume\":100,"
	    "\"emitSoundSpeed\":50,\"emitSoundTempo\":50,\"emitInitialDelay\":0,\"emitLoopDelay\":0,"
	    "\"emitEffect\":\"off\",\"emitEffectValue\":50,\"useSound\":\"\",\"emitSound\":\"\"}");
	ck_assert(!json_object_object_get_ex(it, "useSound", NULL));
	ck_assert_str_eq(tw_str(tw_get(it, "display"), "useSound"), "none");
	json_object_put(it);
	free(id);
	tw_close(a);
	td_stop(td);
	td_free(td);
}
END_TEST

START_TEST(widget_validation)
{
	struct td *td = ti_start("widget", NULL, NULL);
	struct tw_user *a = tw_join(td, "wval");
	char *id = ti_add(a, "widget"), *big;
	size_t n, i;

	refuse(a, id, "{\"facing\":\"north\"}", "facing must be a number between 0 and 360.");
	refuse(a, id, "{\"facing\":361}", "facing must be between 0 and 360.");
	refuse(a, id, "{\"emitRange\":\"x\"}", "emitRange must be an integer between 1 and 20.");
	refuse(a, id, "{\"emitRange\":0}", "emitRange must be between 1 and 20.");
	refuse(a, id, "{\"emitRange\":\"2.5\"}", "emitRange must be an integer between 1 and 20.");
	refuse(a, id, "{\"emitVolume\":\"loud\"}", "emitVolume must be an integer between 0 and 100.");
	refuse(a, id, "{\"emitVolume\":101}", "emitVolume must be between 0 and 100.");
	refuse(a, id, "{\"emitSoundSpeed\":\"fast\"}", "emitSoundSpeed must be a number between 0 and 100.");
	refuse(a, id, "{\"emitSoundSpeed\":100.5}", "emitSoundSpeed must be between 0 and 100.");
	refuse(a, id, "{\"emitSoundSpeed\":\"nan\"}", "emitSoundSpeed must be between 0 and 100.");
	refuse(a, id, "{\"emitSoundTempo\":-1}", "emitSoundTempo must be between 0 and 100.");
	refuse(a, id, "{\"emitInitialDelay\":301}", "emitInitialDelay must be between 0 and 300.");
	refuse(a, id, "{\"emitLoopDelay\":\"x\"}", "emitLoopDelay must be a number between 0 and 300.");
	refuse(a, id, "{\"emitEffect\":\"chorus\"}",
	    "emitEffect must be one of reverb, echo, flanger, high_pass, low_pass, off.");
	refuse(a, id, "{\"emitEffectValue\":\"x\"}", "emitEffectValue must be a number.");
	refuse(a, id, "{\"emitEffectValue\":101}", "emitEffectValue must be between 0 and 100.");
	/* The first failing field in the reference's order wins. */
	refuse(a, id, "{\"emitSound\":5,\"emitVolume\":-1,\"facing\":999}", "facing must be between 0 and 360.");
	big = malloc(4000);
	ck_assert_ptr_nonnull(big);
	n = (size_t)sprintf(big, "{\"useSound\":\"");
	for (i = 0; i < 2049; i++)
		big[n++] = 'a';
	strcpy(big + n, "\"}");
	refuse(a, id, big, "useSound must be 2048 characters or less.");
	free(big);
	refuse(a, id, "{\"key\":\"bad\\u0000byte\"}", "Item properties may not contain NUL characters.");

	/* Coercions. */
	ck_assert_str_eq(stored(a, id, "{\"facing\":\"180.5\"}", "facing"), "180");
	ck_assert_str_eq(stored(a, id, "{\"facing\":181.5}", "facing"), "182");
	ck_assert_str_eq(stored(a, id, "{\"emitRange\":2.9}", "emitRange"), "2");
	ck_assert_str_eq(stored(a, id, "{\"emitVolume\":\" 7 \"}", "emitVolume"), "7");
	ck_assert_str_eq(stored(a, id, "{\"emitSoundSpeed\":\"25.05\"}", "emitSoundSpeed"), "25.1");
	ck_assert_str_eq(stored(a, id, "{\"emitLoopDelay\":12}", "emitLoopDelay"), "12.0");
	ck_assert_str_eq(stored(a, id, "{\"emitEffect\":\" ECHO \"}", "emitEffect"), "\"echo\"");
	ck_assert_str_eq(stored(a, id, "{\"enabled\":\"maybe\"}", "enabled"), "true");
	ck_assert_str_eq(stored(a, id, "{\"enabled\":\" OFF\"}", "enabled"), "false");
	ck_assert_str_eq(stored(a, id, "{\"directional\":\"maybe\"}", "directional"), "false");
	ck_assert_str_eq(stored(a, id, "{\"directional\":1}", "directional"), "true");
	ck_assert_str_eq(stored(a, id, "{\"useSound\":\" ping.ogg \"}", "useSound"), "\"sounds\\/ping.ogg\"");
	ck_assert_str_eq(stored(a, id, "{\"useSound\":\"/sounds/x.ogg\"}", "useSound"), "\"sounds\\/x.ogg\"");
	ck_assert_str_eq(stored(a, id, "{\"useSound\":\"HTTPS://e.org/a.ogg?x=1\"}", "useSound"),
	    "\"HTTPS:\\/\\/e.org\\/a.ogg?x=1\"");
	ck_assert_str_eq(stored(a, id, "{\"useSound\":\"audio/y.ogg\"}", "useSound"), "\"audio\\/y.ogg\"");
	ck_assert_str_eq(stored(a, id, "{\"emitSound\":\"None\"}", "emitSound"), "\"\"");
	ck_assert_str_eq(stored(a, id, "{\"hackedFlag\":1}", "emitSound"), "\"\"");
	{
		json_object *it;

		ti_update(a, id, NULL, "{\"hackedFlag\":1}");
		it = ti_upsert(a->c, id);
		ck_assert(!json_object_object_get_ex(tw_get(it, "params"), "hackedFlag", NULL));
		json_object_put(it);
		ti_expect(a, "update", 1, "Updated widget.");
	}
	free(id);
	tw_close(a);
	td_stop(td);
	td_free(td);
}
END_TEST

START_TEST(widget_toggle_and_sounds)
{
	struct td *td = ti_start("widget", NULL, NULL);
	struct tw_user *a = tw_join(td, "wtog"), *b = tw_join(td, "wtog");
	json_object *it, *o;
	char line[256], *id;

	tw_goto(b, a->x, a->y);
	id = ti_add(a, "widget");
	tw_drain(b->c, 200);

	ti_item_msg(a, "item_use", id);
	it = ti_upsert(b->c, id);
	ck_assert_str_eq(tw_js(tw_get(tw_get(it, "params"), "enabled")), "false");
	/* A use is no edit: no version bump (reference Q7). */
	ck_assert_int_eq(tw_int(it, "version"), 1);
	json_object_put(it);
	snprintf(line, sizeof line, "%s turns off widget.", a->nick);
	tw_sys(b->c, line);
	ti_expect(a, "use", 1, "You turn off widget.");
	/* No use sound of its own. */
	tw_none(b->c, TW_QUIET_MS, "item_use_sound", NULL, NULL);
	tw_sleep_ms(1000);
	ti_item_msg(a, "item_use", id);
	ti_expect(a, "use", 1, "You turn on widget.");

	/* Its useSound, heard within its emitRange. */
	ti_update(a, id, NULL, "{\"useSound\":\"ping.ogg\",\"emitRange\":7}");
	it = ti_upsert(a->c, id);
	ck_assert_str_eq(tw_str(tw_get(it, "display"), "useSound"), "ping.ogg");
	json_object_put(it);
	ti_expect(a, "update", 1, "Updated widget.");
	tw_sleep_ms(1000);
	tw_drain(b->c, 100);
	ti_item_msg(a, "item_use", id);
	o = tw_wait(b->c, "item_use_sound", "itemId", id);
	ck_assert_str_eq(tw_str(o, "sound"), "sounds/ping.ogg");
	ck_assert_int_eq(tw_int(o, "range"), 7);
	json_object_put(o);
	ti_expect(a, "use", 1, "You turn off widget.");

	/* Carried: it sounds where its carrier is. */
	ti_item_msg(a, "item_pickup", id);
	ti_expect(a, "pickup", 1, "Picked up widget.");
	json_object_put(ti_upsert(b->c, id));
	tw_goto(a, a->x == 40 ? 38 : a->x + 1, a->y == 40 ? 38 : a->y + 1);
	it = ti_upsert(b->c, id);
	ck_assert_int_eq(tw_int(it, "x"), a->x);
	ck_assert_int_eq(tw_int(it, "y"), a->y);
	ck_assert_str_eq(tw_str(it, "carrierId"), a->id);
	ck_assert_str_eq(tw_str(tw_get(it, "display"), "carrierId"), a->nick);
	json_object_put(it);
	tw_sleep_ms(1000);
	ti_item_msg(a, "item_use", id);
	o = tw_wait(b->c, "item_use_sound", "itemId", id);
	ck_assert_int_eq(tw_int(o, "x"), a->x);
	ck_assert_int_eq(tw_int(o, "y"), a->y);
	json_object_put(o);
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
	Suite *s = suite_create("items_widget");
	TCase *tc = tcase_create("widget");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, widget_descriptor);
	tcase_add_test(tc, widget_validation);
	tcase_add_test(tc, widget_toggle_and_sounds);
	suite_add_tcase(s, tc);
	return ag_main(s);
}

/*
 * test_items_piano.c: the piano item type (reference §6.4, §6.9, Q11,
 * Q28) with the real chatgridd, plugin host and plugin, and PostgreSQL:
 * its parameters and messages, instrument defaults, a use with its status
 * before the result, live notes relayed to the others with clamping and
 * the 12-key limit, the checks' errors, recording (pause, resume, stop,
 * the 30 s limit), the song in the songs table and params.songId, timed
 * playback and its stop, a piano deleted while playing, and players
 * leaving while holding keys or recording.
 */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_items_common.h"

#define INSTRUMENT_MESSAGE "instrument must be one of: piano, electric_piano, guitar, organ, bass, violin, " \
	"synth_lead, brass, nintendo, drum_kit."

/* A piano placed by a, with b (if any) on the same square. */
static char *
piano_for(struct tw_user *a, struct tw_user *b)
{
	char *id = ti_add(a, "piano");

	if (b != NULL)
		tw_goto(b, a->x, a->y);
	return id;
}

static void
note(struct tw_user *u, const char *id, const char *key, const char *midi, int on)
{
	tw_sendf(u, "{\"type\":\"item_piano_note\",\"itemId\":\"%s\",\"keyId\":\"%s\",\"midi\":%s,\"on\":%s}", id,
	    key, midi, on ? "true" : "false");
}

static void
recording(struct tw_user *u, const char *id, const char *action)
{
	tw_sendf(u, "{\"type\":\"item_piano_recording\",\"itemId\":\"%s\",\"action\":\"%s\"}", id, action);
}

static int
flag(json_object *o, const char *key)
{
	json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_boolean),
	    "no boolean %s in %s", key, json_object_to_json_string(o));
	return json_object_get_boolean(v);
}

/* The status event, then the result: the order the reference sends them in. */
#define status_then(u, id, event, state, ok, message) \
	status_then_at(__FILE__, __LINE__, (u), (id), (event), (state), (ok), (message))

static void
status_then_at(const char *file, int line, struct tw_user *u, const char *id, const char *event,
    const char *state, int ok, const char *message)
{
	json_object *o = tw_wait_at(file, line, u->c, TW_WAIT_MS, "item_piano_status", "event", event);

	ck_assert_msg(strcmp(tw_str(o, "recordingState"), state) == 0 && strcmp(tw_str(o, "itemId"), id) == 0,
	    "%s:%d: %s", file, line, json_object_to_json_string(o));
	json_object_put(o);
	o = ti_result_at(file, line, u, "use", ok, message);
	ck_assert_str_eq(tw_str(o, "itemId"), id);
	json_object_put(o);
}

/* The next note from sender; checks key, midi and on. */
#define next_note(u, sender, key, midi, on) next_note_at(__FILE__, __LINE__, (u), (sender), (key), (midi), (on))

static json_object *
next_note_at(const char *file, int line, struct tw_user *u, const char *sender, const char *key, int midi, int on)
{
	json_object *o = tw_wait_at(file, line, u->c, TW_WAIT_MS, "item_piano_note", "senderId", sender);

	ck_assert_msg(strcmp(tw_str(o, "keyId"), key) == 0 && tw_int(o, "midi") == midi && flag(o, "on") == on,
	    "%s:%d: want %s %d %s, got %s", file, line, key, midi, on ? "on" : "off", json_object_to_json_string(o));
	return o;
}

#define drop_note(u, sender, key, midi, on) json_object_put(next_note((u), (sender), (key), (midi), (on)))

/* The piano's params after the next upsert of it (caller frees the item). */
static json_object *
upsert(struct tw_user *u, const char *id, json_object **params)
{
	json_object *it = ti_upsert(u->c, id);

	*params = tw_get(it, "params");
	return it;
}

START_TEST(piano_parameters)
{
	struct td *td = ti_start("piano", NULL, NULL);
	struct tw_user *a = tw_join(td, "pparam");
	json_object *ui, *t, *meta, *it, *p;
	char *id;

	/* The descriptor (§6.3, §6.11). */
	ui = tw_get(a->welcome, "uiDefinitions");
	ck_assert_str_eq(tw_js(tw_get(ui, "itemTypeOrder")), "[\"piano\"]");
	t = json_object_array_get_idx(tw_get(ui, "itemTypes"), 0);
	ck_assert_str_eq(tw_str(t, "label"), "piano");
	ck_assert_str_eq(tw_js(tw_get(t, "editableProperties")), "[\"title\",\"instrument\",\"voiceMode\","
	    "\"octave\",\"attack\",\"decay\",\"release\",\"brightness\",\"emitRange\"]");
	meta = tw_get(t, "propertyMetadata");
	ck_assert_str_eq(tw_js(tw_get(tw_get(meta, "instrument"), "options")), "[\"piano\",\"electric_piano\","
	    "\"guitar\",\"organ\",\"bass\",\"violin\",\"synth_lead\",\"brass\",\"nintendo\",\"drum_kit\"]");
	ck_assert_str_eq(tw_js(tw_get(tw_get(meta, "voiceMode"), "options")), "[\"poly\",\"mono\"]");
	ck_assert_str_eq(tw_js(tw_get(tw_get(meta, "octave"), "range")), "{\"min\":-2,\"max\":2,\"step\":1}");
	ck_assert_str_eq(tw_js(tw_get(tw_get(meta, "decay"), "range")), "{\"min\":0,\"max\":100,\"step\":1}");
	ck_assert_str_eq(tw_js(tw_get(tw_get(meta, "emitRange"), "range")), "{\"min\":5,\"max\":20,\"step\":1}");
	ck_assert_str_eq(tw_str(tw_get(t, "globalProperties"), "useSound"), "none");
	ck_assert_int_eq(tw_int(tw_get(t, "globalProperties"), "useCooldownMs"), 1000);
	ck_assert_int_eq(tw_int(tw_get(t, "globalProperties"), "emitRange"), 15);

	tw_sendf(a, "{\"type\":\"item_add\",\"itemType\":\"piano\"}");
	it = tw_wait(a->c, "item_upsert", NULL, NULL);
	ck_assert_str_eq(tw_js(tw_get(tw_get(it, "item"), "params")), "{\"instrument\":\"piano\","
	    "\"voiceMode\":\"poly\",\"octave\":0,\"attack\":15,\"decay\":45,\"release\":35,\"brightness\":55,"
	    "\"emitRange\":15,\"songId\":\"unterlandersheimweh\"}");
	ck_assert_str_eq(tw_str(tw_get(it, "item"), "title"), "piano");
	json_object_put(it);
	it = ti_result(a, "add", 1, NULL);
	id = strdup(tw_str(it, "itemId"));
	json_object_put(it);

	/* Each field's two messages (§6.4). */
	ti_update(a, id, NULL, "{\"instrument\":\"harp\"}");
	ti_expect(a, "update", 0, INSTRUMENT_MESSAGE);
	ti_update(a, id, NULL, "{\"instrument\":[\"piano\"]}");
	ti_expect(a, "update", 0, INSTRUMENT_MESSAGE);
	ti_update(a, id, NULL, "{\"voiceMode\":\"stereo\"}");
	ti_expect(a, "update", 0, "voiceMode must be one of: poly, mono.");
	ti_update(a, id, NULL, "{\"octave\":\"up\"}");
	ti_expect(a, "update", 0, "octave must be an integer between -2 and 2.");
	ti_update(a, id, NULL, "{\"octave\":3}");
	ti_expect(a, "update", 0, "octave must be between -2 and 2.");
	ti_update(a, id, NULL, "{\"attack\":101}");
	ti_expect(a, "update", 0, "attack must be between 0 and 100.");
	ti_update(a, id, NULL, "{\"decay\":\"slow\"}");
	ti_expect(a, "update", 0, "decay must be an integer between 0 and 100.");
	ti_update(a, id, NULL, "{\"release\":-1}");
	ti_expect(a, "update", 0, "release must be between 0 and 100.");
	ti_update(a, id, NULL, "{\"brightness\":null}");
	ti_expect(a, "update", 0, "brightness must be an integer between 0 and 100.");
	ti_update(a, id, NULL, "{\"emitRange\":4}");
	ti_expect(a, "update", 0, "emitRange must be between 5 and 20.");
	ti_update(a, id, NULL, "{\"emitRange\":\"far\"}");
	ti_expect(a, "update", 0, "emitRange must be an integer between 5 and 20.");
	/* The first failing field in the table's order wins. */
	ti_update(a, id, NULL, "{\"emitRange\":4,\"voiceMode\":\"x\"}");
	ti_expect(a, "update", 0, "voiceMode must be one of: poly, mono.");

	/* Coercions; songId is the server's, and unknown keys go. */
	ti_update(a, id, NULL, "{\"emitRange\":true}");
	ti_expect(a, "update", 0, "emitRange must be between 5 and 20.");
	ti_update(a, id, NULL, "{\"voiceMode\":\" MONO \",\"octave\":\" 2 \",\"attack\":90.9,\"emitRange\":\"5\","
	    "\"songId\":\"stolen\",\"hackedFlag\":1}");
	it = upsert(a, id, &p);
	ck_assert_str_eq(tw_js(p), "{\"instrument\":\"piano\",\"voiceMode\":\"mono\",\"octave\":2,\"attack\":90,"
	    "\"decay\":45,\"release\":35,\"brightness\":55,\"emitRange\":5,\"songId\":\"unterlandersheimweh\"}");
	json_object_put(it);
	ti_expect(a, "update", 1, "Updated piano.");
	ti_update(a, id, NULL, "{\"emitRange\":7.9}");
	it = upsert(a, id, &p);
	ck_assert_int_eq(tw_int(p, "emitRange"), 7);
	json_object_put(it);
	ti_expect(a, "update", 1, "Updated piano.");

	/* A new instrument brings its own envelope, voice mode and octave over what was sent. */
	ti_update(a, id, NULL, "{\"instrument\":\" Bass \",\"attack\":77,\"voiceMode\":\"poly\"}");
	it = upsert(a, id, &p);
	ck_assert_str_eq(tw_js(p), "{\"instrument\":\"bass\",\"voiceMode\":\"mono\",\"octave\":-1,\"attack\":2,"
	    "\"decay\":24,\"release\":18,\"brightness\":34,\"emitRange\":7,\"songId\":\"unterlandersheimweh\"}");
	json_object_put(it);
	ti_expect(a, "update", 1, "Updated piano.");
	/* The same instrument again keeps what is sent. */
	ti_update(a, id, NULL, "{\"instrument\":\"bass\",\"attack\":77,\"voiceMode\":\"poly\",\"octave\":1}");
	it = upsert(a, id, &p);
	ck_assert_str_eq(tw_js(p), "{\"instrument\":\"bass\",\"voiceMode\":\"poly\",\"octave\":1,\"attack\":77,"
	    "\"decay\":24,\"release\":18,\"brightness\":34,\"emitRange\":7,\"songId\":\"unterlandersheimweh\"}");
	json_object_put(it);
	ti_expect(a, "update", 1, "Updated piano.");
	ti_update(a, id, NULL, "{\"instrument\":\"violin\"}");
	it = upsert(a, id, &p);
	ck_assert_str_eq(tw_js(p), "{\"instrument\":\"violin\",\"voiceMode\":\"mono\",\"octave\":0,\"attack\":22,"
	    "\"decay\":75,\"release\":55,\"brightness\":58,\"emitRange\":7,\"songId\":\"unterlandersheimweh\"}");
	json_object_put(it);
	ti_expect(a, "update", 1, "Updated piano.");
	free(id);
	tw_close(a);
	td_stop(td);
	td_free(td);
}
END_TEST

START_TEST(piano_use)
{
	struct td *td = ti_start("piano", NULL, NULL);
	struct tw_user *a = tw_join(td, "puse"), *b = tw_join(td, "puse");
	char line[256], *id = piano_for(a, b);

	ti_update(a, id, "Grand", NULL);
	ti_expect(a, "update", 1, "Updated Grand.");
	ti_item_msg(a, "item_use", id);
	status_then(a, id, "use_mode_entered", "idle", 1, "You begin playing Grand.");
	snprintf(line, sizeof line, "%s begins playing Grand.", a->nick);
	tw_sys(b->c, line);
	tw_none(b->c, 300, "item_piano_status", NULL, NULL);
	/* The type's 1 s cooldown. */
	ti_item_msg(b, "item_use", id);
	ti_expect(b, "use", 0, NULL);
	free(id);
	tw_close(a);
	tw_close(b);
	td_stop(td);
	td_free(td);
}
END_TEST

START_TEST(piano_live_notes)
{
	struct td *td = ti_start("piano", NULL, NULL);
	struct tw_user *a = tw_join(td, "pnote"), *b = tw_join(td, "pnote"), *d;
	json_object *o, *it, *p;
	char user[33], key[16], *id = piano_for(a, b);
	int i;

	ti_update(a, id, NULL, "{\"octave\":-2,\"attack\":20,\"emitRange\":9}");
	json_object_put(upsert(a, id, &p));
	ti_expect(a, "update", 1, "Updated piano.");
	tw_drain(b->c, 200);

	/* Relayed to the others, clamped; the sender hears nothing back. */
	note(a, id, "KeyA", "200", 1);
	o = next_note(b, a->id, "KeyA", 127, 1);
	ck_assert_str_eq(tw_str(o, "itemId"), id);
	ck_assert_str_eq(tw_str(o, "instrument"), "piano");
	ck_assert_str_eq(tw_str(o, "voiceMode"), "poly");
	ck_assert_int_eq(tw_int(o, "octave"), -2);
	ck_assert_int_eq(tw_int(o, "attack"), 20);
	ck_assert_int_eq(tw_int(o, "decay"), 45);
	ck_assert_int_eq(tw_int(o, "release"), 35);
	ck_assert_int_eq(tw_int(o, "brightness"), 55);
	ck_assert_int_eq(tw_int(o, "emitRange"), 9);
	ck_assert_int_eq(tw_int(o, "range"), 9);
	ck_assert_int_eq(tw_int(o, "x"), a->x);
	ck_assert_int_eq(tw_int(o, "y"), a->y);
	json_object_put(o);
	note(a, id, "KeyA", "-5", 0);
	drop_note(b, a->id, "KeyA", 0, 0);
	note(a, id, "KeyB", "60.6", 1);
	drop_note(b, a->id, "KeyB", 61, 1);
	note(a, id, "KeyB", "60", 0);
	drop_note(b, a->id, "KeyB", 60, 0);
	/* Key ids are cut to 32 characters. */
	note(a, id, "K123456789012345678901234567890123456789", "64", 0);
	drop_note(b, a->id, "K1234567890123456789012345678901", 64, 0);
	tw_none(a->c, 300, "item_piano_note", NULL, NULL);

	/* Twelve keys held; the thirteenth is refused, to the sender only. */
	for (i = 0; i < 12; i++) {
		snprintf(key, sizeof key, "K%d", i);
		note(a, id, key, "60", 1);
		drop_note(b, a->id, key, 60, 1);
	}
	note(a, id, "K12", "61", 1);
	o = tw_wait(a->c, "error", "code", "piano_note");
	ck_assert_str_eq(tw_str(o, "message"), "You can hold at most 12 keys.");
	json_object_put(o);
	tw_none(b->c, 300, "item_piano_note", NULL, NULL);
	/* A key already held is no new key; a released one makes room. */
	note(a, id, "K3", "62", 1);
	drop_note(b, a->id, "K3", 62, 1);
	note(a, id, "K0", "60", 0);
	drop_note(b, a->id, "K0", 60, 0);
	note(a, id, "K12", "61", 1);
	drop_note(b, a->id, "K12", 61, 1);
	tw_none(a->c, 300, "error", NULL, NULL);

	for (i = 1; i <= 12; i++) {
		snprintf(key, sizeof key, "K%d", i);
		note(a, id, key, "60", 0);
		drop_note(b, a->id, key, 60, 0);
	}

	/* Carried: it sounds where its carrier is, from any square. */
	ti_item_msg(a, "item_pickup", id);
	ti_expect(a, "pickup", 1, "Picked up piano.");
	tw_goto(a, a->x < 20 ? a->x + 3 : a->x - 3, a->y);
	note(a, id, "KeyC", "48", 1);
	o = next_note(b, a->id, "KeyC", 48, 1);
	ck_assert_int_eq(tw_int(o, "x"), a->x);
	ck_assert_int_eq(tw_int(o, "y"), a->y);
	json_object_put(o);
	/* Others see it as carried. */
	tw_goto(b, a->x, a->y);
	note(b, id, "KeyC", "48", 1);
	o = tw_wait(b->c, "error", "code", "piano_note");
	ck_assert_str_eq(tw_str(o, "message"), "Piano is not available.");
	json_object_put(o);
	tw_sendf(a, "{\"type\":\"item_drop\",\"itemId\":\"%s\",\"x\":%d,\"y\":%d}", id, a->x, a->y);
	it = ti_upsert(a->c, id);
	json_object_put(it);
	ti_expect(a, "drop", 1, NULL);
	tw_goto(a, a->x == 0 ? 1 : a->x - 1, a->y);
	note(a, id, "KeyD", "50", 1);
	o = tw_wait(a->c, "error", "code", "piano_note");
	ck_assert_str_eq(tw_str(o, "message"), "Piano is not on your square.");
	json_object_put(o);
	note(a, "00000000-0000-4000-8000-000000000000", "KeyD", "50", 1);
	o = tw_wait(a->c, "error", "code", "piano_note");
	ck_assert_str_eq(tw_str(o, "message"), "Piano not found.");
	json_object_put(o);

	/* Without item.use. */
	tw_account(td, user, "pnouse");
	tw_give_role(user, NULL, "item.use");
	d = tw_login(td, user);
	tw_goto(d, b->x, b->y);
	note(d, id, "KeyE", "52", 1);
	o = tw_wait(d->c, "error", "code", "piano_note");
	ck_assert_str_eq(tw_str(o, "message"), "Not authorized to use items.");
	json_object_put(o);
	recording(d, id, "toggle_record");
	ti_expect(d, "use", 0, "Not authorized to use items.");
	tw_none(b->c, 300, "item_piano_note", "senderId", d->id);
	free(id);
	tw_close(a);
	tw_close(b);
	tw_close(d);
	td_stop(td);
	td_free(td);
}
END_TEST

/*
 * SQL values are read with ag_sql_wait: songs are written as they are
 * saved, but a client may hear of the save first.
 */

/* An integer from SQL once it equals want (the last value read, -1 for none). */
#define sql_int(want, ...) sql_int_of(ag_sql_wait(#want, __VA_ARGS__))

static int64_t
sql_int_of(char *v)
{
	int64_t n = v != NULL ? strtoll(v, NULL, 10) : -1;

	free(v);
	return n;
}

/* The song's keys, states or events as stored (caller frees). */
static json_object *
song_part(const char *id, const char *part)
{
	char *v = ag_sql_wait(NULL, "SELECT body->'%s' FROM songs WHERE id = 'item:%s:recording' AND item_id = '%s'",
	    part, id, id);
	json_object *o;

	ck_assert_msg(v != NULL, "no song saved for %s", id);
	o = json_tokener_parse(v);
	ck_assert_msg(o != NULL, "song %s: %s", part, v);
	free(v);
	return o;
}

/* Stop a's recording: the new songId for everyone first, then the status and result. */
static void
stop_recording(struct tw_user *a, struct tw_user *b, const char *id, int64_t version)
{
	json_object *it, *p;
	char song[128];

	snprintf(song, sizeof song, "item:%s:recording", id);
	recording(a, id, "stop_record");
	it = upsert(a, id, &p);
	ck_assert_str_eq(tw_str(p, "songId"), song);
	ck_assert_int_eq(tw_int(it, "version"), version + 1);
	json_object_put(it);
	status_then(a, id, "record_stopped", "idle", 1, "Recording stopped.");
	if (b != NULL) {
		it = upsert(b, id, &p);
		ck_assert_str_eq(tw_str(p, "songId"), song);
		json_object_put(it);
	}
}

START_TEST(piano_record_and_play)
{
	struct td *td = ti_start("piano", NULL, NULL);
	struct tw_user *a = tw_join(td, "prec"), *b = tw_join(td, "prec");
	static const char *const keys[] = { "KeyA", "KeyA", "KeyS", "KeyS", "KeyD", "KeyD" };
	static const int midis[] = { 60, 60, 62, 62, 64, 64 }, ons[] = { 1, 0, 1, 0, 1, 0 };
	json_object *o, *it, *p, *events, *ev;
	char *id = piano_for(a, b), *id2, sender[128];
	int64_t length, at[6], rt[6], d;
	int i;

	snprintf(sender, sizeof sender, "item:%s:playback", id);
	ti_item_msg(a, "item_use", id);
	status_then(a, id, "use_mode_entered", "idle", 1, "You begin playing piano.");

	recording(a, id, "toggle_record");
	status_then(a, id, "record_started", "recording", 1, "Recording started.");
	/* One recording per piano, and no playback while it runs. */
	recording(b, id, "toggle_record");
	ti_expect(b, "use", 0, "This piano is already recording.");
	recording(b, id, "stop_record");
	ti_expect(b, "use", 0, "This piano is already recording.");
	recording(b, id, "playback");
	ti_expect(b, "use", 0, "Stop recording before playback.");
	/* The others' notes are not recorded. */
	note(b, id, "KeyQ", "70", 1);
	note(b, id, "KeyQ", "70", 0);

	note(a, id, "KeyA", "60", 1);
	tw_sleep_ms(200);
	note(a, id, "KeyA", "60", 0);
	tw_sleep_ms(200);
	note(a, id, "KeyS", "62", 1);
	tw_sleep_ms(200);
	note(a, id, "KeyS", "62", 0);
	recording(a, id, "toggle_record");
	status_then(a, id, "record_paused", "paused", 1, "Recording paused.");
	/* Paused: neither the time nor the notes count. */
	note(a, id, "KeyF", "65", 1);
	note(a, id, "KeyF", "65", 0);
	tw_sleep_ms(600);
	/* Using it again tells the recorder where they are. */
	tw_sleep_ms(400);
	ti_item_msg(a, "item_use", id);
	status_then(a, id, "use_mode_entered", "paused", 1, "You begin playing piano.");
	recording(a, id, "toggle_record");
	status_then(a, id, "record_resumed", "recording", 1, "Recording resumed.");
	tw_sleep_ms(100);
	note(a, id, "KeyD", "64", 1);
	tw_sleep_ms(300);
	note(a, id, "KeyD", "64", 0);
	tw_sleep_ms(100);
	tw_drain(b->c, 200);
	/* A use changes no version (Q7): the piano is still at its first. */
	stop_recording(a, b, id, 1);

	/* In PostgreSQL: the compact song (§6.9 step 2). */
	o = song_part(id, "keys");
	ck_assert_str_eq(tw_js(o), "[\"KeyA\",\"KeyS\",\"KeyD\"]");
	json_object_put(o);
	o = song_part(id, "states");
	ck_assert_str_eq(tw_js(o), "[[\"piano\",\"poly\",15,45,35,55,15]]");
	json_object_put(o);
	o = song_part(id, "meta");
	ck_assert_str_eq(tw_str(o, "instrument"), "piano");
	length = tw_int(o, "recordingLengthMs");
	json_object_put(o);
	ck_assert_msg(length >= 900 && length <= 1800, "length %lld", (long long)length);
	ck_assert_int_eq(sql_int_of(ag_sql_wait(NULL, "SELECT length_ms FROM songs WHERE id = 'item:%s:recording'", id)),
	    length);
	events = song_part(id, "events");
	ck_assert_int_eq(json_object_array_length(events), 6);
	for (i = 0; i < 6; i++) {
		ev = json_object_array_get_idx(events, (size_t)i);
		rt[i] = json_object_get_int64(json_object_array_get_idx(ev, 0));
		ck_assert_int_eq(json_object_get_int(json_object_array_get_idx(ev, 1)), i / 2);
		ck_assert_int_eq(json_object_get_int(json_object_array_get_idx(ev, 2)), midis[i]);
		ck_assert_int_eq(json_object_get_int(json_object_array_get_idx(ev, 3)), ons[i]);
		ck_assert_int_eq(json_object_get_int(json_object_array_get_idx(ev, 4)), 0);
	}
	json_object_put(events);
	ck_assert_msg(rt[1] - rt[0] >= 150 && rt[1] - rt[0] <= 450, "KeyA held %lld ms", (long long)(rt[1] - rt[0]));
	/* The pause (1 s) is not in the song. */
	ck_assert_msg(rt[4] - rt[3] < 600, "the pause was recorded: %lld ms", (long long)(rt[4] - rt[3]));

	/* Playback to everyone, at the recorded times, with the piano's current octave. */
	ti_update(a, id, NULL, "{\"octave\":1,\"attack\":99}");
	json_object_put(upsert(a, id, &p));
	ti_expect(a, "update", 1, "Updated piano.");
	tw_drain(b->c, 200);
	recording(a, id, "playback");
	status_then(a, id, "playback_started", "playback", 1, "Playback started.");
	for (i = 0; i < 6; i++) {
		o = next_note(b, sender, keys[i], midis[i], ons[i]);
		at[i] = tc_now_ms();
		ck_assert_int_eq(tw_int(o, "octave"), 1);
		ck_assert_int_eq(tw_int(o, "attack"), 15);
		ck_assert_str_eq(tw_str(o, "instrument"), "piano");
		json_object_put(o);
	}
	for (i = 1; i < 6; i++) {
		d = (at[i] - at[0]) - (rt[i] - rt[0]);
		ck_assert_msg(d >= -150 && d <= 150, "note %d at %lld ms, recorded at %lld ms", i,
		    (long long)(at[i] - at[0]), (long long)(rt[i] - rt[0]));
	}
	drop_note(a, sender, "KeyA", 60, 1);
	/* Its natural end says nothing. */
	tw_none(a->c, 300, "item_piano_status", NULL, NULL);

	/* Stopped: what sounds is released, and nothing more comes. */
	recording(a, id, "playback");
	status_then(a, id, "playback_started", "playback", 1, "Playback started.");
	drop_note(b, sender, "KeyA", 60, 1);
	recording(a, id, "stop_playback");
	drop_note(b, sender, "KeyA", 60, 0);
	status_then(a, id, "playback_stopped", "idle", 1, "Playback stopped.");
	tw_none(b->c, 1200, "item_piano_note", "senderId", sender);
	recording(b, id, "stop_playback");
	status_then(b, id, "playback_stopped", "idle", 1, "Playback stopped.");
	/* Stopping a recording that is not there still answers. */
	recording(b, id, "stop_record");
	status_then(b, id, "record_stopped", "idle", 1, "Recording stopped.");

	/* A new recording stops a playback. */
	recording(b, id, "playback");
	status_then(b, id, "playback_started", "playback", 1, "Playback started.");
	drop_note(a, sender, "KeyA", 60, 1);
	recording(b, id, "toggle_record");
	drop_note(a, sender, "KeyA", 60, 0);
	status_then(b, id, "record_started", "recording", 1, "Recording started.");
	tw_none(a->c, 1000, "item_piano_note", "senderId", sender);
	recording(b, id, "stop_record");
	it = ti_upsert(b->c, id);
	json_object_put(it);
	status_then(b, id, "record_stopped", "idle", 1, "Recording stopped.");
	/* An empty recording replaced the song: it plays nothing. */
	ck_assert_int_eq(sql_int(0, "SELECT events FROM songs WHERE id = 'item:%s:recording'", id), 0);
	recording(b, id, "playback");
	status_then(b, id, "playback_started", "playback", 1, "Playback started.");
	tw_none(a->c, 500, "item_piano_note", "senderId", sender);

	/* A new piano has no recording (its default song lives in the clients, Q11). */
	id2 = ti_add(a, "piano");
	recording(a, id2, "playback");
	ti_expect(a, "use", 0, "No recording saved on this piano.");
	recording(a, id2, "stop_playback");
	status_then(a, id2, "playback_stopped", "idle", 1, "Playback stopped.");
	free(id2);
	free(id);
	tw_close(a);
	tw_close(b);
	td_stop(td);
	td_free(td);
}
END_TEST

START_TEST(piano_delete_while_playing)
{
	struct td *td = ti_start("piano", NULL, NULL);
	struct tw_user *a = tw_join(td, "pdel"), *b = tw_join(td, "pdel");
	char *id = piano_for(a, b), sender[128];
	json_object *o;

	snprintf(sender, sizeof sender, "item:%s:playback", id);
	/* Asked before anything was loaded: started, then taken back once the song is known to be absent. */
	recording(a, id, "playback");
	status_then(a, id, "playback_started", "playback", 1, "Playback started.");
	o = tw_wait(a->c, "item_piano_status", "event", "playback_stopped");
	ck_assert_str_eq(tw_str(o, "recordingState"), "idle");
	json_object_put(o);
	ti_expect(a, "use", 0, "No recording saved on this piano.");

	recording(a, id, "toggle_record");
	status_then(a, id, "record_started", "recording", 1, "Recording started.");
	note(a, id, "KeyA", "60", 1);
	tw_sleep_ms(100);
	note(a, id, "KeyA", "60", 0);
	tw_sleep_ms(1500);
	note(a, id, "KeyS", "62", 1);
	tw_sleep_ms(100);
	note(a, id, "KeyS", "62", 0);
	stop_recording(a, NULL, id, 1);
	ck_assert_int_eq(sql_int(1, "SELECT count(*) FROM songs WHERE item_id = '%s'", id), 1);

	tw_drain(b->c, 200);
	recording(a, id, "playback");
	status_then(a, id, "playback_started", "playback", 1, "Playback started.");
	drop_note(b, sender, "KeyA", 60, 1);
	drop_note(b, sender, "KeyA", 60, 0);
	ti_item_msg(a, "item_delete", id);
	ti_expect(a, "delete", 1, NULL);
	tw_none(b->c, 2000, "item_piano_note", NULL, NULL);
	ck_assert_int_eq(sql_int(0, "SELECT count(*) FROM songs WHERE item_id = '%s'", id), 0);

	/* The plugin goes on: a new piano records and plays. */
	free(id);
	id = piano_for(a, NULL);
	snprintf(sender, sizeof sender, "item:%s:playback", id);
	recording(a, id, "toggle_record");
	status_then(a, id, "record_started", "recording", 1, "Recording started.");
	note(a, id, "KeyG", "67", 1);
	stop_recording(a, NULL, id, 1);
	recording(a, id, "playback");
	status_then(a, id, "playback_started", "playback", 1, "Playback started.");
	drop_note(b, sender, "KeyG", 67, 1);
	/* Held at the end: released. */
	drop_note(b, sender, "KeyG", 67, 0);
	free(id);
	tw_close(a);
	tw_close(b);
	td_stop(td);
	td_free(td);
}
END_TEST

START_TEST(piano_players_leave)
{
	struct td *td = ti_start("piano", NULL, NULL);
	struct tw_user *a = tw_join(td, "pleave"), *b = tw_join(td, "pleave");
	char *id = piano_for(a, b), *id2, song[128], left[80];
	json_object *o, *it, *p;
	int seen = 0, i;

	id2 = ti_add(b, "piano");
	snprintf(song, sizeof song, "item:%s:recording", id);
	snprintf(left, sizeof left, "%s", a->id);
	recording(a, id, "toggle_record");
	status_then(a, id, "record_started", "recording", 1, "Recording started.");
	note(a, id, "KeyA", "60", 1);
	drop_note(b, left, "KeyA", 60, 1);
	note(a, id, "KeyS", "62", 1);
	drop_note(b, left, "KeyS", 62, 1);
	note(a, id2, "KeyZ", "48", 1);
	drop_note(b, left, "KeyZ", 48, 1);
	note(a, id, "KeyX", "50", 1);
	drop_note(b, left, "KeyX", 50, 1);
	note(a, id, "KeyX", "50", 0);
	drop_note(b, left, "KeyX", 50, 0);
	tw_close(a);

	/* Every key still held, on both pianos, released for the others (Q28). */
	for (i = 0; i < 3; i++) {
		o = tw_wait(b->c, "item_piano_note", "senderId", left);
		ck_assert_msg(!flag(o, "on"), "%s", json_object_to_json_string(o));
		if (strcmp(tw_str(o, "keyId"), "KeyA") == 0 && tw_int(o, "midi") == 60 && strcmp(tw_str(o, "itemId"), id) == 0)
			seen |= 1;
		else if (strcmp(tw_str(o, "keyId"), "KeyS") == 0 && tw_int(o, "midi") == 62)
			seen |= 2;
		else if (strcmp(tw_str(o, "keyId"), "KeyZ") == 0 && strcmp(tw_str(o, "itemId"), id2) == 0)
			seen |= 4;
		json_object_put(o);
	}
	ck_assert_int_eq(seen, 7);

	/* The recording was saved, though nobody is told. */
	it = upsert(b, id, &p);
	ck_assert_str_eq(tw_str(p, "songId"), song);
	json_object_put(it);
	tw_none(b->c, 300, "item_piano_note", "senderId", left);
	ck_assert_int_eq(sql_int(4, "SELECT events FROM songs WHERE item_id = '%s'", id), 4);

	/* And the piano is free for the next player. */
	recording(b, id, "playback");
	status_then(b, id, "playback_started", "playback", 1, "Playback started.");
	recording(b, id, "toggle_record");
	status_then(b, id, "record_started", "recording", 1, "Recording started.");
	free(id);
	free(id2);
	tw_close(b);
	td_stop(td);
	td_free(td);
}
END_TEST

START_TEST(piano_recording_limit)
{
	struct td *td = ti_start("piano", NULL, NULL);
	struct tw_user *a = tw_join(td, "plimit");
	char *id = piano_for(a, NULL), song[128];
	json_object *o, *it;
	int64_t t0, el;

	snprintf(song, sizeof song, "item:%s:recording", id);
	recording(a, id, "toggle_record");
	t0 = tc_now_ms();
	status_then(a, id, "record_started", "recording", 1, "Recording started.");
	note(a, id, "KeyA", "60", 1);
	/* 30 s after the start it stops by itself: saved, and the recorder is told. */
	o = tw_wait_ms(a->c, 36000, "item_upsert", NULL, NULL);
	el = tc_now_ms() - t0;
	it = tw_get(o, "item");
	ck_assert_str_eq(tw_str(it, "id"), id);
	ck_assert_str_eq(tw_str(tw_get(it, "params"), "songId"), song);
	json_object_put(o);
	ck_assert_msg(el >= 29900 && el <= 33000, "stopped after %lld ms", (long long)el);
	status_then(a, id, "record_stopped", "idle", 1, "Recording stopped.");
	ck_assert_int_eq(sql_int(30000, "SELECT length_ms FROM songs WHERE item_id = '%s'", id), 30000);
	ck_assert_int_eq(sql_int(1, "SELECT events FROM songs WHERE item_id = '%s'", id), 1);
	/* Notes after it are not recorded, and a new one may start. */
	note(a, id, "KeyA", "60", 0);
	recording(a, id, "toggle_record");
	status_then(a, id, "record_started", "recording", 1, "Recording started.");
	free(id);
	tw_close(a);
	td_stop(td);
	td_free(td);
}
END_TEST
/*
 * Songs count against their item's owner (song_account_max_kib): a small
 * recording fits, one that would pass the limit is not stored and the
 * recorder hears why. The sizes seen are printed: they are what the
 * default in chatgridd.conf(5) was chosen from.
 */
START_TEST(piano_song_storage_limit)
{
	struct td *td = ti_start("piano", "song_account_max_kib 1\n", NULL);
	struct tw_user *a = tw_join(td, "pquota");
	char *p1 = piano_for(a, NULL), *p2, *v;
	int i;

	recording(a, p1, "toggle_record");
	status_then(a, p1, "record_started", "recording", 1, "Recording started.");
	stop_recording(a, NULL, p1, 1);
	v = ag_sql_wait(NULL, "SELECT octet_length(body::text) FROM songs WHERE item_id = '%s'", p1);
	ck_assert_msg(v != NULL, "the small recording was not saved");
	printf("# an empty recording takes %s bytes\n", v);
	free(v);

	p2 = piano_for(a, NULL);
	recording(a, p2, "toggle_record");
	status_then(a, p2, "record_started", "recording", 1, "Recording started.");
	for (i = 0; i < 40; i++) {
		note(a, p2, "KeyA", "60", 1);
		note(a, p2, "KeyA", "60", 0);
	}
	stop_recording(a, NULL, p2, 1);
	tw_sys(a->c, "The recording was not saved: the songs of this item's owner would pass the 1 KiB one account "
	    "may keep. Delete some of their recordings or items to make room.");
	ck_assert(td_wait_log(td, "not saved: its owner", td_ms(5000)));
	v = ag_sql_value("SELECT count(*) FROM songs WHERE item_id = '%s'", p2);
	ck_assert_str_eq(v, "0");
	free(v);
	free(p1);
	free(p2);
	tw_close(a);
	td_stop(td);
	td_free(td);
}
END_TEST

/* The first line of td's log holding text, for a failure message ("" if none; static storage). */
static const char *
log_line(struct td *td, const char *text)
{
	static char line[1024];
	FILE *f = fopen(td_log_path(td), "r");
	int found = 0;

	line[0] = '\0';
	if (f == NULL)
		return line;
	while (!found && fgets(line, sizeof line, f) != NULL)
		found = strstr(line, text) != NULL;
	fclose(f);
	if (!found)
		line[0] = '\0';
	line[strcspn(line, "\n")] = '\0';
	return line;
}

/*
 * Issue 20: a signal to the daemon's whole process group (Ctrl-C in a
 * terminal; systemd's KillMode=control-group) must not reach the plugin
 * hosts. Killed with the daemon, the piano's host would lose the recording
 * in progress, which the orderly shutdown saves when its player leaves.
 * A recording with three notes is running; sig goes to the group.
 */
static void
stop_by_group(int sig)
{
	struct td *td = ti_start("piano", NULL, NULL);
	struct tw_user *a = tw_join(td, "pgrp"), *b = tw_join(td, "pgrp");
	char *id = piano_for(a, b), left[80];
	int st;

	snprintf(left, sizeof left, "%s", a->id);
	recording(a, id, "toggle_record");
	status_then(a, id, "record_started", "recording", 1, "Recording started.");
	/* b hears each note once the piano has it: the recording holds them. */
	note(a, id, "KeyA", "60", 1);
	drop_note(b, left, "KeyA", 60, 1);
	note(a, id, "KeyA", "60", 0);
	drop_note(b, left, "KeyA", 60, 0);
	note(a, id, "KeyS", "62", 1);
	drop_note(b, left, "KeyS", 62, 1);
	ck_assert_int_eq(sql_int(0, "SELECT count(*) FROM songs WHERE item_id = '%s'", id), 0);

	ck_assert_int_eq(td_signal_group(td, sig), 0);
	st = td_wait(td, td_ms(10000));
	ck_assert_msg(st == 0, "chatgridd exited with %d after signal %d to its group", st, sig);
	ck_assert_msg(!td_log_contains(td, "died of signal"), "a plugin host died with the daemon: %s",
	    log_line(td, "died of signal"));
	ck_assert_msg(!td_log_contains(td, "while shutting down"), "a plugin host failed at shutdown: %s",
	    log_line(td, "while shutting down"));
	ck_assert_int_eq(sql_int(3, "SELECT events FROM songs WHERE id = 'item:%s:recording'", id), 3);
	free(id);
	tw_close(a);
	tw_close(b);
	td_free(td);
}

START_TEST(piano_saved_at_group_sigterm)
{
	stop_by_group(SIGTERM);
}
END_TEST

START_TEST(piano_saved_at_group_sigint)
{
	stop_by_group(SIGINT);
}
END_TEST

/* SIGHUP to the group (a terminal closing): the daemon reloads, the hosts go on. */
START_TEST(piano_survives_group_sighup)
{
	struct td *td = ti_start("piano", NULL, NULL);
	struct tw_user *a = tw_join(td, "phup"), *b = tw_join(td, "phup");
	char *id = piano_for(a, b), left[80];

	snprintf(left, sizeof left, "%s", a->id);
	recording(a, id, "toggle_record");
	status_then(a, id, "record_started", "recording", 1, "Recording started.");
	note(a, id, "KeyA", "60", 1);
	drop_note(b, left, "KeyA", 60, 1);
	ck_assert_int_eq(td_signal_group(td, SIGHUP), 0);
	ck_assert_msg(td_wait_log(td, "reloaded configuration", td_ms(5000)), "chatgridd did not reload at SIGHUP");
	/* The same host still has the recording and takes notes. */
	note(a, id, "KeyA", "60", 0);
	drop_note(b, left, "KeyA", 60, 0);
	ck_assert_msg(!td_log_contains(td, "died of signal"), "a plugin host died of SIGHUP: %s",
	    log_line(td, "died of signal"));
	ck_assert_int_eq(td_stop(td), 0);
	ck_assert_int_eq(sql_int(2, "SELECT events FROM songs WHERE id = 'item:%s:recording'", id), 2);
	free(id);
	tw_close(a);
	tw_close(b);
	td_free(td);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("items_piano");
	TCase *tc = tcase_create("piano");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, piano_parameters);
	tcase_add_test(tc, piano_use);
	tcase_add_test(tc, piano_live_notes);
	tcase_add_test(tc, piano_record_and_play);
	tcase_add_test(tc, piano_delete_while_playing);
	tcase_add_test(tc, piano_players_leave);
	tcase_add_test(tc, piano_song_storage_limit);
	suite_add_tcase(s, tc);
	tc = tcase_create("stop");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, piano_saved_at_group_sigterm);
	tcase_add_test(tc, piano_saved_at_group_sigint);
	tcase_add_test(tc, piano_survives_group_sighup);
	suite_add_tcase(s, tc);
	/* The one long case: a recording's 30 s limit. */
	tc = tcase_create("limit");
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, piano_recording_limit);
	suite_add_tcase(s, tc);
	return ag_main(s);
}

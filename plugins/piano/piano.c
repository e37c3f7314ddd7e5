/*
 * piano.c: the piano item type (reference §6.3, §6.4, §6.9). Using it
 * enters the clients' piano mode; the rest is type actions the core maps
 * the reference's messages onto:
 *
 *   note            a key pressed or released (item_piano_note): relayed to
 *                   the others in range, added to the player's recording
 *   toggle_record   start, pause or resume a recording (30 s, 4096 notes)
 *   stop_record     finish it: the song is saved (song_save) and
 *                   params.songId names it
 *   playback        play params.songId to everyone, at its recorded times
 *   stop_playback
 *
 * What the plugin keeps, all bounded: the keys each player holds (at most
 * 12, keys.c), and per piano that is recording or playing its one
 * recording (record.c) and its one playback (play.c). Songs are cached in
 * song.c. Times come from the monotonic clock, as the host's timers do.
 *
 * This file: the type's descriptor, its methods and the action dispatch;
 * the pianos that are busy; and the events a piano sends.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <chatgrid/plugin.h>

#include "piano.h"

CG_PLUGIN_DECLARE("piano", "1");

#define MAX_PIANOS 1024			/* recording or playing at once */

const struct cg_host *piano_host;

struct piano *pianos;
static int npianos;

/* The actor's player id (its username from a host older than ABI 1.1). */
static const char *
actor_of(const struct cg_request *req)
{
	if (req->size >= offsetof(struct cg_request, actor_id) + sizeof req->actor_id && req->actor_id != NULL)
		return req->actor_id;
	return req->actor != NULL ? req->actor->username : "";
}

/* item_piano_status to the actor (player NULL) or to player. */
void
piano_status(struct cg_reply *r, const char *player, const char *event, const char *state)
{
	struct cg_pair f[2];
	struct cg_value m;

	f[0] = pair("event", cg_str(event));
	f[1] = pair("recordingState", cg_str(state));
	m = cg_map(f, 2);
	if (player == NULL)
		piano_host->event(r, "item_piano_status", CG_TO_ACTOR, &m);
	else if (HAS(event_to))
		piano_host->event_to(r, player, "item_piano_status", &m);
}

/* An item_action_result nobody asked for (the core adds itemId). */
void
piano_result_to(struct cg_reply *r, const char *player, int ok, const char *message)
{
	struct cg_pair f[3];
	struct cg_value m;

	if (!HAS(event_to))
		return;
	f[0] = pair("ok", cg_bool(ok));
	f[1] = pair("action", cg_str("use"));
	f[2] = pair("message", cg_str(message));
	m = cg_map(f, 3);
	piano_host->event_to(r, player, "item_action_result", &m);
}

/* item_piano_note; the core adds itemId, x, y and range. */
void
piano_note_event(struct cg_reply *r, int to, const char *sender, const char *key, int midi, int on,
    const struct voice *v, int octave)
{
	struct cg_pair f[12];
	struct cg_value m;

	f[0] = pair("senderId", cg_str(sender));
	f[1] = pair("keyId", cg_str(key));
	f[2] = pair("midi", cg_int(midi));
	f[3] = pair("on", cg_bool(on));
	f[4] = pair("instrument", cg_str(v->instrument));
	f[5] = pair("voiceMode", cg_str(v->mono ? "mono" : "poly"));
	f[6] = pair("octave", cg_int(octave));
	f[7] = pair("attack", cg_int(v->attack));
	f[8] = pair("decay", cg_int(v->decay));
	f[9] = pair("release", cg_int(v->release));
	f[10] = pair("brightness", cg_int(v->brightness));
	f[11] = pair("emitRange", cg_int(v->emit_range));
	m = cg_map(f, 12);
	piano_host->event(r, "item_piano_note", to, &m);
}

/* ---- pianos ---- */

struct piano *
piano_find(const char *id)
{
	struct piano *p;

	for (p = pianos; p != NULL; p = p->next)
		if (strcmp(p->id, id) == 0)
			return p;
	return NULL;
}

/* The piano of req's item, made if need be; NULL when too many are busy. */
struct piano *
piano_get(const struct cg_request *req)
{
	struct piano *p = piano_find(req->item->id);
	struct voice v;

	if (p != NULL)
		return p;
	if (npianos >= MAX_PIANOS || (p = calloc(1, sizeof *p)) == NULL)
		return NULL;
	if ((p->id = strdup(req->item->id)) == NULL) {
		free(p);
		return NULL;
	}
	params_voice(req->item->params, &v);
	p->octave = v.octave;
	p->next = pianos;
	pianos = p;
	npianos++;
	return p;
}

void
rec_free(struct recording *rec)
{
	if (rec == NULL)
		return;
	if (rec->watch > 0)
		piano_host->timer_cancel(rec->watch);
	song_unref(rec->song);
	free(rec->owner);
	free(rec);
}

void
play_free(struct playback *pb)
{
	if (pb == NULL)
		return;
	if (pb->timer > 0)
		piano_host->timer_cancel(pb->timer);
	song_unref(pb->song);
	free(pb->sender);
	free(pb->keys);
	free(pb);
}

void
piano_unwait(struct piano *p)
{
	free(p->waiting);
	free(p->asker);
	p->waiting = p->asker = NULL;
}

/* Forget p once it does nothing more (no timer points at it then). */
void
piano_settle(struct piano *p)
{
	struct piano **pp;

	if (p == NULL || p->rec != NULL || p->play != NULL || p->waiting != NULL)
		return;
	for (pp = &pianos; *pp != p; pp = &(*pp)->next)
		;
	*pp = p->next;
	npianos--;
	free(p->id);
	free(p);
}

/* Keep the octave playback uses up to date from any request about the item. */
static void
piano_touch(const struct cg_request *req)
{
	struct piano *p = piano_find(req->item->id);
	struct voice v;

	if (p != NULL) {
		params_voice(req->item->params, &v);
		p->octave = v.octave;
	}
}

/* ---- methods ---- */

static void
piano_validate(const struct cg_request *req, struct cg_reply *r)
{
	struct piano *p;
	int octave;

	if (params_validate(req, r, &octave) == 0 && (p = piano_find(req->item->id)) != NULL)
		p->octave = octave;
}

static void
piano_use(const struct cg_request *req, struct cg_reply *r)
{
	const char *me = actor_of(req), *state = "idle";
	struct piano *p = piano_find(req->item->id);
	char song[256];

	piano_touch(req);
	/* The reference always says idle; the truth keeps a client that re-enters in step. */
	if (p != NULL && p->rec != NULL && strcmp(p->rec->owner, me) == 0)
		state = p->rec->paused ? "paused" : "recording";
	piano_host->say(r, "You begin playing %s.", req->item->title);
	piano_host->say_others(r, "%s begins playing %s.", req->actor != NULL ? req->actor->nickname : "Someone",
	    req->item->title);
	piano_status(r, NULL, "use_mode_entered", state);
	/* Playback can then answer from the cache. */
	if (params_song_id(req->item->params, song, sizeof song)[0] != '\0')
		songs_fetch(song);
}

static void
piano_action(const struct cg_request *req, struct cg_reply *r)
{
	const char *me = actor_of(req);

	piano_touch(req);
	if (strcmp(req->action, "note") == 0)
		act_note(req, r, me);
	else if (strcmp(req->action, "toggle_record") == 0)
		act_toggle_record(req, r, me);
	else if (strcmp(req->action, "stop_record") == 0)
		act_stop_record(req, r, me);
	else if (strcmp(req->action, "playback") == 0)
		act_playback(req, r, me);
	else if (strcmp(req->action, "stop_playback") == 0)
		act_stop_playback(req, r);
	else
		piano_host->fail(r, "Unknown action.");
}

/* The item was deleted: stop without a sound, drop the recording unsaved. */
static void
piano_removed(const struct cg_request *req, struct cg_reply *r)
{
	struct piano *p = piano_find(req->item->id);
	char id[256];

	(void)r;
	if (p != NULL) {
		play_free(p->play);
		p->play = NULL;
		rec_free(p->rec);
		p->rec = NULL;
		piano_unwait(p);
		piano_settle(p);
	}
	snprintf(id, sizeof id, "item:%s:recording", req->item->id);
	songs_forget(id);
	unhold_piano(req->item->id);
}

/*
 * A player left: the others hear the keys they held released (the
 * reference left them sounding, Q28), and a recording of theirs is saved.
 */
static void
piano_player_left(const struct cg_request *req, struct cg_reply *unused)
{
	const char *me = actor_of(req);
	struct player *pl;
	struct piano *p, *next;
	struct cg_reply *r;
	char piano[256];
	int j, last;

	(void)unused;
	/* One reply per piano, with all of the keys held on it. */
	while ((pl = player_find(me)) != NULL) {
		snprintf(piano, sizeof piano, "%s", pl->keys[0].piano);
		r = piano_host->begin(piano);
		for (j = 0; j < pl->n; j++)
			if (strcmp(pl->keys[j].piano, piano) == 0)
				piano_note_event(r, CG_TO_ALL, me, pl->keys[j].key, pl->keys[j].midi, 0,
				    &pl->keys[j].voice, pl->keys[j].voice.octave);
		piano_host->send(r);
		for (j = pl->n - 1; j >= 0; j--)
			if (strcmp(pl->keys[j].piano, piano) == 0) {
				last = pl->n == 1;
				unhold(pl, j);	/* frees pl with its last key */
				if (last)
					break;
			}
	}
	for (p = pianos; p != NULL; p = next) {
		next = p->next;
		if (p->rec != NULL && strcmp(p->rec->owner, me) == 0) {
			rec_finalise(p, NULL);
			piano_settle(p);
		}
	}
}

/* ---- the type ---- */

static const char *const capabilities[] = { "editable", "carryable", "deletable", "usable", NULL };
static const char *const editable[] = {
	"title", "instrument", "voiceMode", "octave", "attack", "decay", "release", "brightness", "emitRange",
	NULL
};
static const char *const voice_modes[] = { "poly", "mono", NULL };
static const char *const actions[] = { "note", "toggle_record", "stop_record", "playback", "stop_playback", NULL };

#define NUM(k, l, t, lo, hi) { .key = (k), .value_type = CG_PROP_NUMBER, .label = (l), .tooltip = (t), \
	.has_range = 1, .min = (lo), .max = (hi), .step = 1 }

static const struct cg_property properties[] = {
	{ .key = "title", .value_type = CG_PROP_TEXT, .max_length = 80, .label = "Title",
	  .tooltip = "The name people hear for this piano." },
	{ .key = "instrument", .value_type = CG_PROP_LIST, .label = "Instrument",
	  .tooltip = "The sound of the keys; choosing one resets the envelope, voice mode and octave to its own.",
	  .options = params_instruments },
	{ .key = "voiceMode", .value_type = CG_PROP_LIST, .label = "Voice mode",
	  .tooltip = "poly plays chords; mono plays one note at a time.", .options = voice_modes },
	NUM("octave", "Octave", "Shifts the keyboard by whole octaves.", -2, 2),
	NUM("attack", "Attack", "How slowly a note swells in.", 0, 100),
	NUM("decay", "Decay", "How slowly a held note fades to its sustain.", 0, 100),
	NUM("release", "Release", "How long a note rings after its key is let go.", 0, 100),
	NUM("brightness", "Brightness", "How bright (less filtered) the tone is.", 0, 100),
	NUM("emitRange", "Emit range", "How many squares away the piano can be heard.", 5, 20),
};

static const struct cg_item_methods methods = {
	.version = CG_METHODS_VERSION,
	.validate = piano_validate,
	.use = piano_use,
	.action = piano_action,
	.removed = piano_removed,
	.player_left = piano_player_left,
};

static const struct cg_item_type piano_type = {
	.type = "piano",
	.order = 30,
	.encoding_version = 1,
	.label = "piano",
	.tooltip = "An instrument to play with the keyboard; records up to 30 seconds and plays it back.",
	.capabilities = capabilities,
	.editable = editable,
	.properties = properties,
	.nproperties = sizeof properties / sizeof properties[0],
	.use_cooldown_ms = 1000,
	.emit_range = 15,
	.default_title = "piano",
	.default_params = "{\"instrument\":\"piano\",\"voiceMode\":\"poly\",\"octave\":0,\"attack\":15,"
	    "\"decay\":45,\"release\":35,\"brightness\":55,\"emitRange\":15,\"songId\":\"" PIANO_DEFAULT_SONG "\"}",
	.actions = actions,
	.methods = &methods,
};

int
cg_plugin_init(const struct cg_host *h)
{
	piano_host = h;
	return piano_host->register_type(&piano_type);
}

void
cg_plugin_cleanup(void)
{
	struct piano *p;

	while ((p = pianos) != NULL) {
		play_free(p->play);
		p->play = NULL;
		rec_free(p->rec);
		p->rec = NULL;
		piano_unwait(p);
		piano_settle(p);
	}
	while (players != NULL)
		player_free(players);
	songs_cleanup();
}

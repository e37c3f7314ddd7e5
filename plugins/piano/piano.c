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
 * What this file keeps, all bounded: the keys each player holds (at most
 * 12), and per piano that is recording or playing its one recording and
 * its one playback. Songs are cached in song.c. Times come from the
 * monotonic clock, as the host's timers do.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <chatgrid/plugin.h>

#include "../common/coerce.h"
#include "piano.h"

CG_PLUGIN_DECLARE("piano", "1");

#define MAX_PIANOS 1024			/* recording or playing at once */
#define MAX_PLAYERS 4096		/* holding keys at once */
#define WATCH_MS 250			/* the auto-stop watcher's period */
#define PLAY_BATCH 256			/* notes in one unsolicited reply */

const struct cg_host *piano_host;
static const struct cg_host *host;

/* Does the host have the ABI 1.1 function f? */
#define HAS(f) (host->size >= offsetof(struct cg_host, f) + sizeof host->f && host->f != NULL)

struct recording {
	char *owner;			/* player id */
	uint64_t resumed;		/* monotonic ms of the last start or resume */
	uint32_t before;		/* ms recorded before that */
	int paused;
	int watch;			/* the watcher's timer, 0 if none */
	struct song *song;		/* one reference */
};

/* What a playback has sounding, per key of its song. */
struct sounding {
	uint8_t on, midi;
	uint32_t state;
};

struct playback {
	struct song *song;		/* one reference */
	char *sender;			/* "item:<id>:playback" */
	uint64_t start;			/* monotonic ms; notes are due at start + t */
	uint32_t next;			/* the next event */
	int timer;			/* 0 if none */
	struct sounding *keys;		/* song->nkeys */
};

/* A piano that is recording, playing, or waiting for its song to load. */
struct piano {
	char *id;
	int octave;			/* the item's, for playback */
	struct recording *rec;
	struct playback *play;
	char *waiting;			/* a playback waits for this song */
	char *asker;			/* and who asked, told if there is none */
	struct piano *next;
};
static struct piano *pianos;
static int npianos;

/* A key held down, to be released for the others if its player leaves. */
struct held {
	char *piano;
	char key[PIANO_KEY_BYTES];
	int midi;
	struct voice voice;
};

struct player {
	char *id;
	int n;
	struct held keys[PIANO_MAX_HELD];
	struct player *next;
};
static struct player *players;
static int nplayers;

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The actor's player id (its username from a host older than ABI 1.1). */
static const char *
actor_of(const struct cg_request *req)
{
	if (req->size >= offsetof(struct cg_request, actor_id) + sizeof req->actor_id && req->actor_id != NULL)
		return req->actor_id;
	return req->actor != NULL ? req->actor->username : "";
}

static struct cg_pair
pair(const char *key, struct cg_value v)
{
	struct cg_pair p;

	memset(&p, 0, sizeof p);
	p.key = key;
	p.key_len = (uint32_t)strlen(key);
	p.value = v;
	return p;
}

/* item_piano_status to the actor (player NULL) or to player. */
static void
status(struct cg_reply *r, const char *player, const char *event, const char *state)
{
	struct cg_pair f[2];
	struct cg_value m;

	f[0] = pair("event", cg_str(event));
	f[1] = pair("recordingState", cg_str(state));
	m = cg_map(f, 2);
	if (player == NULL)
		host->event(r, "item_piano_status", CG_TO_ACTOR, &m);
	else if (HAS(event_to))
		host->event_to(r, player, "item_piano_status", &m);
}

/* An item_action_result nobody asked for (the core adds itemId). */
static void
result_to(struct cg_reply *r, const char *player, int ok, const char *message)
{
	struct cg_pair f[3];
	struct cg_value m;

	if (!HAS(event_to))
		return;
	f[0] = pair("ok", cg_bool(ok));
	f[1] = pair("action", cg_str("use"));
	f[2] = pair("message", cg_str(message));
	m = cg_map(f, 3);
	host->event_to(r, player, "item_action_result", &m);
}

/* item_piano_note; the core adds itemId, x, y and range. */
static void
note_event(struct cg_reply *r, int to, const char *sender, const char *key, int midi, int on,
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
	host->event(r, "item_piano_note", to, &m);
}

/* ---- pianos ---- */

static struct piano *
piano_find(const char *id)
{
	struct piano *p;

	for (p = pianos; p != NULL; p = p->next)
		if (strcmp(p->id, id) == 0)
			return p;
	return NULL;
}

/* The piano of req's item, made if need be; NULL when too many are busy. */
static struct piano *
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

static void
rec_free(struct recording *rec)
{
	if (rec == NULL)
		return;
	if (rec->watch > 0)
		host->timer_cancel(rec->watch);
	song_unref(rec->song);
	free(rec->owner);
	free(rec);
}

static void
play_free(struct playback *pb)
{
	if (pb == NULL)
		return;
	if (pb->timer > 0)
		host->timer_cancel(pb->timer);
	song_unref(pb->song);
	free(pb->sender);
	free(pb->keys);
	free(pb);
}

static void
unwait(struct piano *p)
{
	free(p->waiting);
	free(p->asker);
	p->waiting = p->asker = NULL;
}

/* Forget p once it does nothing more (no timer points at it then). */
static void
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

/* ---- held keys ---- */

static struct player *
player_find(const char *id)
{
	struct player *pl;

	for (pl = players; pl != NULL; pl = pl->next)
		if (strcmp(pl->id, id) == 0)
			return pl;
	return NULL;
}

static void
player_free(struct player *pl)
{
	struct player **pp;
	int i;

	for (pp = &players; *pp != pl; pp = &(*pp)->next)
		;
	*pp = pl->next;
	nplayers--;
	for (i = 0; i < pl->n; i++)
		free(pl->keys[i].piano);
	free(pl->id);
	free(pl);
}

static void
unhold(struct player *pl, int i)
{
	free(pl->keys[i].piano);
	pl->keys[i] = pl->keys[--pl->n];
	if (pl->n == 0)
		player_free(pl);
}

/*
 * Note a key going down or up. -1 refuses a 13th key; a player who cannot
 * be tracked (memory, too many players) still plays, unreleased if they leave.
 */
static int
hold(const char *me, const char *piano, const char *key, int midi, int on, const struct voice *v)
{
	struct player *pl = player_find(me);
	struct held *h;
	int i;

	for (i = 0; pl != NULL && i < pl->n; i++)
		if (strcmp(pl->keys[i].piano, piano) == 0 && strcmp(pl->keys[i].key, key) == 0)
			break;
	if (!on) {
		if (pl != NULL && i < pl->n)
			unhold(pl, i);
		return 0;
	}
	if (pl != NULL && i < pl->n)
		return 0;		/* held already: not a new key */
	if (pl != NULL && pl->n >= PIANO_MAX_HELD)
		return -1;
	if (pl == NULL) {
		if (nplayers >= MAX_PLAYERS || (pl = calloc(1, sizeof *pl)) == NULL)
			return 0;
		if ((pl->id = strdup(me)) == NULL) {
			free(pl);
			return 0;
		}
		pl->next = players;
		players = pl;
		nplayers++;
	}
	h = &pl->keys[pl->n];
	if ((h->piano = strdup(piano)) == NULL) {
		if (pl->n == 0)
			player_free(pl);
		return 0;
	}
	snprintf(h->key, sizeof h->key, "%s", key);
	h->midi = midi;
	h->voice = *v;
	pl->n++;
	return 0;
}

/* Forget, without a sound, every key held on piano (it was deleted). */
static void
unhold_piano(const char *piano)
{
	struct player *pl, *next;
	int i, last;

	for (pl = players; pl != NULL; pl = next) {
		next = pl->next;
		for (i = pl->n - 1; i >= 0; i--)
			if (strcmp(pl->keys[i].piano, piano) == 0) {
				last = pl->n == 1;
				unhold(pl, i);	/* frees pl with its last key */
				if (last)
					break;
			}
	}
}

/* ---- recordings ---- */

static uint32_t
rec_elapsed(const struct recording *rec, uint64_t now)
{
	uint64_t t = rec->before;

	if (!rec->paused)
		t += now - rec->resumed;
	return t > PIANO_REC_MAX_MS ? PIANO_REC_MAX_MS : (uint32_t)t;
}

/*
 * Finish p's recording (reference §6.9 steps 1-5): save the song under
 * item:<id>:recording, point params.songId at it (a new version, broadcast),
 * and, with notify, tell that player it stopped as a stop_record would.
 * The parameters go in an unsolicited reply, which the core applies
 * without the validator that keeps users from setting songId.
 */
static void
finalise(struct piano *p, const char *notify)
{
	struct recording *rec = p->rec;
	struct cg_reply *r;
	struct cg_value v;
	char id[256];
	void *mem;

	p->rec = NULL;
	if (rec->watch > 0)
		host->timer_cancel(rec->watch);
	rec->watch = 0;
	rec->song->length_ms = rec_elapsed(rec, mono_ms());
	snprintf(id, sizeof id, "item:%s:recording", p->id);
	r = host->begin(p->id);
	if (!HAS(song_save))
		host->log(CG_LOG_WARN, "piano %s: the server keeps no songs; the recording is kept in memory only",
		    p->id);
	else if (song_pack(rec->song, &v, &mem) != 0)
		host->log(CG_LOG_ERROR, "piano %s: out of memory saving a recording", p->id);
	else {
		host->song_save(r, id, v);
		free(mem);
	}
	host->set_param(r, "songId", cg_str(id));
	if (notify != NULL) {
		status(r, notify, "record_stopped", "idle");
		result_to(r, notify, 1, "Recording stopped.");
	}
	host->send(r);
	songs_store(id, rec->song);
	rec_free(rec);
}

static void watch(void *);

static int
watch_arm(struct piano *p)
{
	uint32_t left = PIANO_REC_MAX_MS - rec_elapsed(p->rec, mono_ms());

	p->rec->watch = host->timer_add(left < WATCH_MS ? left : WATCH_MS, watch, p);
	if (p->rec->watch < 0) {
		p->rec->watch = 0;
		host->log(CG_LOG_WARN, "piano %s: no timer for the recording's time limit", p->id);
		return -1;
	}
	return 0;
}

/* The auto-stop watcher: a recording ends by itself at 30 s. */
static void
watch(void *arg)
{
	struct piano *p = arg;
	char *owner;

	p->rec->watch = 0;
	if (rec_elapsed(p->rec, mono_ms()) < PIANO_REC_MAX_MS) {
		watch_arm(p);
		return;
	}
	owner = p->rec->owner;
	p->rec->owner = NULL;
	finalise(p, owner);
	free(owner);
	piano_settle(p);
}

/* Add a note to me's own running recording of item, if there is one. */
static void
record(const char *item, const char *me, const char *key, int midi, int on, const struct voice *v)
{
	struct piano *p = piano_find(item);
	struct recording *rec = p != NULL ? p->rec : NULL;
	uint32_t t;

	if (rec == NULL || rec->paused || strcmp(rec->owner, me) != 0)
		return;
	t = rec_elapsed(rec, mono_ms());
	if (rec->song->nevents < PIANO_REC_MAX_EVENTS && song_append(rec->song, t, key, midi, on, v) != 0)
		host->log(CG_LOG_WARN, "piano %s: a note was not recorded (out of memory)", item);
	if (t >= PIANO_REC_MAX_MS) {
		finalise(p, me);
		piano_settle(p);
	}
}

/* ---- playback ---- */

/* Release what the playback still has sounding (into r, or a reply of their own). */
static void
play_release(struct piano *p, struct cg_reply *r)
{
	struct playback *pb = p->play;
	struct cg_reply *own = NULL;
	uint32_t k;

	for (k = 0; k < pb->song->nkeys; k++) {
		if (!pb->keys[k].on)
			continue;
		if (r == NULL)
			r = own = host->begin(p->id);
		note_event(r, CG_TO_ALL, pb->sender, pb->song->keys[k], pb->keys[k].midi, 0,
		    &pb->song->states[pb->keys[k].state], p->octave);
		pb->keys[k].on = 0;
	}
	if (own != NULL)
		host->send(own);
}

/* Stop p's playback, if any, releasing its keys into r (NULL: a reply of their own). */
static void
play_stop(struct piano *p, struct cg_reply *r)
{
	if (p->play == NULL)
		return;
	play_release(p, r);
	play_free(p->play);
	p->play = NULL;
}

static void play_due(void *);

/* Arm the timer for the next note; if there is none, stop (releasing into r). */
static void
play_schedule(struct piano *p, struct cg_reply *r)
{
	struct playback *pb = p->play;
	uint64_t due = pb->start + pb->song->events[pb->next].t, now = mono_ms();

	/* Due times count from the start, so late timers do not push the rest back. */
	pb->timer = host->timer_add(due > now ? (uint32_t)(due - now) : 0, play_due, p);
	if (pb->timer < 0) {
		pb->timer = 0;
		host->log(CG_LOG_WARN, "piano %s: no timer for playback; stopped", p->id);
		play_stop(p, r);
	}
}

/* The notes now due, to everyone; at the end, the release of what still sounds. */
static void
play_due(void *arg)
{
	struct piano *p = arg;
	struct playback *pb = p->play;
	const struct song_event *e;
	struct cg_reply *r = NULL;
	uint64_t at;
	int n = 0;

	pb->timer = 0;
	at = mono_ms() - pb->start;
	while (pb->next < pb->song->nevents && pb->song->events[pb->next].t <= at && n++ < PLAY_BATCH) {
		e = &pb->song->events[pb->next++];
		if (r == NULL)
			r = host->begin(p->id);
		note_event(r, CG_TO_ALL, pb->sender, pb->song->keys[e->key], e->midi, e->on,
		    &pb->song->states[e->state], p->octave);
		pb->keys[e->key].on = e->on;
		pb->keys[e->key].midi = e->midi;
		pb->keys[e->key].state = e->state;
	}
	if (pb->next < pb->song->nevents)
		play_schedule(p, r);
	else
		play_stop(p, r);	/* the natural end: no status (as the reference) */
	if (r != NULL)
		host->send(r);
	piano_settle(p);
}

/* Start playing song on p (which plays nothing now); 0 or -1. */
static int
play_start(struct piano *p, struct song *song)
{
	struct playback *pb = calloc(1, sizeof *pb);
	size_t n = strlen(p->id) + sizeof "item::playback";

	if (pb == NULL || (pb->sender = malloc(n)) == NULL ||
	    (pb->keys = calloc(song->nkeys + 1, sizeof *pb->keys)) == NULL) {
		if (pb != NULL)
			free(pb->sender);
		free(pb);
		return -1;
	}
	snprintf(pb->sender, n, "item:%s:playback", p->id);
	song->refs++;
	pb->song = song;
	pb->start = mono_ms();
	p->play = pb;
	if (song->nevents == 0) {
		play_stop(p, NULL);
		return 0;
	}
	play_schedule(p, NULL);
	return 0;
}

void
piano_song_ready(const char *id, struct song *song)
{
	struct piano *p, *next;
	struct cg_reply *r;

	for (p = pianos; p != NULL; p = next) {
		next = p->next;
		if (p->waiting == NULL || strcmp(p->waiting, id) != 0)
			continue;
		if (song == NULL || play_start(p, song) != 0) {
			/* "Playback started." was premature: take it back. */
			r = host->begin(p->id);
			status(r, p->asker, "playback_stopped", "idle");
			result_to(r, p->asker, 0, song == NULL ? "No recording saved on this piano." :
			    "Playback is not available right now.");
			host->send(r);
		}
		unwait(p);
		piano_settle(p);
	}
}

/* ---- the actions ---- */

static void
act_note(const struct cg_request *req, struct cg_reply *r, const char *me)
{
	const struct cg_value *kv = cg_map_get(req->args, "keyId");
	const struct cg_value *mv = cg_map_get(req->args, "midi"), *ov = cg_map_get(req->args, "on");
	char key[PIANO_KEY_BYTES];
	struct voice v;
	double m;
	int midi, on;

	if (kv == NULL || kv->type != CG_STR || kv->len == 0) {
		host->fail(r, "A note needs a key.");
		return;
	}
	if (mv == NULL || co_float(mv, &m) != 0 || isnan(m)) {
		host->fail(r, "A note needs a MIDI note number.");
		return;
	}
	if (ov == NULL || co_bool(ov, &on) != 0) {
		host->fail(r, "A note must be on or off.");
		return;
	}
	midi = m <= 0 ? 0 : m >= 127 ? 127 : (int)co_round_int(m);
	params_key(kv->u.s, key);
	params_voice(req->item->params, &v);
	if (hold(me, req->item->id, key, midi, on, &v) != 0) {
		host->fail(r, "You can hold at most %d keys.", PIANO_MAX_HELD);
		return;
	}
	note_event(r, CG_TO_OTHERS, me, key, midi, on, &v, v.octave);
	record(req->item->id, me, key, midi, on, &v);
}

static void
act_toggle_record(const struct cg_request *req, struct cg_reply *r, const char *me)
{
	struct piano *p = piano_find(req->item->id);
	struct recording *rec;
	uint64_t now = mono_ms();

	if (p != NULL && (rec = p->rec) != NULL) {
		if (strcmp(rec->owner, me) != 0)
			host->fail(r, "This piano is already recording.");
		else if (rec_elapsed(rec, now) >= PIANO_REC_MAX_MS) {
			/* Its time ran out before the watcher saw it. */
			finalise(p, NULL);
			status(r, NULL, "record_stopped", "idle");
			host->say(r, "Recording stopped.");
		} else if (rec->paused) {
			rec->paused = 0;
			rec->resumed = now;
			watch_arm(p);
			status(r, NULL, "record_resumed", "recording");
			host->say(r, "Recording resumed.");
		} else {
			rec->before = rec_elapsed(rec, now);
			rec->paused = 1;
			if (rec->watch > 0)
				host->timer_cancel(rec->watch);
			rec->watch = 0;
			status(r, NULL, "record_paused", "paused");
			host->say(r, "Recording paused.");
		}
		piano_settle(p);
		return;
	}
	if ((p = piano_get(req)) == NULL || (rec = calloc(1, sizeof *rec)) == NULL) {
		host->fail(r, "This piano cannot record right now.");
		piano_settle(p);
		return;
	}
	if ((rec->owner = strdup(me)) == NULL || (rec->song = song_new()) == NULL) {
		rec_free(rec);
		host->fail(r, "This piano cannot record right now.");
		piano_settle(p);
		return;
	}
	play_stop(p, r);
	unwait(p);
	rec->resumed = now;
	p->rec = rec;
	watch_arm(p);
	status(r, NULL, "record_started", "recording");
	host->say(r, "Recording started.");
}

static void
act_stop_record(const struct cg_request *req, struct cg_reply *r, const char *me)
{
	struct piano *p = piano_find(req->item->id);

	if (p != NULL && p->rec != NULL) {
		if (strcmp(p->rec->owner, me) != 0) {
			host->fail(r, "This piano is already recording.");
			return;
		}
		finalise(p, NULL);
		piano_settle(p);
	}
	status(r, NULL, "record_stopped", "idle");
	host->say(r, "Recording stopped.");
}

/*
 * A song cached as present plays at once and one known to be absent is
 * refused. One the cache has not seen yet (uses prefetch it, so rarely) is
 * loaded and played when it arrives; if it turns out absent the asker is
 * told with a playback_stopped status and a failed result.
 */
static void
act_playback(const struct cg_request *req, struct cg_reply *r, const char *me)
{
	struct piano *p = piano_find(req->item->id);
	struct song *song;
	char id[256];
	int st, ok;

	if (p != NULL && p->rec != NULL) {
		host->fail(r, "Stop recording before playback.");
		return;
	}
	if (params_song_id(req->item->params, id, sizeof id)[0] == '\0' ||
	    (st = songs_lookup(id, &song)) == SONG_ABSENT) {
		host->fail(r, "No recording saved on this piano.");
		return;
	}
	if ((p = piano_get(req)) == NULL) {
		host->fail(r, "Playback is not available right now.");
		return;
	}
	play_stop(p, r);
	unwait(p);
	if (st == SONG_PRESENT)
		ok = play_start(p, song) == 0;
	else
		ok = (st == SONG_LOADING || songs_fetch(id) == 0) && (p->waiting = strdup(id)) != NULL &&
		    (p->asker = strdup(me)) != NULL;
	if (!ok) {
		unwait(p);
		host->fail(r, "Playback is not available right now.");
		piano_settle(p);
		return;
	}
	status(r, NULL, "playback_started", "playback");
	host->say(r, "Playback started.");
	piano_settle(p);
}

static void
act_stop_playback(const struct cg_request *req, struct cg_reply *r)
{
	struct piano *p = piano_find(req->item->id);

	if (p != NULL) {
		play_stop(p, r);
		unwait(p);
		piano_settle(p);
	}
	status(r, NULL, "playback_stopped", "idle");
	host->say(r, "Playback stopped.");
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
	host->say(r, "You begin playing %s.", req->item->title);
	host->say_others(r, "%s begins playing %s.", req->actor != NULL ? req->actor->nickname : "Someone",
	    req->item->title);
	status(r, NULL, "use_mode_entered", state);
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
		host->fail(r, "Unknown action.");
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
		unwait(p);
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
		r = host->begin(piano);
		for (j = 0; j < pl->n; j++)
			if (strcmp(pl->keys[j].piano, piano) == 0)
				note_event(r, CG_TO_ALL, me, pl->keys[j].key, pl->keys[j].midi, 0, &pl->keys[j].voice,
				    pl->keys[j].voice.octave);
		host->send(r);
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
			finalise(p, NULL);
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
	host = piano_host = h;
	return host->register_type(&piano_type);
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
		unwait(p);
		piano_settle(p);
	}
	while (players != NULL)
		player_free(players);
	songs_cleanup();
}

/*
 * play.c: playback. A song plays to everyone at its recorded times (due
 * times count from the start, so late timers do not push the rest back),
 * in batches; stopping releases what still sounds. A song not cached yet
 * is loaded first and played when it arrives (piano_song_ready).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <chatgrid/plugin.h>

#include "clock.h"
#include "piano.h"

#define PLAY_BATCH 256			/* notes in one unsolicited reply */

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
			r = own = piano_host->begin(p->id);
		piano_note_event(r, CG_TO_ALL, pb->sender, pb->song->keys[k], pb->keys[k].midi, 0,
		    &pb->song->states[pb->keys[k].state], p->octave);
		pb->keys[k].on = 0;
	}
	if (own != NULL)
		piano_host->send(own);
}

/* Stop p's playback, if any, releasing its keys into r (NULL: a reply of their own). */
void
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
	uint64_t due = pb->start + pb->song->events[pb->next].t, now = clock_mono_ms();

	/* Due times count from the start, so late timers do not push the rest back. */
	pb->timer = piano_host->timer_add(due > now ? (uint32_t)(due - now) : 0, play_due, p);
	if (pb->timer < 0) {
		pb->timer = 0;
		piano_host->log(CG_LOG_WARN, "piano %s: no timer for playback; stopped", p->id);
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
	at = clock_mono_ms() - pb->start;
	while (pb->next < pb->song->nevents && pb->song->events[pb->next].t <= at && n++ < PLAY_BATCH) {
		e = &pb->song->events[pb->next++];
		if (r == NULL)
			r = piano_host->begin(p->id);
		piano_note_event(r, CG_TO_ALL, pb->sender, pb->song->keys[e->key], e->midi, e->on,
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
		piano_host->send(r);
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
	pb->start = clock_mono_ms();
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
			r = piano_host->begin(p->id);
			piano_status(r, p->asker, "playback_stopped", "idle");
			piano_result_to(r, p->asker, 0, song == NULL ? "No recording saved on this piano." :
			    "Playback is not available right now.");
			piano_host->send(r);
		}
		piano_unwait(p);
		piano_settle(p);
	}
}

/*
 * A song cached as present plays at once and one known to be absent is
 * refused. One the cache has not seen yet (uses prefetch it, so rarely) is
 * loaded and played when it arrives; if it turns out absent the asker is
 * told with a playback_stopped status and a failed result.
 */
void
act_playback(const struct cg_request *req, struct cg_reply *r, const char *me)
{
	struct piano *p = piano_find(req->item->id);
	struct song *song;
	char id[256];
	int st, ok;

	if (p != NULL && p->rec != NULL) {
		piano_host->fail(r, "Stop recording before playback.");
		return;
	}
	if (params_song_id(req->item->params, id, sizeof id)[0] == '\0' ||
	    (st = songs_lookup(id, &song)) == SONG_ABSENT) {
		piano_host->fail(r, "No recording saved on this piano.");
		return;
	}
	if ((p = piano_get(req)) == NULL) {
		piano_host->fail(r, "Playback is not available right now.");
		return;
	}
	play_stop(p, r);
	piano_unwait(p);
	if (st == SONG_PRESENT)
		ok = play_start(p, song) == 0;
	else
		ok = (st == SONG_LOADING || songs_fetch(id) == 0) && (p->waiting = strdup(id)) != NULL &&
		    (p->asker = strdup(me)) != NULL;
	if (!ok) {
		piano_unwait(p);
		piano_host->fail(r, "Playback is not available right now.");
		piano_settle(p);
		return;
	}
	piano_status(r, NULL, "playback_started", "playback");
	piano_host->say(r, "Playback started.");
	piano_settle(p);
}

void
act_stop_playback(const struct cg_request *req, struct cg_reply *r)
{
	struct piano *p = piano_find(req->item->id);

	if (p != NULL) {
		play_stop(p, r);
		piano_unwait(p);
		piano_settle(p);
	}
	piano_status(r, NULL, "playback_stopped", "idle");
	piano_host->say(r, "Playback stopped.");
}

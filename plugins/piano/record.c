/*
 * record.c: recordings (reference §6.9). One per piano, owned by the
 * player who started it: notes are added at their times, pausing and
 * resuming keep the count, and at 30 s a watcher stops it. Finishing saves
 * the song through the core and points params.songId at it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <chatgrid/plugin.h>

#include "clock.h"
#include "piano.h"

#define WATCH_MS 250			/* the auto-stop watcher's period */

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
void
rec_finalise(struct piano *p, const char *notify)
{
	struct recording *rec = p->rec;
	struct cg_reply *r;
	struct cg_value v;
	char id[256];
	void *mem;

	p->rec = NULL;
	if (rec->watch > 0)
		piano_host->timer_cancel(rec->watch);
	rec->watch = 0;
	rec->song->length_ms = rec_elapsed(rec, clock_mono_ms());
	snprintf(id, sizeof id, "item:%s:recording", p->id);
	r = piano_host->begin(p->id);
	if (!HAS(song_save))
		piano_host->log(CG_LOG_WARN,
		    "piano %s: the server keeps no songs; the recording is kept in memory only", p->id);
	else if (song_pack(rec->song, &v, &mem) != 0)
		piano_host->log(CG_LOG_ERROR, "piano %s: out of memory saving a recording", p->id);
	else {
		piano_host->song_save(r, id, v);
		free(mem);
	}
	piano_host->set_param(r, "songId", cg_str(id));
	if (notify != NULL) {
		piano_status(r, notify, "record_stopped", "idle");
		piano_result_to(r, notify, 1, "Recording stopped.");
	}
	piano_host->send(r);
	songs_store(id, rec->song);
	rec_free(rec);
}

static void watch(void *);

static int
watch_arm(struct piano *p)
{
	uint32_t left = PIANO_REC_MAX_MS - rec_elapsed(p->rec, clock_mono_ms());

	p->rec->watch = piano_host->timer_add(left < WATCH_MS ? left : WATCH_MS, watch, p);
	if (p->rec->watch < 0) {
		p->rec->watch = 0;
		piano_host->log(CG_LOG_WARN, "piano %s: no timer for the recording's time limit", p->id);
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
	if (rec_elapsed(p->rec, clock_mono_ms()) < PIANO_REC_MAX_MS) {
		watch_arm(p);
		return;
	}
	owner = p->rec->owner;
	p->rec->owner = NULL;
	rec_finalise(p, owner);
	free(owner);
	piano_settle(p);
}

/* Add a note to me's own running recording of item, if there is one. */
void
rec_note(const char *item, const char *me, const char *key, int midi, int on, const struct voice *v)
{
	struct piano *p = piano_find(item);
	struct recording *rec = p != NULL ? p->rec : NULL;
	uint32_t t;

	if (rec == NULL || rec->paused || strcmp(rec->owner, me) != 0)
		return;
	t = rec_elapsed(rec, clock_mono_ms());
	if (rec->song->nevents < PIANO_REC_MAX_EVENTS && song_append(rec->song, t, key, midi, on, v) != 0)
		piano_host->log(CG_LOG_WARN, "piano %s: a note was not recorded (out of memory)", item);
	if (t >= PIANO_REC_MAX_MS) {
		rec_finalise(p, me);
		piano_settle(p);
	}
}

void
act_toggle_record(const struct cg_request *req, struct cg_reply *r, const char *me)
{
	struct piano *p = piano_find(req->item->id);
	struct recording *rec;
	uint64_t now = clock_mono_ms();

	if (p != NULL && (rec = p->rec) != NULL) {
		if (strcmp(rec->owner, me) != 0)
			piano_host->fail(r, "This piano is already recording.");
		else if (rec_elapsed(rec, now) >= PIANO_REC_MAX_MS) {
			/* Its time ran out before the watcher saw it. */
			rec_finalise(p, NULL);
			piano_status(r, NULL, "record_stopped", "idle");
			piano_host->say(r, "Recording stopped.");
		} else if (rec->paused) {
			rec->paused = 0;
			rec->resumed = now;
			watch_arm(p);
			piano_status(r, NULL, "record_resumed", "recording");
			piano_host->say(r, "Recording resumed.");
		} else {
			rec->before = rec_elapsed(rec, now);
			rec->paused = 1;
			if (rec->watch > 0)
				piano_host->timer_cancel(rec->watch);
			rec->watch = 0;
			piano_status(r, NULL, "record_paused", "paused");
			piano_host->say(r, "Recording paused.");
		}
		piano_settle(p);
		return;
	}
	if ((p = piano_get(req)) == NULL || (rec = calloc(1, sizeof *rec)) == NULL) {
		piano_host->fail(r, "This piano cannot record right now.");
		piano_settle(p);
		return;
	}
	if ((rec->owner = strdup(me)) == NULL || (rec->song = song_new()) == NULL) {
		rec_free(rec);
		piano_host->fail(r, "This piano cannot record right now.");
		piano_settle(p);
		return;
	}
	play_stop(p, r);
	piano_unwait(p);
	rec->resumed = now;
	p->rec = rec;
	watch_arm(p);
	piano_status(r, NULL, "record_started", "recording");
	piano_host->say(r, "Recording started.");
}

void
act_stop_record(const struct cg_request *req, struct cg_reply *r, const char *me)
{
	struct piano *p = piano_find(req->item->id);

	if (p != NULL && p->rec != NULL) {
		if (strcmp(p->rec->owner, me) != 0) {
			piano_host->fail(r, "This piano is already recording.");
			return;
		}
		rec_finalise(p, NULL);
		piano_settle(p);
	}
	piano_status(r, NULL, "record_stopped", "idle");
	piano_host->say(r, "Recording stopped.");
}

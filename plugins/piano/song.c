/*
 * song.c: the piano's songs (reference §6.9). A recording builds one in
 * memory; finalising packs it into the compact stored form the core keeps
 * in PostgreSQL:
 *
 *   {"meta": {instrument, voiceMode, attack, decay, release, brightness,
 *             emitRange, recordingLengthMs},
 *    "keys": [keyId, ...],
 *    "states": [[instrument, voiceMode, attack, decay, release, brightness,
 *                emitRange], ...],
 *    "events": [[t, keyIndex, midi, on (1/0), stateIndex], ...]}
 *
 * Playback parses that form leniently, as the reference does. Parsed songs
 * are cached by id (a bounded cache, least recently used out) so a
 * playback can usually be answered at once.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/coerce.h"
#include "piano.h"

/* What a stored song may hold before the rest is ignored (ours hold 4096 notes). */
#define PARSE_MAX (PIANO_REC_MAX_EVENTS * 4)
#define SONGS_MAX 64

struct song *
song_new(void)
{
	struct song *s = calloc(1, sizeof *s);

	if (s != NULL)
		s->refs = 1;
	return s;
}

void
song_unref(struct song *s)
{
	uint32_t i;

	if (s == NULL || --s->refs > 0)
		return;
	for (i = 0; i < s->nkeys; i++)
		free(s->keys[i]);
	free(s->keys);
	free(s->states);
	free(s->events);
	free(s);
}

/* Room for one more of n in *a (elements of size sz); 0 or -1. */
static int
grow(void **a, uint32_t n, uint32_t *cap, size_t sz)
{
	uint32_t nc;
	void *p;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 16;
	if ((p = realloc(*a, (size_t)nc * sz)) == NULL)
		return -1;
	*a = p;
	*cap = nc;
	return 0;
}

static int
add_key(struct song *s, const char *key)
{
	char *k;

	if (grow((void **)&s->keys, s->nkeys, &s->capkeys, sizeof *s->keys) != 0 || (k = strdup(key)) == NULL)
		return -1;
	s->keys[s->nkeys] = k;
	return (int)s->nkeys++;
}

static int
add_state(struct song *s, const struct voice *v)
{
	if (grow((void **)&s->states, s->nstates, &s->capstates, sizeof *s->states) != 0)
		return -1;
	s->states[s->nstates] = *v;
	s->states[s->nstates].octave = 0;	/* octave is not recorded */
	return (int)s->nstates++;
}

static int
add_event(struct song *s, uint32_t t, uint32_t key, uint32_t state, int midi, int on)
{
	struct song_event *e;

	if (grow((void **)&s->events, s->nevents, &s->capevents, sizeof *s->events) != 0)
		return -1;
	e = &s->events[s->nevents++];
	e->t = t;
	e->key = key;
	e->state = state;
	e->midi = (uint8_t)(midi < 0 ? 0 : midi > 127 ? 127 : midi);
	e->on = on != 0;
	return 0;
}

int
song_append(struct song *s, uint32_t t, const char *key, int midi, int on, const struct voice *v)
{
	char k[PIANO_KEY_BYTES];
	uint32_t i, j;

	/* Notes of blank keys are not kept (step 2). */
	if (params_blank(params_key(key, k)))
		return 0;
	if (s->nevents >= PIANO_REC_MAX_EVENTS)
		return -1;
	/* First-seen order: a song has few keys and states, so a scan will do. */
	for (i = 0; i < s->nkeys && strcmp(s->keys[i], k) != 0; i++)
		;
	if (i == s->nkeys && add_key(s, k) < 0)
		return -1;
	for (j = 0; j < s->nstates && !params_same_state(&s->states[j], v); j++)
		;
	if (j == s->nstates && add_state(s, v) < 0)
		return -1;
	if (t > PIANO_REC_MAX_MS)
		t = PIANO_REC_MAX_MS;
	return add_event(s, t, i, j, midi, on);
}

/* ---- the stored form ---- */

struct packed {
	struct cg_pair top[4];
	struct cg_pair meta[8];
	struct cg_value v[];
};

/* The seven fields of a state, into row[0..7). */
static void
state_row(const struct voice *v, struct cg_value *row)
{
	row[0] = cg_str(v->instrument);
	row[1] = cg_str(v->mono ? "mono" : "poly");
	row[2] = cg_int(v->attack);
	row[3] = cg_int(v->decay);
	row[4] = cg_int(v->release);
	row[5] = cg_int(v->brightness);
	row[6] = cg_int(v->emit_range);
}

int
song_pack(const struct song *s, struct cg_value *out, void **mem)
{
	static const struct voice defaults = { "piano", 0, 0, 15, 45, 35, 55, 15 };
	const struct voice *first = s->nstates > 0 ? &s->states[0] : &defaults;
	struct cg_value *keys, *states, *events, *cells, m[7];
	struct packed *p;
	size_t nv;
	uint32_t i;

	nv = (size_t)s->nkeys + (size_t)s->nstates * 8 + (size_t)s->nevents * 6;
	if ((p = calloc(1, sizeof *p + nv * sizeof p->v[0])) == NULL)
		return -1;
	keys = p->v;
	states = keys + s->nkeys;
	events = states + s->nstates;
	cells = events + s->nevents;
	for (i = 0; i < s->nkeys; i++)
		keys[i] = cg_str(s->keys[i]);
	for (i = 0; i < s->nstates; i++, cells += 7) {
		state_row(&s->states[i], cells);
		states[i] = cg_array(cells, 7);
	}
	for (i = 0; i < s->nevents; i++, cells += 5) {
		cells[0] = cg_int(s->events[i].t);
		cells[1] = cg_int(s->events[i].key);
		cells[2] = cg_int(s->events[i].midi);
		cells[3] = cg_int(s->events[i].on);
		cells[4] = cg_int(s->events[i].state);
		events[i] = cg_array(cells, 5);
	}
	state_row(first, m);
	p->meta[0] = pair("instrument", m[0]);
	p->meta[1] = pair("voiceMode", m[1]);
	p->meta[2] = pair("attack", m[2]);
	p->meta[3] = pair("decay", m[3]);
	p->meta[4] = pair("release", m[4]);
	p->meta[5] = pair("brightness", m[5]);
	p->meta[6] = pair("emitRange", m[6]);
	p->meta[7] = pair("recordingLengthMs", cg_int(s->length_ms));
	p->top[0] = pair("meta", cg_map(p->meta, 8));
	p->top[1] = pair("keys", cg_array(keys, s->nkeys));
	p->top[2] = pair("states", cg_array(states, s->nstates));
	p->top[3] = pair("events", cg_array(events, s->nevents));
	*out = cg_map(p->top, 4);
	*mem = p;
	return 0;
}

/* A number (not a boolean) as a double; -1 otherwise. */
static int
number(const struct cg_value *v, double *out)
{
	if (v->type == CG_INT)
		*out = (double)v->u.i;
	else if (v->type == CG_FLOAT && isfinite(v->u.f))
		*out = v->u.f;
	else
		return -1;
	return 0;
}

static int
truthy(const struct cg_value *v)
{
	double d;

	if (v->type == CG_BOOL)
		return v->u.i != 0;
	return number(v, &d) == 0 && d != 0;
}

/* Keys, cut as live keys are; what is not text reads as Python's str() of it. */
static int
parse_keys(struct song *s, const struct cg_value *keys)
{
	char raw[1024], k[PIANO_KEY_BYTES];
	uint32_t i;

	for (i = 0; keys != NULL && i < keys->len && i < PARSE_MAX; i++) {
		if (co_str(&keys->u.items[i], raw, sizeof raw) == NULL)
			raw[0] = '\0';
		if (add_key(s, params_key(raw, k)) < 0)
			return -1;
	}
	return 0;
}

/* States into s; map[i] is the index of stored state i, or -1 if it is not one. */
static int
parse_states(struct song *s, const struct cg_value *states, int *map)
{
	struct voice v;
	uint32_t i;

	for (i = 0; states != NULL && i < states->len && i < PARSE_MAX; i++) {
		map[i] = -1;
		if (params_state_voice(&states->u.items[i], &v) == 0 && (map[i] = add_state(s, &v)) < 0)
			return -1;
	}
	return 0;
}

/* One event row; 0 when added or skipped, -1 when out of memory. */
static int
parse_event(struct song *s, const struct cg_value *row, const int *map, uint32_t nmap, int meta)
{
	const struct cg_value *c;
	double t, key, midi, st;
	int state = meta;

	if (row->type != CG_ARRAY || row->len < 4)
		return 0;
	c = row->u.items;
	if (number(&c[0], &t) != 0 || number(&c[1], &key) != 0 || number(&c[2], &midi) != 0 ||
	    key < 0 || key >= s->nkeys)
		return 0;
	if (row->len >= 5 && number(&c[4], &st) == 0 && st >= 0 && st < nmap && map[(uint32_t)st] >= 0)
		state = map[(uint32_t)st];
	if (state < 0)
		return 0;
	t = t < 0 ? 0 : t > PIANO_REC_MAX_MS ? PIANO_REC_MAX_MS : t;
	midi = midi < 0 ? 0 : midi > 127 ? 127 : midi;
	return add_event(s, (uint32_t)t, (uint32_t)key, (uint32_t)state, (int)co_round_int(midi), truthy(&c[3]));
}

static int
by_time(const void *a, const void *b)
{
	const struct song_event *x = a, *y = b;

	return x->t < y->t ? -1 : x->t > y->t;
}

/* Stable (equal times keep their stored order): a bottom-up merge sort. */
static void
sort_events(struct song *s)
{
	struct song_event *tmp, *ev = s->events;
	uint32_t n = s->nevents, w, lo, mid, hi, a, b, k;

	for (k = 1; k < n && ev[k - 1].t <= ev[k].t; k++)
		;
	if (k >= n)
		return;		/* ours are always in order */
	if ((tmp = malloc((size_t)n * sizeof *tmp)) == NULL) {
		qsort(ev, n, sizeof *ev, by_time);
		return;
	}
	for (w = 1; w < n; w *= 2) {
		for (lo = 0; lo < n; lo += 2 * w) {
			mid = lo + w < n ? lo + w : n;
			hi = lo + 2 * w < n ? lo + 2 * w : n;
			for (a = lo, b = mid, k = lo; k < hi; k++)
				tmp[k] = b >= hi || (a < mid && ev[a].t <= ev[b].t) ? ev[a++] : ev[b++];
		}
		memcpy(ev, tmp, (size_t)n * sizeof *tmp);
	}
	free(tmp);
}

struct song *
song_parse(const struct cg_value *v)
{
	const struct cg_value *meta = cg_map_get(v, "meta"), *keys = cg_map_get(v, "keys");
	const struct cg_value *states = cg_map_get(v, "states"), *events = cg_map_get(v, "events");
	const struct cg_value *len;
	struct song *s = song_new();
	struct voice mv;
	uint32_t i, nmap = 0;
	int *map = NULL, metaidx = -1;
	double d;

	if (keys != NULL && keys->type != CG_ARRAY)
		keys = NULL;
	if (states != NULL && states->type != CG_ARRAY)
		states = NULL;
	if (events != NULL && events->type != CG_ARRAY)
		events = NULL;
	if (s == NULL || parse_keys(s, keys) != 0)
		goto fail;
	if (states != NULL && (nmap = states->len < PARSE_MAX ? states->len : PARSE_MAX) > 0) {
		if ((map = calloc(nmap, sizeof *map)) == NULL || parse_states(s, states, map) != 0)
			goto fail;
	}
	if (meta != NULL && meta->type == CG_MAP) {
		params_voice(meta, &mv);
		if ((metaidx = add_state(s, &mv)) < 0)
			goto fail;
	}
	for (i = 0; events != NULL && i < events->len && s->nevents < PARSE_MAX; i++)
		if (parse_event(s, &events->u.items[i], map, nmap, metaidx) != 0)
			goto fail;
	sort_events(s);
	s->length_ms = s->nevents > 0 ? s->events[s->nevents - 1].t : 0;
	if (meta != NULL && (len = cg_map_get(meta, "recordingLengthMs")) != NULL && number(len, &d) == 0)
		s->length_ms = d < 0 ? 0 : d > PIANO_REC_MAX_MS ? PIANO_REC_MAX_MS : (uint32_t)d;
	free(map);
	return s;
fail:
	free(map);
	song_unref(s);
	return NULL;
}

/* ---- the cache ---- */

static struct entry {
	char *id;			/* NULL: a free slot */
	int state;			/* SONG_LOADING (first load), SONG_ABSENT, SONG_PRESENT */
	int loading;			/* a load is in flight */
	uint64_t used;
	struct song *song;		/* one reference, with SONG_PRESENT */
} cache[SONGS_MAX];
static uint64_t uses;

static struct entry *
find(const char *id)
{
	int i;

	for (i = 0; i < SONGS_MAX; i++)
		if (cache[i].id != NULL && strcmp(cache[i].id, id) == 0) {
			cache[i].used = ++uses;
			return &cache[i];
		}
	return NULL;
}

static void
drop(struct entry *e)
{
	free(e->id);
	song_unref(e->song);
	memset(e, 0, sizeof *e);
}

/* A slot for id: a free one, or the least recently used that no load waits on. */
static struct entry *
slot(const char *id)
{
	struct entry *e = NULL;
	char *copy;
	int i;

	for (i = 0; i < SONGS_MAX; i++) {
		if (cache[i].id == NULL) {
			e = &cache[i];
			break;
		}
		if (!cache[i].loading && (e == NULL || cache[i].used < e->used))
			e = &cache[i];
	}
	if (e == NULL || (copy = strdup(id)) == NULL)
		return NULL;
	drop(e);
	e->id = copy;
	e->used = ++uses;
	return e;
}

int
songs_lookup(const char *id, struct song **out)
{
	struct entry *e = find(id);

	*out = NULL;
	if (e == NULL)
		return SONG_UNKNOWN;
	if (e->state == SONG_PRESENT)
		*out = e->song;
	return e->state;
}

static void
loaded(void *arg, const struct cg_value *v)
{
	char *id = arg;
	struct song *s = v != NULL ? song_parse(v) : NULL;
	struct entry *e = find(id);

	if (v != NULL && s == NULL)
		piano_host->log(CG_LOG_ERROR, "song %s could not be read (out of memory)", id);
	if (e != NULL) {
		e->loading = 0;
		/* A recording saved meanwhile is newer than what was read. */
		if (e->state != SONG_PRESENT) {
			e->state = s != NULL ? SONG_PRESENT : SONG_ABSENT;
			e->song = s;
			s = NULL;
		}
		piano_song_ready(id, e->state == SONG_PRESENT ? e->song : NULL);
	} else
		piano_song_ready(id, s);
	song_unref(s);
	free(id);
}

int
songs_fetch(const char *id)
{
	struct entry *e = find(id);
	int fresh = 0;
	char *arg;

	if (e != NULL && (e->loading || e->state == SONG_PRESENT))
		return 0;
	if (piano_host->size < offsetof(struct cg_host, song_load) + sizeof piano_host->song_load ||
	    piano_host->song_load == NULL)
		return -1;
	if (e == NULL) {
		if ((e = slot(id)) == NULL)
			return -1;
		e->state = SONG_LOADING;
		fresh = 1;
	}
	if ((arg = strdup(id)) == NULL || piano_host->song_load(id, loaded, arg) != 0) {
		free(arg);
		if (fresh)
			drop(e);
		return -1;
	}
	e->loading = 1;
	return 0;
}

void
songs_store(const char *id, struct song *s)
{
	struct entry *e = find(id);

	if (e == NULL && (e = slot(id)) == NULL)
		return;
	song_unref(e->song);
	s->refs++;
	e->song = s;
	e->state = SONG_PRESENT;
}

void
songs_forget(const char *id)
{
	struct entry *e = find(id);

	/* A load in flight finds no entry and is only passed on. */
	if (e != NULL)
		drop(e);
}

void
songs_cleanup(void)
{
	int i;

	for (i = 0; i < SONGS_MAX; i++)
		if (cache[i].id != NULL)
			drop(&cache[i]);
}

/*
 * keys.c: the keys each player holds down (at most PIANO_MAX_HELD), so
 * that the others hear them released when the player leaves, and the note
 * action that presses and releases them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <chatgrid/plugin.h>

#include "../common/coerce.h"
#include "piano.h"

#define MAX_PLAYERS 4096		/* holding keys at once */

struct player *players;
static int nplayers;

/* ---- held keys ---- */

struct player *
player_find(const char *id)
{
	struct player *pl;

	for (pl = players; pl != NULL; pl = pl->next)
		if (strcmp(pl->id, id) == 0)
			return pl;
	return NULL;
}

void
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

void
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
void
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

/* ---- the actions ---- */

void
act_note(const struct cg_request *req, struct cg_reply *r, const char *me)
{
	const struct cg_value *kv = cg_map_get(req->args, "keyId");
	const struct cg_value *mv = cg_map_get(req->args, "midi"), *ov = cg_map_get(req->args, "on");
	char key[PIANO_KEY_BYTES];
	struct voice v;
	double m;
	int midi, on;

	if (kv == NULL || kv->type != CG_STR || kv->len == 0) {
		piano_host->fail(r, "A note needs a key.");
		return;
	}
	if (mv == NULL || co_float(mv, &m) != 0 || isnan(m)) {
		piano_host->fail(r, "A note needs a MIDI note number.");
		return;
	}
	if (ov == NULL || co_bool(ov, &on) != 0) {
		piano_host->fail(r, "A note must be on or off.");
		return;
	}
	midi = m <= 0 ? 0 : m >= 127 ? 127 : (int)co_round_int(m);
	params_key(kv->u.s, key);
	params_voice(req->item->params, &v);
	if (hold(me, req->item->id, key, midi, on, &v) != 0) {
		piano_host->fail(r, "You can hold at most %d keys.", PIANO_MAX_HELD);
		return;
	}
	piano_note_event(r, CG_TO_OTHERS, me, key, midi, on, &v, v.octave);
	rec_note(req->item->id, me, key, midi, on, &v);
}

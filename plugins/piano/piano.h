/*
 * piano.h: shared by the files of the piano plugin (reference §6.4, §6.9):
 *
 *   piano.c   the type (its descriptor and methods), the pianos that are
 *             busy, and what a piano says (status, results, notes)
 *   keys.c    held keys, released for the others when a player leaves
 *   record.c  recordings: the recorder, its 30 s watcher, saving the song
 *   play.c    playback of a song at its recorded times
 *   params.c  parameters: validation, instrument defaults, how a note sounds
 *   song.c    songs: built while recording, packed for the core, parsed
 *             from what it stored, and a small cache of them
 */
#ifndef CG_PIANO_H
#define CG_PIANO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <chatgrid/plugin.h>

#define PIANO_MAX_HELD 12		/* keys one player holds at once */
#define PIANO_REC_MAX_MS 30000		/* a recording's length */
#define PIANO_REC_MAX_EVENTS 4096	/* and its notes */
#define PIANO_KEY_CHARS 32		/* key ids are cut to this many characters */
#define PIANO_KEY_BYTES (PIANO_KEY_CHARS * 4 + 1)
#define PIANO_INSTRUMENT_BYTES 33
#define PIANO_DEFAULT_SONG "unterlandersheimweh"

extern const struct cg_host *piano_host;

/* Does the host have the ABI 1.1 function f? */
#define HAS(f) (piano_host->size >= offsetof(struct cg_host, f) + sizeof piano_host->f && piano_host->f != NULL)

/* A map entry (for cg_map); the key is borrowed. */
static inline struct cg_pair
pair(const char *key, struct cg_value v)
{
	struct cg_pair p;

	memset(&p, 0, sizeof p);
	p.key = key;
	p.key_len = (uint32_t)strlen(key);
	p.value = v;
	return p;
}

/* How a note sounds: what item_piano_note carries besides key, midi and on. */
struct voice {
	char instrument[PIANO_INSTRUMENT_BYTES];
	int mono;			/* voiceMode "mono", else "poly" */
	int octave;			/* -2..2; not part of a recorded state */
	int attack, decay, release, brightness;	/* 0..100 */
	int emit_range;			/* 5..20 */
};

/* ---- params.c ---- */

/* The instrument ids, for the editor's list (NULL-terminated). */
extern const char *const params_instruments[];
/* The "validate_update" method; 0 with the octave it stored, or -1 after failing the reply. */
int params_validate(const struct cg_request *, struct cg_reply *, int *octave);
/* The voice of a parameter map (an item's params, or a song's meta), clamped to defaults. */
void params_voice(const struct cg_value *map, struct voice *);
/*
 * The voice of a recorded state [instrument, voiceMode, attack, decay,
 * release, brightness, emitRange]; -1 unless it is an array of at least 7.
 */
int params_state_voice(const struct cg_value *state, struct voice *);
/* Do two voices sound the same, octave aside? */
int params_same_state(const struct voice *, const struct voice *);
/* The key id s cut to PIANO_KEY_CHARS characters into out; returns out. */
char *params_key(const char *s, char out[PIANO_KEY_BYTES]);
/* Is the key id blank (only white space)? */
int params_blank(const char *s);
/* A song id from params.songId, trimmed, or "" (into out of outlen bytes). */
char *params_song_id(const struct cg_value *params, char *out, size_t outlen);

/* ---- song.c ---- */

struct song_event {
	uint32_t t;			/* ms from the start, 0..PIANO_REC_MAX_MS */
	uint32_t key;			/* index into keys */
	uint32_t state;			/* index into states */
	uint8_t midi;			/* 0..127 */
	uint8_t on;
};

/* Timed notes, shared by reference between the cache, playbacks and a recording. */
struct song {
	int refs;
	uint32_t length_ms;
	char **keys;			/* owned, each cut to PIANO_KEY_CHARS */
	uint32_t nkeys, capkeys;
	struct voice *states;
	uint32_t nstates, capstates;
	struct song_event *events;	/* in time order */
	uint32_t nevents, capevents;
};

/* A new empty song with one reference; NULL when out of memory. */
struct song *song_new(void);
void song_unref(struct song *);
/*
 * Append a note (the recorder's times only grow). 0, or -1 when out of
 * memory or full.
 */
int song_append(struct song *, uint32_t t, const char *key, int midi, int on, const struct voice *);
/*
 * The stored form {meta, keys, states, events} (reference §6.9, step 2).
 * The value points into *mem (free it with free()) and into the song.
 * Returns -1 when out of memory.
 */
int song_pack(const struct song *, struct cg_value *out, void **mem);
/* A song from its stored form, skipping what does not read; NULL if nothing is playable. */
struct song *song_parse(const struct cg_value *);

/* The cache of songs by id. */
enum { SONG_UNKNOWN, SONG_LOADING, SONG_ABSENT, SONG_PRESENT };
/* What the cache knows of id; with SONG_PRESENT, *out is the song (borrowed). */
int songs_lookup(const char *id, struct song **out);
/* Ask the core for id unless it is present or being loaded. 0, or -1 if it cannot be asked. */
int songs_fetch(const char *id);
/* The song just saved under id (takes a reference; it wins over loads in flight). */
void songs_store(const char *id, struct song *);
/* Forget id (the item holding it was deleted). */
void songs_forget(const char *id);
void songs_cleanup(void);

/* ---- the pianos' state (piano.c, keys.c, record.c, play.c) ---- */

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
extern struct piano *pianos;		/* piano.c */

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
extern struct player *players;		/* keys.c */

/* ---- piano.c ---- */

/* item_piano_status to the actor (player NULL) or to player. */
void piano_status(struct cg_reply *r, const char *player, const char *event, const char *state);
/* An item_action_result nobody asked for (the core adds itemId). */
void piano_result_to(struct cg_reply *r, const char *player, int ok, const char *message);
/* item_piano_note; the core adds itemId, x, y and range. */
void piano_note_event(struct cg_reply *r, int to, const char *sender, const char *key, int midi, int on,
    const struct voice *v, int octave);
struct piano *piano_find(const char *id);
/* The piano of req's item, made if need be; NULL when too many are busy. */
struct piano *piano_get(const struct cg_request *req);
void rec_free(struct recording *);
void play_free(struct playback *);
/* Forget the song a playback waits for, and its asker. */
void piano_unwait(struct piano *);
/* Forget p once it does nothing more (no timer points at it then). */
void piano_settle(struct piano *);

/* ---- keys.c ---- */

struct player *player_find(const char *id);
void player_free(struct player *);
/* Let go of pl's i-th key (frees pl with its last key). */
void unhold(struct player *, int i);
/* Forget, without a sound, every key held on piano (it was deleted). */
void unhold_piano(const char *piano);
/* The note action: relayed to the others, held, recorded. */
void act_note(const struct cg_request *, struct cg_reply *, const char *me);

/* ---- record.c ---- */

/* Finish p's recording: save the song, point params.songId at it; with notify, tell that player. */
void rec_finalise(struct piano *p, const char *notify);
/* Add a note to me's own running recording of item, if there is one. */
void rec_note(const char *item, const char *me, const char *key, int midi, int on, const struct voice *v);
void act_toggle_record(const struct cg_request *, struct cg_reply *, const char *me);
void act_stop_record(const struct cg_request *, struct cg_reply *, const char *me);

/* ---- play.c ---- */

/* Stop p's playback, if any, releasing its keys into r (NULL: a reply of their own). */
void play_stop(struct piano *p, struct cg_reply *r);
void act_playback(const struct cg_request *, struct cg_reply *, const char *me);
void act_stop_playback(const struct cg_request *, struct cg_reply *);
/* A load of id answered (song NULL: there is none); the song is borrowed. */
void piano_song_ready(const char *id, struct song *);

#endif

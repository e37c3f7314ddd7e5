/*
 * piano.h: shared by the files of the piano plugin (reference §6.4, §6.9):
 *
 *   piano.c   the type, its methods, held keys, recordings and playback
 *   params.c  parameters: validation, instrument defaults, how a note sounds
 *   song.c    songs: built while recording, packed for the core, parsed
 *             from what it stored, and a small cache of them
 */
#ifndef CG_PIANO_H
#define CG_PIANO_H

#include <stdint.h>

#include <chatgrid/plugin.h>

#define PIANO_MAX_HELD 12		/* keys one player holds at once */
#define PIANO_REC_MAX_MS 30000		/* a recording's length */
#define PIANO_REC_MAX_EVENTS 4096	/* and its notes */
#define PIANO_KEY_CHARS 32		/* key ids are cut to this many characters */
#define PIANO_KEY_BYTES (PIANO_KEY_CHARS * 4 + 1)
#define PIANO_INSTRUMENT_BYTES 33
#define PIANO_DEFAULT_SONG "unterlandersheimweh"

extern const struct cg_host *piano_host;

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

/* piano.c: a load of id answered (song NULL: there is none); the song is borrowed. */
void piano_song_ready(const char *id, struct song *);

#endif

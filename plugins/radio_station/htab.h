/*
 * htab.h: an intrusive hash table keyed by bytes, for the radio plugin's
 * radios (by item id), stations (by URL) and accounts (by id). An entry is
 * a struct hent embedded in the caller's object; its key points into that
 * object. Lookups, inserts and removals are O(1) on average; the table
 * doubles as it fills. Not thread-safe (the host's thread only).
 */
#ifndef RADIO_HTAB_H
#define RADIO_HTAB_H

#include <stddef.h>
#include <stdint.h>

struct hent {
	struct hent *next;
	uint64_t hash;
	const void *key;
	size_t klen;
};

struct htab {
	struct hent **b;
	size_t nb;		/* buckets: 0 or a power of two */
	size_t n;		/* entries */
};

/* The entry with key, or NULL. */
struct hent *htab_get(const struct htab *, const void *key, size_t klen);
/* Add e under key (not already present; key must live as long as e). Returns 0, or -1 out of memory. */
int htab_put(struct htab *, struct hent *e, const void *key, size_t klen);
/* Remove e (in the table). */
void htab_del(struct htab *, struct hent *e);
/* A walk's place: start from { 0 }. */
struct hiter {
	size_t i;
	struct hent *next;
};
/*
 * The walk's next entry, or NULL at the end. The entry returned may be
 * removed before the next call; nothing may be added during a walk.
 */
struct hent *htab_next(const struct htab *, struct hiter *);
/* Free the buckets (the entries are the caller's). */
void htab_clear(struct htab *);

#endif

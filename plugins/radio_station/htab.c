/* htab.c: chained buckets, FNV-1a hashes, doubling at a load of one. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "htab.h"

static uint64_t
hash_bytes(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

struct hent *
htab_get(const struct htab *t, const void *key, size_t klen)
{
	uint64_t h;
	struct hent *e;

	if (t->nb == 0)
		return NULL;
	h = hash_bytes(key, klen);
	for (e = t->b[h & (t->nb - 1)]; e != NULL; e = e->next)
		if (e->hash == h && e->klen == klen && memcmp(e->key, key, klen) == 0)
			return e;
	return NULL;
}

/* Double the buckets (or make the first 64). */
static int
grow(struct htab *t)
{
	size_t nb = t->nb == 0 ? 64 : t->nb * 2, i;
	struct hent **b = calloc(nb, sizeof *b), *e, *next;

	if (b == NULL)
		return -1;
	for (i = 0; i < t->nb; i++)
		for (e = t->b[i]; e != NULL; e = next) {
			next = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	free(t->b);
	t->b = b;
	t->nb = nb;
	return 0;
}

int
htab_put(struct htab *t, struct hent *e, const void *key, size_t klen)
{
	struct hent **slot;

	if (t->n >= t->nb && grow(t) != 0 && t->nb == 0)
		return -1;
	e->hash = hash_bytes(key, klen);
	e->key = key;
	e->klen = klen;
	slot = &t->b[e->hash & (t->nb - 1)];
	e->next = *slot;
	*slot = e;
	t->n++;
	return 0;
}

void
htab_del(struct htab *t, struct hent *e)
{
	struct hent **pp;

	if (t->nb == 0)
		return;
	for (pp = &t->b[e->hash & (t->nb - 1)]; *pp != NULL; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			t->n--;
			return;
		}
}

struct hent *
htab_next(const struct htab *t, struct hiter *it)
{
	struct hent *e = it->next;

	while (e == NULL) {
		if (it->i >= t->nb)
			return NULL;
		e = t->b[it->i++];
	}
	/* Taken now, so the caller may remove e. */
	it->next = e->next;
	return e;
}

void
htab_clear(struct htab *t)
{
	free(t->b);
	t->b = NULL;
	t->nb = t->n = 0;
}

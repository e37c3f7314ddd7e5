/* strmap.c: separate chaining with FNV-1a, doubling past a load of 1. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "xmalloc.h"

struct entry {
	struct entry *next;
	uint32_t hash;
	void *value;
	char key[];
};

struct strmap {
	struct entry **buckets;
	size_t nbuckets;
	size_t count;
};

static uint32_t
hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return h;
}

struct strmap *
strmap_new(void)
{
	struct strmap *m = xcalloc(1, sizeof *m);

	m->nbuckets = 16;
	m->buckets = xcalloc(m->nbuckets, sizeof *m->buckets);
	return m;
}

void
strmap_free(struct strmap *m)
{
	struct entry *e, *n;
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nbuckets; i++)
		for (e = m->buckets[i]; e != NULL; e = n) {
			n = e->next;
			free(e);
		}
	free(m->buckets);
	free(m);
}

static struct entry **
find(const struct strmap *m, const char *key, uint32_t h)
{
	struct entry **p = &m->buckets[h & (m->nbuckets - 1)];

	for (; *p != NULL; p = &(*p)->next)
		if ((*p)->hash == h && strcmp((*p)->key, key) == 0)
			return p;
	return p;
}

void *
strmap_get(const struct strmap *m, const char *key)
{
	struct entry **p = find(m, key, hash_str(key));

	return *p != NULL ? (*p)->value : NULL;
}

static void
grow(struct strmap *m)
{
	struct entry **nb, *e, *n;
	size_t i, nn = m->nbuckets * 2;

	nb = xcalloc(nn, sizeof *nb);
	for (i = 0; i < m->nbuckets; i++)
		for (e = m->buckets[i]; e != NULL; e = n) {
			n = e->next;
			e->next = nb[e->hash & (nn - 1)];
			nb[e->hash & (nn - 1)] = e;
		}
	free(m->buckets);
	m->buckets = nb;
	m->nbuckets = nn;
}

void *
strmap_put(struct strmap *m, const char *key, void *value)
{
	uint32_t h = hash_str(key);
	struct entry **p = find(m, key, h), *e;
	size_t len;
	void *old;

	if (*p != NULL) {
		old = (*p)->value;
		(*p)->value = value;
		return old;
	}
	len = strlen(key);
	e = xmalloc(sizeof *e + len + 1);
	memcpy(e->key, key, len + 1);
	e->hash = h;
	e->value = value;
	e->next = NULL;
	*p = e;
	if (++m->count > m->nbuckets)
		grow(m);
	return NULL;
}

void *
strmap_del(struct strmap *m, const char *key)
{
	struct entry **p = find(m, key, hash_str(key)), *e;
	void *v;

	if ((e = *p) == NULL)
		return NULL;
	*p = e->next;
	v = e->value;
	free(e);
	m->count--;
	return v;
}

size_t
strmap_count(const struct strmap *m)
{
	return m->count;
}

void
strmap_sweep(struct strmap *m, int (*fn)(const char *, void *, void *), void *arg)
{
	struct entry **p, *e;
	size_t i;

	for (i = 0; i < m->nbuckets; i++)
		for (p = &m->buckets[i]; (e = *p) != NULL;) {
			if (fn(e->key, e->value, arg)) {
				*p = e->next;
				free(e);
				m->count--;
			} else
				p = &e->next;
		}
}

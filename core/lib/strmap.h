/* strmap.h: a hash map from strings to pointers (keys are copied). */
#ifndef CG_STRMAP_H
#define CG_STRMAP_H

#include <stddef.h>

struct strmap;

struct strmap *strmap_new(void);
/* Frees the map and its keys; values are the caller's. */
void strmap_free(struct strmap *);
void *strmap_get(const struct strmap *, const char *key);
/* Insert or replace; returns the previous value or NULL. */
void *strmap_put(struct strmap *, const char *key, void *value);
/* Remove; returns the value or NULL. */
void *strmap_del(struct strmap *, const char *key);
size_t strmap_count(const struct strmap *);
/*
 * Call fn for every entry; fn returns non-zero to remove the entry (it
 * then owns the value). Safe against that removal only.
 */
void strmap_sweep(struct strmap *, int (*fn)(const char *key, void *value, void *arg), void *arg);

#endif

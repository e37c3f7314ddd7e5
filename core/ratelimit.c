/* ratelimit.c: sliding windows of failure counts; empty keys are swept by the tick. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "ratelimit.h"
#include "strmap.h"
#include "tick.h"
#include "xmalloc.h"

/*
 * A sliding window kept as SLICES counters of window/SLICES each: constant
 * memory per key whatever the limit, accurate to one slice.
 */
#define SLICES 16

static struct strmap *windows;

struct window {
	uint64_t slice[SLICES];		/* slice number each counter belongs to */
	uint32_t count[SLICES];
};

static uint64_t
slice_ms(void)
{
	uint64_t ms = (uint64_t)cfg->auth_fail_window_s * 1000 / SLICES;

	return ms > 0 ? ms : 1;
}

static uint32_t
total(const struct window *w, uint64_t now)
{
	uint64_t cur = now / slice_ms();
	uint32_t n = 0;
	int i;

	for (i = 0; i < SLICES; i++)
		if (w->count[i] > 0 && w->slice[i] + SLICES > cur)
			n += w->count[i];
	return n;
}

static uint32_t
count(const char *key, uint64_t now)
{
	struct window *w = strmap_get(windows, key);

	return w != NULL ? total(w, now) : 0;
}

static void
add(const char *key, uint64_t now)
{
	struct window *w = strmap_get(windows, key);
	uint64_t cur = now / slice_ms();
	int i = (int)(cur % SLICES);

	if (w == NULL) {
		w = xcalloc(1, sizeof *w);
		strmap_put(windows, key, w);
	}
	if (w->slice[i] != cur) {
		w->slice[i] = cur;
		w->count[i] = 0;
	}
	w->count[i]++;
}

static void
ident_key(char *buf, size_t len, const char *ip, const char *identity)
{
	snprintf(buf, len, "%s::%s", ip, identity);
}

int
ratelimit_blocked(const char *ip, const char *identity, uint64_t now)
{
	char key[512];

	ident_key(key, sizeof key, ip, identity);
	return count(ip, now) >= (uint32_t)cfg->auth_fail_ip_limit ||
	    count(key, now) >= (uint32_t)cfg->auth_fail_identity_limit;
}

void
ratelimit_fail(const char *ip, const char *identity, uint64_t now)
{
	char key[512];

	ident_key(key, sizeof key, ip, identity);
	add(ip, now);
	add(key, now);
}

void
ratelimit_clear(const char *ip, const char *identity)
{
	char key[512];

	ident_key(key, sizeof key, ip, identity);
	free(strmap_del(windows, key));
}

static int
expired(const char *key, void *value, void *arg)
{
	struct window *w = value;

	if (total(w, *(uint64_t *)arg) > 0)
		return 0;
	free(w);
	return 1;
}

static void
ratelimit_sweep(uint64_t now, void *arg)
{
	strmap_sweep(windows, expired, &now);
}

unsigned long
ratelimit_keys(void)
{
	return (unsigned long)strmap_count(windows);
}

void
ratelimit_init(void)
{
	windows = strmap_new();
	tick_add("auth rate limit sweep", 5000, ratelimit_sweep, NULL);
}

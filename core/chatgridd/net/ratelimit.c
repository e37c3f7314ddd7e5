/*
 * ratelimit.c: sliding windows of failure counts, and of registrations per
 * address; empty keys are swept by the tick.
 */
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

static struct strmap *windows;		/* failures: auth_fail_window_s */
static struct strmap *registrations;	/* per address: auth_register_window_s */

struct window {
	uint64_t slice[SLICES];		/* slice number each counter belongs to */
	uint32_t count[SLICES];
};

static uint64_t
slice_ms(int window_s)
{
	uint64_t ms = (uint64_t)window_s * 1000 / SLICES;

	return ms > 0 ? ms : 1;
}

static uint32_t
total(const struct window *w, int window_s, uint64_t now)
{
	uint64_t cur = now / slice_ms(window_s);
	uint32_t n = 0;
	int i;

	for (i = 0; i < SLICES; i++)
		if (w->count[i] > 0 && w->slice[i] + SLICES > cur)
			n += w->count[i];
	return n;
}

static uint32_t
count(struct strmap *m, int window_s, const char *key, uint64_t now)
{
	struct window *w = strmap_get(m, key);

	return w != NULL ? total(w, window_s, now) : 0;
}

static void
add(struct strmap *m, int window_s, const char *key, uint64_t now)
{
	struct window *w = strmap_get(m, key);
	uint64_t cur = now / slice_ms(window_s);
	int i = (int)(cur % SLICES);

	if (w == NULL) {
		w = xcalloc(1, sizeof *w);
		strmap_put(m, key, w);
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
	return count(windows, cfg->auth_fail_window_s, ip, now) >= (uint32_t)cfg->auth_fail_ip_limit ||
	    count(windows, cfg->auth_fail_window_s, key, now) >= (uint32_t)cfg->auth_fail_identity_limit;
}

void
ratelimit_fail(const char *ip, const char *identity, uint64_t now)
{
	char key[512];

	ident_key(key, sizeof key, ip, identity);
	add(windows, cfg->auth_fail_window_s, ip, now);
	add(windows, cfg->auth_fail_window_s, key, now);
}

int
ratelimit_register_blocked(const char *ip, uint64_t now)
{
	return count(registrations, cfg->auth_register_window_s, ip, now) >=
	    (uint32_t)cfg->auth_register_ip_limit;
}

void
ratelimit_register(const char *ip, uint64_t now)
{
	add(registrations, cfg->auth_register_window_s, ip, now);
}

void
ratelimit_clear(const char *ip, const char *identity)
{
	char key[512];

	ident_key(key, sizeof key, ip, identity);
	free(strmap_del(windows, key));
}

static int
fail_expired(const char *key, void *value, void *arg)
{
	struct window *w = value;

	if (total(w, cfg->auth_fail_window_s, *(uint64_t *)arg) > 0)
		return 0;
	free(w);
	return 1;
}

static int
register_expired(const char *key, void *value, void *arg)
{
	struct window *w = value;

	if (total(w, cfg->auth_register_window_s, *(uint64_t *)arg) > 0)
		return 0;
	free(w);
	return 1;
}

static void
ratelimit_sweep(uint64_t now, void *arg)
{
	strmap_sweep(windows, fail_expired, &now);
	strmap_sweep(registrations, register_expired, &now);
}

unsigned long
ratelimit_keys(void)
{
	return (unsigned long)(strmap_count(windows) + strmap_count(registrations));
}

void
ratelimit_init(void)
{
	windows = strmap_new();
	registrations = strmap_new();
	tick_add("auth rate limit sweep", 5000, ratelimit_sweep, NULL);
}

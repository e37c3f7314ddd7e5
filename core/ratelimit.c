/* ratelimit.c: sliding windows of failure times, pruned on use and by the tick. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "ratelimit.h"
#include "strmap.h"
#include "tick.h"
#include "xmalloc.h"

/* A ring of the most recent failure times; limits are small. */
#define RING 256	/* the largest limit the configuration accepts */

struct window {
	uint64_t t[RING];
	int head, n;
};

static struct strmap *windows;

static uint64_t
window_ms(void)
{
	return (uint64_t)cfg->auth_fail_window_s * 1000;
}

static void
prune(struct window *w, uint64_t now)
{
	while (w->n > 0 && now - w->t[w->head] >= window_ms()) {
		w->head = (w->head + 1) % RING;
		w->n--;
	}
}

static int
count(const char *key, uint64_t now)
{
	struct window *w = strmap_get(windows, key);

	if (w == NULL)
		return 0;
	prune(w, now);
	return w->n;
}

static void
add(const char *key, uint64_t now)
{
	struct window *w = strmap_get(windows, key);

	if (w == NULL) {
		w = xcalloc(1, sizeof *w);
		strmap_put(windows, key, w);
	}
	prune(w, now);
	if (w->n == RING) {
		w->head = (w->head + 1) % RING;
		w->n--;
	}
	w->t[(w->head + w->n) % RING] = now;
	w->n++;
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
	int ilim = cfg->auth_fail_identity_limit < RING ? cfg->auth_fail_identity_limit : RING;
	int alim = cfg->auth_fail_ip_limit < RING ? cfg->auth_fail_ip_limit : RING;

	ident_key(key, sizeof key, ip, identity);
	return count(ip, now) >= alim || count(key, now) >= ilim;
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

	prune(w, *(uint64_t *)arg);
	if (w->n > 0)
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

/*
 * authq.c: admission to password hashing: per-address and total bounds,
 * the place in line and its estimate, and withdrawal of work nobody awaits.
 * The line mirrors the worker pool's FIFO (authentication is its only
 * regular user), so a job's index in it is how many jobs go before it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authq.h"
#include "cfg.h"
#include "log.h"
#include "strmap.h"
#include "tick.h"
#include "xmalloc.h"

#define ANNOUNCE_EVERY_MS 5000
/* Until a hash has been measured: a guess at the default costs. */
#define DEFAULT_HASH_MS 1000

static TAILQ_HEAD(, authq_entry) line = TAILQ_HEAD_INITIALIZER(line);
static int nline;
static struct strmap *per_ip;		/* ip -> int jobs in line; owned ints */
static uint64_t hash_ms = DEFAULT_HASH_MS;	/* moving average of measured jobs */
static authq_announce_fn announce_fn;

void
authq_measured(uint64_t ms)
{
	if (ms == 0)
		ms = 1;
	/* A quarter of each new sample: follows a reload or a busy machine within a few jobs. */
	hash_ms = (hash_ms * 3 + ms) / 4;
	if (hash_ms == 0)
		hash_ms = 1;
}

void
authq_reset_cost(uint64_t ms)
{
	hash_ms = ms > 0 ? ms : 1;
}

int
authq_in_line(void)
{
	return nline;
}

static int
workers(void)
{
	return cfg->auth_workers > 0 ? cfg->auth_workers : 1;
}

/* Seconds for n jobs to pass through the threads, at least 1. */
static int
seconds_for(int n)
{
	uint64_t ms = ((uint64_t)n * hash_ms + (uint64_t)workers() - 1) / (uint64_t)workers();
	uint64_t s = (ms + 999) / 1000;

	return s < 1 ? 1 : s > 86400 ? 86400 : (int)s;
}

static int *
ip_count(const char *ip)
{
	return strmap_get(per_ip, ip);
}

static void
ip_add(const char *ip, int delta)
{
	int *n = ip_count(ip);

	if (n == NULL) {
		if (delta <= 0)
			return;
		n = xcalloc(1, sizeof *n);
		strmap_put(per_ip, ip, n);
	}
	*n += delta;
	if (*n <= 0)
		free(strmap_del(per_ip, ip));
}

/* Tell e its place if it waits for a thread (index: jobs before it). */
static void
announce(struct authq_entry *e, int index, uint64_t now)
{
	int position = index - workers() + 1;

	if (position < 1 || announce_fn == NULL)
		return;
	e->announced_ms = now;
	announce_fn(e->arg, position, seconds_for(index + 1));
}

enum authq_verdict
authq_submit(struct authq_entry *e, const char *ip, worker_work_fn work, worker_done_fn done,
    void *arg, int *retry_s)
{
	int *n = ip_count(ip);

	if (n != NULL && *n >= cfg->auth_hash_ip_limit) {
		*retry_s = seconds_for(nline);
		return AQ_ADDRESS_BUSY;
	}
	if (worker_submit(work, done, arg) != 0) {
		*retry_s = seconds_for(nline);
		return AQ_FULL;
	}
	memset(e, 0, sizeof *e);
	snprintf(e->ip, sizeof e->ip, "%s", ip);
	e->arg = arg;
	e->queued = 1;
	TAILQ_INSERT_TAIL(&line, e, entry);
	ip_add(ip, 1);
	announce(e, nline++, tick_mono_ms());
	return AQ_OK;
}

void
authq_done(struct authq_entry *e, uint64_t work_ms)
{
	if (!e->queued)
		return;
	e->queued = 0;
	TAILQ_REMOVE(&line, e, entry);
	nline--;
	ip_add(e->ip, -1);
	if (work_ms > 0)
		authq_measured(work_ms);
}

void
authq_cancel(struct authq_entry *e)
{
	if (e->queued && worker_cancel(e->arg))
		log_debug("%s: client gone; its password hash is dropped unrun", e->ip);
}

/* Every waiting job hears its place again every ANNOUNCE_EVERY_MS. */
static void
authq_tick(uint64_t now, void *unused)
{
	struct authq_entry *e;
	int i = 0;

	TAILQ_FOREACH(e, &line, entry) {
		if (e->announced_ms != 0 && now - e->announced_ms >= ANNOUNCE_EVERY_MS)
			announce(e, i, now);
		i++;
	}
}

void
authq_init(authq_announce_fn fn)
{
	announce_fn = fn;
	if (per_ip == NULL)
		per_ip = strmap_new();
	tick_add("auth queue announcements", 1000, authq_tick, NULL);
}

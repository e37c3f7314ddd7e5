/*
 * poller.h: the radio plugin's fetch workers. The plugin host serves one
 * request at a time and kills a plugin that keeps it waiting, so metadata
 * fetches run on worker threads here: the host's thread submits jobs (one
 * per URL; the plugin shares a fetch among every radio on that URL) and,
 * from a timer, takes the finished results. Several workers run fetches at
 * once, so one slow server delays only its own URL; the queue of jobs not
 * yet started is bounded. The workers never call a host function.
 */
#ifndef RADIO_POLLER_H
#define RADIO_POLLER_H

#include "icy.h"

struct poll_result {
	struct poll_result *next;
	char *url;		/* owned: the URL it fetched */
	int ok;			/* icy_fetch succeeded */
	struct icy_result r;
};

/* Submitting: queued, refused (why says so), or the queue is full (try later). */
enum { POLLER_QUEUED = 0, POLLER_FAILED = -1, POLLER_FULL = 1 };

/*
 * Queue a fetch of url, starting workers threads on first use (conf is
 * copied then) and at most queue_max jobs waiting. Returns POLLER_QUEUED,
 * POLLER_FULL, or POLLER_FAILED with *why set.
 */
int poller_submit(const struct icy_conf *conf, int workers, int queue_max, const char *url, const char **why);
/* The results finished since the last call, oldest first (free each with poller_free). */
struct poll_result *poller_take(void);
void poller_free(struct poll_result *);
/*
 * Stop and join the workers (unfinished fetches are cancelled) and free
 * everything. Returns 0, or -1 if a worker did not stop in time: it is
 * then left to die with the process and the queues are not freed.
 */
int poller_stop(void);

#endif

/*
 * poller.h: the radio plugin's worker thread. The plugin host serves one
 * request at a time and kills a plugin that keeps it waiting, so metadata
 * fetches run here: the host's thread submits jobs and, from a timer,
 * takes the finished results. The worker never calls a host function.
 */
#ifndef RADIO_POLLER_H
#define RADIO_POLLER_H

#include "icy.h"

struct poll_result {
	struct poll_result *next;
	char *item_id;		/* owned */
	char *url;		/* owned: the URL it fetched */
	int ok;			/* icy_fetch succeeded */
	struct icy_result r;
};

/*
 * Queue a fetch of url for item_id, starting the thread on first use.
 * conf is copied at the first call. Returns 0, or -1 with *why set.
 */
int poller_submit(const struct icy_conf *conf, const char *item_id, const char *url, const char **why);
/* The results finished since the last call, oldest first (free each with poller_free). */
struct poll_result *poller_take(void);
void poller_free(struct poll_result *);
/*
 * Stop and join the thread (an unfinished fetch is cancelled) and free
 * everything. Returns 0, or -1 if the thread did not stop in time: it is
 * then left to die with the process and its queues are not freed.
 */
int poller_stop(void);

#endif

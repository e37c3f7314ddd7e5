/*
 * authq.h: admission to password hashing. Every Argon2id job of a login or
 * registration enters here: at most auth_hash_ip_limit per address and
 * auth_queue waiting in all; the rest are refused at once with an estimate
 * of when to try again, from the measured cost of a hash. Waiting jobs are
 * told their place in line, and a job whose client has gone is withdrawn
 * before it is hashed.
 */
#ifndef CG_AUTHQ_H
#define CG_AUTHQ_H

#include <stdint.h>
#include <sys/queue.h>

#include "worker.h"

/* One job in line; embedded in its owner's request, which also is the worker arg. */
struct authq_entry {
	TAILQ_ENTRY(authq_entry) entry;
	char ip[64];
	void *arg;		/* the worker job's arg; not owned */
	uint64_t announced_ms;	/* last auth_queued sent; 0 = never */
	int queued;		/* in line (between authq_submit and authq_done) */
};

enum authq_verdict {
	AQ_OK,			/* in line: done will run */
	AQ_ADDRESS_BUSY,	/* auth_hash_ip_limit jobs of this address already in line */
	AQ_FULL,		/* auth_queue jobs already wait */
};

/*
 * Called to tell a waiting job's client its place: position 1 is next for a
 * thread, eta_s the estimated seconds until its hash is done.
 */
typedef void (*authq_announce_fn)(void *arg, int position, int eta_s);

/* Start the announcement tick; announce runs for waiting jobs (at entry, then every 5 s). */
void authq_init(authq_announce_fn announce);
/*
 * Queue work(arg) then done(arg) as worker_submit does, for the client at
 * ip. On AQ_OK, e is in line until the owner calls authq_done from done; on
 * a refusal nothing is queued and *retry_s says when trying again makes
 * sense (at least 1).
 */
enum authq_verdict authq_submit(struct authq_entry *e, const char *ip, worker_work_fn work,
    worker_done_fn done, void *arg, int *retry_s);
/* From the job's done callback: out of line; work_ms is what the hash took (0 if skipped). */
void authq_done(struct authq_entry *e, uint64_t work_ms);
/* The client has gone: withdraw the job if it still waits (done runs later anyway). */
void authq_cancel(struct authq_entry *e);
/* Record the measured cost of one hash job (a moving average). */
void authq_measured(uint64_t ms);
/* Start the estimate afresh from one measured hash (at start, after the costs changed). */
void authq_reset_cost(uint64_t ms);
/* Jobs in line (waiting or running), for /healthz. */
int authq_in_line(void);

#endif

/*
 * worker.h: a small bounded thread pool for blocking work (argon2id hashing)
 * whose jobs complete back on the event loop.
 */
#ifndef CG_WORKER_H
#define CG_WORKER_H

struct event_base;

/* Runs on a pool thread: must not touch loop state, log, or call libevent. */
typedef void (*worker_work_fn)(void *arg);
/* Runs on the loop thread after work returned; owns arg again. */
typedef void (*worker_done_fn)(void *arg);

/*
 * Start nthreads threads. At most max_queue jobs wait for a free thread;
 * running jobs are bounded by nthreads, which is what bounds memory (argon2id
 * takes 64 MiB per job). Returns 0, or -1 (logged) if the threads or the
 * completion pipe cannot be made. Call once, from the loop thread.
 */
int worker_init(struct event_base *, int nthreads, int max_queue);

/*
 * Queue work(arg) for a thread, then done(arg) on the loop. Returns 0, or -1
 * when max_queue jobs are already waiting or the pool is shut down: nothing
 * is queued and the caller keeps arg (and should refuse the request with a
 * clear message). Once accepted, done runs exactly once, never inside
 * worker_submit.
 */
int worker_submit(worker_work_fn work, worker_done_fn done, void *arg);

/*
 * Withdraw the waiting job whose arg is arg: its work will not run, and its
 * done runs later on the loop as usual (never inside this call). Returns 1,
 * or 0 when no such job waits (it is running or finished: done comes anyway).
 */
int worker_cancel(void *arg);

/* Jobs waiting for a thread, and jobs on a thread now (for /healthz). */
int worker_queued(void);
int worker_running(void);

/*
 * Refuse new jobs, let the threads finish every accepted job, join them, and
 * run the outstanding done callbacks here, on the calling (loop) thread.
 * Blocks until then: at most max_queue / nthreads + 1 jobs' time.
 */
void worker_shutdown(void);

#endif

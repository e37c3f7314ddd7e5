/*
 * worker.c: a bounded thread pool whose jobs complete back on the loop.
 *
 * Jobs wait in one FIFO guarded by a mutex; finished jobs go to a second
 * list and a byte down a pipe wakes the loop, which runs their done
 * callbacks. A pipe (rather than event_active from the thread) keeps this
 * working whether or not evthread_use_pthreads() was called.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "log.h"
#include "metrics.h"
#include "worker.h"
#include "xmalloc.h"

struct worker_job {
	worker_work_fn work;
	worker_done_fn done;
	void *arg;		/* owned by the caller; handed back in done */
	struct worker_job *next;
};

struct worker_list {
	struct worker_job *head;
	struct worker_job *tail;
};

static pthread_mutex_t worker_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t worker_cv = PTHREAD_COND_INITIALIZER;
static struct worker_list worker_pending;	/* under worker_mtx */
static struct worker_list worker_finished;	/* under worker_mtx */
static int worker_npending;			/* under worker_mtx */
static int worker_nrunning;			/* under worker_mtx */
static int worker_stopping;			/* under worker_mtx */
static int worker_woken;			/* a wake byte is in the pipe; under worker_mtx */

static pthread_t *worker_threads;
static int worker_nthreads;
static int worker_max_queue;
static int worker_pipe[2] = { -1, -1 };
static struct event *worker_ev;
static int worker_started;

static void
worker_list_push(struct worker_list *l, struct worker_job *j)
{
	j->next = NULL;
	if (l->tail != NULL)
		l->tail->next = j;
	else
		l->head = j;
	l->tail = j;
}

static struct worker_job *
worker_list_take_all(struct worker_list *l)
{
	struct worker_job *j = l->head;

	l->head = l->tail = NULL;
	return j;
}

/* Thread side: write one wake byte unless one is already pending. */
static void
worker_wake_locked(void)
{
	char c = 1;
	ssize_t n;

	if (worker_woken)
		return;
	do
		n = write(worker_pipe[1], &c, 1);
	while (n == -1 && errno == EINTR);
	/* EAGAIN means the pipe is full, so the loop will wake anyway. */
	worker_woken = 1;
}

#define WORKER_NICE 10

static void *
worker_main(void *unused)
{
	struct worker_job *j;
	uint64_t t0;

	/*
	 * Hashing is CPU-bound and can wait; the event loop cannot. On Linux a
	 * thread has its own nice value: lower ours so a login storm does not
	 * take the loop's core (failure only costs that preference).
	 */
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), WORKER_NICE);
	pthread_mutex_lock(&worker_mtx);
	for (;;) {
		while (worker_pending.head == NULL && !worker_stopping)
			pthread_cond_wait(&worker_cv, &worker_mtx);
		/* On shutdown the queue is drained first: accepted jobs all run. */
		if (worker_pending.head == NULL)
			break;
		j = worker_pending.head;
		worker_pending.head = j->next;
		if (worker_pending.head == NULL)
			worker_pending.tail = NULL;
		worker_npending--;
		worker_nrunning++;
		pthread_mutex_unlock(&worker_mtx);

		t0 = metrics_now_ns();
		j->work(j->arg);
		/* Every job is a password hash or verification (auth.c). */
		metrics_observe_shared(&cg_metrics.hash, metrics_now_ns() - t0);

		pthread_mutex_lock(&worker_mtx);
		worker_nrunning--;
		worker_list_push(&worker_finished, j);
		worker_wake_locked();
	}
	pthread_mutex_unlock(&worker_mtx);
	return NULL;
}

/*
 * Loop side: run the done callbacks of every finished job, in finish order.
 * The wake flag is cleared in the same critical section that takes the
 * list: a job finishing after it finds the flag clear and writes a new byte,
 * so none is left behind without a wake-up.
 */
static void
worker_run_done(void)
{
	struct worker_job *j, *next;

	pthread_mutex_lock(&worker_mtx);
	j = worker_list_take_all(&worker_finished);
	worker_woken = 0;
	pthread_mutex_unlock(&worker_mtx);

	/* Unlocked: a done callback may submit again. */
	for (; j != NULL; j = next) {
		next = j->next;
		j->done(j->arg);
		free(j);
	}
}

static void
worker_pipe_cb(evutil_socket_t fd, short what, void *unused)
{
	char buf[64];
	ssize_t n;

	/* Drain first; worker_run_done then re-arms the wake-up. */
	do
		n = read(fd, buf, sizeof buf);
	while (n > 0 || (n == -1 && errno == EINTR));
	worker_run_done();
}

static int
worker_set_flags(int fd)
{
	int fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	if ((fl = fcntl(fd, F_GETFD)) == -1 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) == -1)
		return -1;
	return 0;
}

static void
worker_metrics(struct metrics_out *o)
{
	int q, r;

	pthread_mutex_lock(&worker_mtx);
	q = worker_npending;
	r = worker_nrunning;
	pthread_mutex_unlock(&worker_mtx);
	metrics_family(o, "chatgrid_hash_queue_jobs", "gauge",
	    "Password hash jobs waiting for a worker thread (queued) and being hashed (running).");
	metrics_sample(o, "chatgrid_hash_queue_jobs", "state=\"queued\"", q);
	metrics_sample(o, "chatgrid_hash_queue_jobs", "state=\"running\"", r);
}

int
worker_init(struct event_base *base, int nthreads, int max_queue)
{
	sigset_t all, old;
	int i, error;

	if (worker_started) {
		log_error("worker pool already started");
		return -1;
	}
	if (nthreads < 1 || max_queue < 0) {
		log_error("bad worker pool size %d (queue %d)", nthreads, max_queue);
		return -1;
	}
	metrics_add_collector(worker_metrics);
	if (pipe(worker_pipe) == -1) {
		log_error("worker pipe: %s", strerror(errno));
		return -1;
	}
	if (worker_set_flags(worker_pipe[0]) == -1 || worker_set_flags(worker_pipe[1]) == -1) {
		log_error("worker pipe flags: %s", strerror(errno));
		goto fail;
	}
	worker_ev = event_new(base, worker_pipe[0], EV_READ | EV_PERSIST, worker_pipe_cb, NULL);
	if (worker_ev == NULL || event_add(worker_ev, NULL) != 0) {
		log_error("cannot add the worker pipe event");
		goto fail;
	}

	worker_stopping = 0;
	worker_max_queue = max_queue;
	worker_threads = xcalloc((size_t)nthreads, sizeof *worker_threads);
	/* Threads block every signal, so signals keep reaching the loop thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < nthreads; i++) {
		error = pthread_create(&worker_threads[i], NULL, worker_main, NULL);
		if (error != 0) {
			log_error("cannot start worker thread: %s", strerror(error));
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	worker_nthreads = i;
	worker_started = 1;
	if (i < nthreads) {
		worker_shutdown();
		return -1;
	}
	log_debug("%d worker threads, queue of %d", nthreads, max_queue);
	return 0;

fail:
	if (worker_ev != NULL)
		event_free(worker_ev);
	worker_ev = NULL;
	close(worker_pipe[0]);
	close(worker_pipe[1]);
	worker_pipe[0] = worker_pipe[1] = -1;
	return -1;
}

int
worker_submit(worker_work_fn work, worker_done_fn done, void *arg)
{
	struct worker_job *j;

	if (!worker_started)
		return -1;
	j = xmalloc(sizeof *j);
	j->work = work;
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&worker_mtx);
	if (worker_stopping || worker_npending >= worker_max_queue) {
		pthread_mutex_unlock(&worker_mtx);
		free(j);
		return -1;
	}
	worker_list_push(&worker_pending, j);
	worker_npending++;
	pthread_cond_signal(&worker_cv);
	pthread_mutex_unlock(&worker_mtx);
	return 0;
}

int
worker_cancel(void *arg)
{
	struct worker_job *j, *prev = NULL;
	int found = 0;

	pthread_mutex_lock(&worker_mtx);
	for (j = worker_pending.head; j != NULL; prev = j, j = j->next) {
		if (j->arg != arg)
			continue;
		if (prev != NULL)
			prev->next = j->next;
		else
			worker_pending.head = j->next;
		if (worker_pending.tail == j)
			worker_pending.tail = prev;
		worker_npending--;
		/* Straight to the finished list: the work is never run, done runs as usual. */
		worker_list_push(&worker_finished, j);
		worker_wake_locked();
		found = 1;
		break;
	}
	pthread_mutex_unlock(&worker_mtx);
	return found;
}

int
worker_queued(void)
{
	int n;

	pthread_mutex_lock(&worker_mtx);
	n = worker_npending;
	pthread_mutex_unlock(&worker_mtx);
	return n;
}

int
worker_running(void)
{
	int n;

	pthread_mutex_lock(&worker_mtx);
	n = worker_nrunning;
	pthread_mutex_unlock(&worker_mtx);
	return n;
}

void
worker_shutdown(void)
{
	int i, error;

	if (!worker_started)
		return;
	pthread_mutex_lock(&worker_mtx);
	worker_stopping = 1;
	pthread_cond_broadcast(&worker_cv);
	pthread_mutex_unlock(&worker_mtx);

	for (i = 0; i < worker_nthreads; i++) {
		error = pthread_join(worker_threads[i], NULL);
		if (error != 0)
			log_error("cannot join worker thread: %s", strerror(error));
	}
	free(worker_threads);
	worker_threads = NULL;
	worker_nthreads = 0;

	/*
	 * Only possible if no thread could start: nothing will run these, so
	 * they run here, which keeps "done runs exactly once".
	 */
	while (worker_pending.head != NULL) {
		struct worker_job *j = worker_pending.head;

		worker_pending.head = j->next;
		j->work(j->arg);
		worker_list_push(&worker_finished, j);
	}
	worker_pending.tail = NULL;
	worker_npending = 0;

	worker_run_done();
	event_free(worker_ev);
	worker_ev = NULL;
	close(worker_pipe[0]);
	close(worker_pipe[1]);
	worker_pipe[0] = worker_pipe[1] = -1;
	worker_woken = 0;
	worker_started = 0;
}

/*
 * poller.c: worker threads that run metadata fetches (§6.10) off the
 * plugin host's thread. The reference has one worker running every fetch
 * in turn, so one slow server delays every radio; here several workers take
 * jobs from one bounded queue. Jobs and results are lists under one mutex;
 * a pipe wakes fetches that are waiting on the network when the plugin
 * stops. The TLS context is made once, before the workers start, and
 * shared (OpenSSL contexts are safe to share between threads once set up).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "poller.h"

/* How long cleanup waits for a fetch to notice it is cancelled. */
#define STOP_WAIT_MS 3000

/* Workers at most (the fetch_workers option is bounded to this). */
#define WORKERS_MAX 64

struct job {
	struct job *next;
	char *url;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_t threads[WORKERS_MAX];
static int nthreads, started, stopping;
static int wake[2] = { -1, -1 };
static struct icy_conf conf;		/* set before the workers start, then read only */
static SSL_CTX *ctx;			/* likewise; NULL: https fails */

/* Under mu. */
static struct job *jobs, **jobs_tail = &jobs;
static int njobs;
static struct poll_result *done, **done_tail = &done;

/* A context that verifies peers against the system's store (SSL_CERT_FILE/DIR apply). */
static SSL_CTX *
tls_context(void)
{
	SSL_CTX *c = SSL_CTX_new(TLS_client_method());

	if (c == NULL)
		return NULL;
	SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
	SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
	/* A stream cut off without close_notify is an end like any other. */
	SSL_CTX_set_options(c, SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (SSL_CTX_set_default_verify_paths(c) != 1) {
		SSL_CTX_free(c);
		return NULL;
	}
	return c;
}

static void *
poller_main(void *arg)
{
	struct poll_result *res;
	struct job *j;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&mu);
		while (jobs == NULL && !stopping)
			pthread_cond_wait(&cv, &mu);
		if (stopping) {
			pthread_mutex_unlock(&mu);
			return NULL;
		}
		j = jobs;
		if ((jobs = j->next) == NULL)
			jobs_tail = &jobs;
		njobs--;
		pthread_mutex_unlock(&mu);

		if ((res = calloc(1, sizeof *res)) == NULL) {
			/* The host sees no result and keeps waiting: a lost poll, not a crash. */
			free(j->url);
			free(j);
			continue;
		}
		res->url = j->url;
		free(j);
		res->ok = icy_fetch(ctx, res->url, &conf, &res->r) == 0;

		pthread_mutex_lock(&mu);
		*done_tail = res;
		done_tail = &res->next;
		pthread_mutex_unlock(&mu);
	}
}

/* Start the workers; with at least one running the poller is started. */
static int
start(const struct icy_conf *c, int workers, const char **why)
{
	if (pipe2(wake, O_CLOEXEC) != 0) {
		*why = strerror(errno);
		return -1;
	}
	conf = *c;
	conf.cancel_fd = wake[0];
	/* Whatever the scheme: an http URL may redirect to https. */
	ctx = tls_context();
	if (workers > WORKERS_MAX)
		workers = WORKERS_MAX;
	for (nthreads = 0; nthreads < workers; nthreads++)
		if ((errno = pthread_create(&threads[nthreads], NULL, poller_main, NULL)) != 0)
			break;
	if (nthreads == 0) {
		*why = strerror(errno);
		SSL_CTX_free(ctx);
		ctx = NULL;
		close(wake[0]);
		close(wake[1]);
		wake[0] = wake[1] = -1;
		return -1;
	}
	started = 1;
	return 0;
}

int
poller_submit(const struct icy_conf *c, int workers, int queue_max, const char *url, const char **why)
{
	struct job *j;

	if (!started && start(c, workers, why) != 0)
		return POLLER_FAILED;
	pthread_mutex_lock(&mu);
	if (njobs >= queue_max) {
		pthread_mutex_unlock(&mu);
		return POLLER_FULL;
	}
	pthread_mutex_unlock(&mu);
	if ((j = calloc(1, sizeof *j)) == NULL || (j->url = strdup(url)) == NULL) {
		free(j);
		*why = "out of memory";
		return POLLER_FAILED;
	}
	pthread_mutex_lock(&mu);
	*jobs_tail = j;
	jobs_tail = &j->next;
	njobs++;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	return POLLER_QUEUED;
}

struct poll_result *
poller_take(void)
{
	struct poll_result *r;

	pthread_mutex_lock(&mu);
	r = done;
	done = NULL;
	done_tail = &done;
	pthread_mutex_unlock(&mu);
	return r;
}

void
poller_free(struct poll_result *r)
{
	if (r == NULL)
		return;
	free(r->url);
	free(r);
}

int
poller_stop(void)
{
	struct poll_result *r;
	struct timespec ts;
	struct job *j;
	ssize_t n;
	int i;

	if (!started)
		return 0;
	pthread_mutex_lock(&mu);
	stopping = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	/* The pipe stays readable: every fetch waiting on the network sees it. */
	do
		n = write(wake[1], "x", 1);
	while (n < 0 && errno == EINTR);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += STOP_WAIT_MS / 1000;
	for (i = 0; i < nthreads; i++)
		if (pthread_timedjoin_np(threads[i], NULL, &ts) != 0)
			return -1;
	started = 0;
	nthreads = 0;
	while ((j = jobs) != NULL) {
		jobs = j->next;
		free(j->url);
		free(j);
	}
	jobs_tail = &jobs;
	njobs = 0;
	while ((r = done) != NULL) {
		done = r->next;
		poller_free(r);
	}
	done_tail = &done;
	SSL_CTX_free(ctx);
	ctx = NULL;
	close(wake[0]);
	close(wake[1]);
	wake[0] = wake[1] = -1;
	stopping = 0;
	return 0;
}

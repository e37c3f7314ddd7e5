/*
 * poller.c: one worker thread that runs metadata fetches in turn, as the
 * reference's poller does (§6.10), off the plugin host's thread. Jobs and
 * results are lists under one mutex; a pipe wakes a fetch that is waiting
 * on the network when the plugin stops.
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

struct job {
	struct job *next;
	char *item_id;
	char *url;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_t thread;
static int started, stopping;
static int wake[2] = { -1, -1 };
static struct icy_conf conf;		/* set before the thread starts, then read only */

/* Under mu. */
static struct job *jobs, **jobs_tail = &jobs;
static struct poll_result *done, **done_tail = &done;

/* The worker's own. */
static SSL_CTX *ctx;
static int ctx_tried;

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
		pthread_mutex_unlock(&mu);

		if ((res = calloc(1, sizeof *res)) == NULL) {
			/* The host sees no result and keeps waiting: a lost poll, not a crash. */
			free(j->item_id);
			free(j->url);
			free(j);
			continue;
		}
		res->item_id = j->item_id;
		res->url = j->url;
		free(j);
		/* Made on the first fetch, whatever its scheme: an http URL may redirect to https. */
		if (!ctx_tried) {
			ctx_tried = 1;
			ctx = tls_context();
		}
		res->ok = icy_fetch(ctx, res->url, &conf, &res->r) == 0;

		pthread_mutex_lock(&mu);
		*done_tail = res;
		done_tail = &res->next;
		pthread_mutex_unlock(&mu);
	}
}

static int
start(const struct icy_conf *c, const char **why)
{
	if (pipe2(wake, O_CLOEXEC) != 0) {
		*why = strerror(errno);
		return -1;
	}
	conf = *c;
	conf.cancel_fd = wake[0];
	if ((errno = pthread_create(&thread, NULL, poller_main, NULL)) != 0) {
		*why = strerror(errno);
		close(wake[0]);
		close(wake[1]);
		wake[0] = wake[1] = -1;
		return -1;
	}
	started = 1;
	return 0;
}

int
poller_submit(const struct icy_conf *c, const char *item_id, const char *url, const char **why)
{
	struct job *j;

	if (!started && start(c, why) != 0)
		return -1;
	if ((j = calloc(1, sizeof *j)) == NULL || (j->item_id = strdup(item_id)) == NULL ||
	    (j->url = strdup(url)) == NULL) {
		if (j != NULL)
			free(j->item_id);
		free(j);
		*why = "out of memory";
		return -1;
	}
	pthread_mutex_lock(&mu);
	*jobs_tail = j;
	jobs_tail = &j->next;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	return 0;
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
	free(r->item_id);
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

	if (!started)
		return 0;
	pthread_mutex_lock(&mu);
	stopping = 1;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	do
		n = write(wake[1], "x", 1);
	while (n < 0 && errno == EINTR);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += STOP_WAIT_MS / 1000;
	if (pthread_timedjoin_np(thread, NULL, &ts) != 0)
		return -1;
	started = 0;
	while ((j = jobs) != NULL) {
		jobs = j->next;
		free(j->item_id);
		free(j->url);
		free(j);
	}
	jobs_tail = &jobs;
	while ((r = done) != NULL) {
		done = r->next;
		poller_free(r);
	}
	done_tail = &done;
	SSL_CTX_free(ctx);
	ctx = NULL;
	ctx_tried = 0;
	close(wake[0]);
	close(wake[1]);
	wake[0] = wake[1] = -1;
	stopping = 0;
	return 0;
}

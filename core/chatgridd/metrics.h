/*
 * metrics.h: the daemon's counters and histograms, written in Prometheus's
 * text exposition format (GET /metrics, see health.c).
 *
 * Counting costs a plain increment on the loop thread (no locks, no
 * atomics); only histograms fed from worker threads use atomics
 * (metrics_observe_shared). Families whose values live in other modules
 * (connections by state, plugins, items by type) are written at scrape
 * time by collectors those modules register, so this module depends on
 * nothing but itself.
 */
#ifndef CG_METRICS_H
#define CG_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define METRICS_MAX_BUCKETS 16

/* A histogram of durations in seconds with fixed upper bounds. */
struct metrics_hist {
	const double *le;			/* ascending upper bounds, seconds */
	int n;					/* how many */
	uint64_t bucket[METRICS_MAX_BUCKETS + 1];	/* per bucket, not cumulative; [n] is +Inf */
	uint64_t count;
	uint64_t sum_ns;
};

/* Bounds for fast work (100 µs .. 2.5 s) and for slow work (1 ms .. 30 s). */
extern const double metrics_le_fast[];
extern const int metrics_le_fast_n;
extern const double metrics_le_slow[];
extern const int metrics_le_slow_n;

void metrics_hist_init(struct metrics_hist *, const double *le, int n);
/* Add one duration (nanoseconds): on the loop thread ... */
void metrics_observe(struct metrics_hist *, uint64_t ns);
/* ... or from any thread. */
void metrics_observe_shared(struct metrics_hist *, uint64_t ns);

/* The core's own counters, incremented where they happen. */
struct cg_metrics {
	uint64_t frames_in;		/* WebSocket messages received from clients */
	uint64_t frames_out;		/* messages queued to clients (one per recipient) */
	uint64_t bytes_in;		/* bytes read from client sockets */
	uint64_t bytes_out;		/* bytes of frames queued to clients */
	uint64_t output_drops;		/* clients dropped at max_output_bytes */
	struct metrics_hist hash;	/* password hash or verification time (worker threads) */
	struct metrics_hist tick;	/* one round of the tick loop */
	struct metrics_hist fanout;	/* update_position: frame received -> last write queued */
	struct metrics_hist db_query;	/* database request: submitted -> answered */
	uint64_t rx_ns;			/* when the read now being handled began */
};
extern struct cg_metrics cg_metrics;

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t metrics_now_ns(void);

/* A message refused with an error code (the error's "code" field). */
void metrics_refused(const char *code);

/* A sign-in or registration refused before any password was hashed. */
enum metrics_admission {
	MA_ADDRESS_BUSY,	/* auth_hash_ip_limit hashes of the address already in line */
	MA_QUEUE_FULL,		/* the hashing queue (auth_queue) full */
	MA_REGISTER_LIMIT,	/* auth_register_ip_limit registrations in the window */
	MA_N
};
void metrics_admission_refused(enum metrics_admission);

/*
 * Exposition. A collector writes families with metrics_family, then their
 * samples; labels is NULL or the inside of the braces, values escaped with
 * metrics_label.
 */
struct metrics_out;
typedef void (*metrics_collector)(struct metrics_out *);
void metrics_add_collector(metrics_collector);
void metrics_family(struct metrics_out *, const char *name, const char *type, const char *help);
void metrics_sample(struct metrics_out *, const char *name, const char *labels, double value);
void metrics_hist_write(struct metrics_out *, const char *name, const char *labels,
    const struct metrics_hist *);
/* name="value" with value escaped for a label, into buf; returns buf. */
const char *metrics_label(char *buf, size_t len, const char *name, const char *value);

/* The whole exposition as a malloc'd string; its length in *len. */
char *metrics_render(size_t *len);

/* Seconds since the process started, for chatgrid_start_time_seconds. */
void metrics_set_start_time(double unix_seconds);

#endif

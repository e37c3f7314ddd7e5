/*
 * bench.h: chatgrid-bench, the load generator. One libevent loop drives
 * every simulated user's WebSocket (plain or TLS) without blocking; the
 * frame codec is tests/lib/wsframe.c. See docs/benchmarks.md.
 */
#ifndef CB_BENCH_H
#define CB_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <event2/event.h>
#include <openssl/ssl.h>

/* ---- histograms (bstats.c) ---- */

/*
 * Log-linear histogram of nanosecond values: 64 sub-buckets per power of
 * two, so any percentile is within 1.6 % of the true value. Exact count,
 * sum and max.
 */
#define CB_HIST_SUB 64
#define CB_HIST_POW 40
struct cb_hist {
	uint64_t n, sum_ns, max_ns;
	uint32_t b[CB_HIST_POW * CB_HIST_SUB];
};

void cb_hist_add(struct cb_hist *, uint64_t ns);
/* The value (ns) under which fraction q (0..1) of the samples lie. */
uint64_t cb_hist_quantile(const struct cb_hist *, double q);
void cb_hist_merge(struct cb_hist *dst, const struct cb_hist *src);

/* Process figures from /proc (all threads). */
struct cb_proc {
	double cpu_s;		/* utime + stime */
	long rss_kb;		/* VmRSS */
	long hwm_kb;		/* VmHWM: peak RSS */
	int ok;
};
void cb_proc_read(int pid, struct cb_proc *);
/* "AMD EPYC ..." and the number of online CPUs. */
void cb_machine(char *cpu, size_t len, int *ncpu);

uint64_t cb_now_ns(void);		/* CLOCK_MONOTONIC */
uint64_t cb_wall_ms(void);		/* CLOCK_REALTIME */

/* ---- a flat JSON object scanner (bstats.c) ---- */

/*
 * Find "key": in a flat JSON object text (the protocol's small messages).
 * A quote inside a JSON string is always escaped, so the pattern cannot
 * match inside a string value. Returns a pointer to the value or NULL.
 */
const char *cb_json_find(const char *p, size_t n, const char *key);
/* The string value at v (after cb_json_find) into out; its length or -1. */
int cb_json_str(const char *v, const char *end, char *out, size_t cap);
/* The integer value at v; 0 on success. */
int cb_json_int(const char *v, const char *end, long long *out);

/* ---- connections (bconn.c) ---- */

enum cb_state {
	CB_CONNECTING,		/* TCP connect in progress */
	CB_TLS,			/* TLS handshake */
	CB_UPGRADE,		/* HTTP upgrade sent, waiting for 101 */
	CB_OPEN,		/* WebSocket open */
	CB_CLOSED,
};

struct cb_conn;

/* What a connection reports to its owner. */
struct cb_conn_cbs {
	void (*open)(struct cb_conn *);		/* WebSocket is up */
	/* One text message; t_ns is when the read that brought it returned. */
	void (*text)(struct cb_conn *, const char *p, size_t n, uint64_t t_ns);
	/* Closed: by the peer (code, or 1006), or on an error (why). */
	void (*closed)(struct cb_conn *, int code, const char *why);
};

struct cb_conn {
	int fd;
	enum cb_state state;
	SSL *ssl;
	struct event *rev, *wev;
	uint8_t *in;
	size_t in_len, in_cap;
	uint8_t *out;
	size_t out_len, out_off, out_cap;
	int tls_want_write;	/* an SSL_read needs the socket writable */
	char key[32];		/* Sec-WebSocket-Key */
	const struct cb_conn_cbs *cbs;
	void *arg;
	uint64_t frames_in, frames_out, bytes_in, bytes_out;
	uint64_t t_start_ns, t_open_ns;
};

struct cb_net {
	struct event_base *base;
	const char *host;
	int port;
	SSL_CTX *tls;		/* NULL for plain */
	char hostport[300];
};

int cb_net_init(struct cb_net *, struct event_base *, const char *host, int port, int tls);
/* Start a connection; 0 or -1 (errno). */
int cb_conn_start(struct cb_net *, struct cb_conn *, const struct cb_conn_cbs *, void *arg);
/* Queue (and try to write at once) one masked text frame. */
void cb_conn_send_text(struct cb_conn *, const char *text, size_t len);
/* Queue raw bytes as they are. */
void cb_conn_send_raw(struct cb_conn *, const void *, size_t);
void cb_conn_close(struct cb_conn *);

/* ---- setup (bsetup.c) ---- */

/* A user's deterministic session token (64 hex characters) and username. */
void cb_token(const char *seed, int i, char out[65]);
void cb_username(const char *prefix, int i, char out[40]);
int cb_setup_main(int argc, char **argv);
/* `chatgrid-bench items`: widgets for the big-world scenario, straight into the database. */
int cb_items_main(int argc, char **argv);

/* ---- comparison (bstats.c) ---- */
int cb_compare_main(int argc, char **argv);

#endif

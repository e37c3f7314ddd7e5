/*
 * metrics.c: counters, histograms and Prometheus's text exposition format
 * (version 0.0.4). See metrics.h.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics.h"
#include "xmalloc.h"

const double metrics_le_fast[] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
};
const int metrics_le_fast_n = sizeof metrics_le_fast / sizeof metrics_le_fast[0];
const double metrics_le_slow[] = {
	0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
};
const int metrics_le_slow_n = sizeof metrics_le_slow / sizeof metrics_le_slow[0];

#define FAST { metrics_le_fast, sizeof metrics_le_fast / sizeof metrics_le_fast[0], { 0 }, 0, 0 }
#define SLOW { metrics_le_slow, sizeof metrics_le_slow / sizeof metrics_le_slow[0], { 0 }, 0, 0 }

struct cg_metrics cg_metrics = {
	.hash = SLOW,
	.tick = FAST,
	.fanout = FAST,
	.db_query = SLOW,
};

uint64_t
metrics_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void
metrics_hist_init(struct metrics_hist *h, const double *le, int n)
{
	memset(h, 0, sizeof *h);
	h->le = le;
	h->n = n > METRICS_MAX_BUCKETS ? METRICS_MAX_BUCKETS : n;
}

static int
hist_slot(const struct metrics_hist *h, uint64_t ns)
{
	double s = (double)ns / 1e9;
	int i;

	for (i = 0; i < h->n; i++)
		if (s <= h->le[i])
			return i;
	return h->n;
}

void
metrics_observe(struct metrics_hist *h, uint64_t ns)
{
	h->bucket[hist_slot(h, ns)]++;
	h->count++;
	h->sum_ns += ns;
}

void
metrics_observe_shared(struct metrics_hist *h, uint64_t ns)
{
	__atomic_fetch_add(&h->bucket[hist_slot(h, ns)], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&h->count, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&h->sum_ns, ns, __ATOMIC_RELAXED);
}

/* ---- refusals by reason: error codes are a small fixed set ---- */

#define MAX_REASONS 64

static struct {
	char code[40];
	uint64_t n;
} reasons[MAX_REASONS];
static int nreasons;
static uint64_t reasons_other;

void
metrics_refused(const char *code)
{
	int i;

	for (i = 0; i < nreasons; i++)
		if (strcmp(reasons[i].code, code) == 0) {
			reasons[i].n++;
			return;
		}
	if (nreasons == MAX_REASONS || strlen(code) >= sizeof reasons[0].code) {
		reasons_other++;
		return;
	}
	snprintf(reasons[nreasons].code, sizeof reasons[0].code, "%s", code);
	reasons[nreasons++].n = 1;
}

/* ---- sign-ins refused at admission ---- */

static uint64_t admissions[MA_N];
static const char *const admission_reason[MA_N] = {
	[MA_ADDRESS_BUSY] = "address_busy",
	[MA_QUEUE_FULL] = "queue_full",
	[MA_REGISTER_LIMIT] = "register_limit",
};

void
metrics_admission_refused(enum metrics_admission why)
{
	if (why >= 0 && why < MA_N)
		admissions[why]++;
}

/* ---- the text ---- */

struct metrics_out {
	char *buf;
	size_t len, cap;
};

static void
out_printf(struct metrics_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
out_printf(struct metrics_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		o->cap = o->cap * 2 + (size_t)n;
		o->buf = xrealloc(o->buf, o->cap);
	}
}

/* Numbers as Prometheus reads them: integers exactly, others with %.17g. */
static void
out_value(struct metrics_out *o, double v)
{
	if (isnan(v))
		out_printf(o, "NaN\n");
	else if (isinf(v))
		out_printf(o, v > 0 ? "+Inf\n" : "-Inf\n");
	else if (v == floor(v) && fabs(v) < 9e15)
		out_printf(o, "%.0f\n", v);
	else
		out_printf(o, "%.17g\n", v);
}

void
metrics_family(struct metrics_out *o, const char *name, const char *type, const char *help)
{
	out_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void
metrics_sample(struct metrics_out *o, const char *name, const char *labels, double value)
{
	if (labels != NULL && labels[0] != '\0')
		out_printf(o, "%s{%s} ", name, labels);
	else
		out_printf(o, "%s ", name);
	out_value(o, value);
}

void
metrics_hist_write(struct metrics_out *o, const char *name, const char *labels,
    const struct metrics_hist *h)
{
	const char *sep = labels != NULL && labels[0] != '\0' ? "," : "";
	const char *ls = labels != NULL ? labels : "";
	uint64_t cum = 0, count, b;
	int i;

	for (i = 0; i <= h->n; i++) {
		b = __atomic_load_n(&h->bucket[i], __ATOMIC_RELAXED);
		cum += b;
		if (i < h->n)
			out_printf(o, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, ls, sep, h->le[i],
			    (unsigned long long)cum);
	}
	/* +Inf equals _count; read once so the two agree. */
	count = cum;
	out_printf(o, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, ls, sep, (unsigned long long)count);
	out_printf(o, "%s_sum%s%s%s ", name, ls[0] != '\0' ? "{" : "", ls, ls[0] != '\0' ? "}" : "");
	out_value(o, (double)__atomic_load_n(&h->sum_ns, __ATOMIC_RELAXED) / 1e9);
	out_printf(o, "%s_count%s%s%s %llu\n", name, ls[0] != '\0' ? "{" : "", ls, ls[0] != '\0' ? "}" : "",
	    (unsigned long long)count);
}

const char *
metrics_label(char *buf, size_t len, const char *name, const char *value)
{
	size_t o = 0;
	int n;

	n = snprintf(buf, len, "%s=\"", name);
	if (n < 0 || (size_t)n >= len) {
		if (len > 0)
			buf[0] = '\0';
		return buf;
	}
	o = (size_t)n;
	for (; *value != '\0' && o + 3 < len; value++) {
		if (*value == '\\' || *value == '"') {
			buf[o++] = '\\';
			buf[o++] = *value;
		} else if (*value == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else
			buf[o++] = *value;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

#define MAX_COLLECTORS 16

static metrics_collector collectors[MAX_COLLECTORS];
static int ncollectors;
static double start_time;

void
metrics_add_collector(metrics_collector fn)
{
	if (ncollectors < MAX_COLLECTORS)
		collectors[ncollectors++] = fn;
}

void
metrics_set_start_time(double unix_seconds)
{
	start_time = unix_seconds;
}

static void
counter(struct metrics_out *o, const char *name, const char *help, uint64_t v)
{
	metrics_family(o, name, "counter", help);
	metrics_sample(o, name, NULL, (double)v);
}

static void
core_metrics(struct metrics_out *o)
{
	const struct cg_metrics *m = &cg_metrics;
	char l[96];
	int i;

	metrics_family(o, "chatgrid_start_time_seconds", "gauge", "When the daemon started, in Unix time.");
	metrics_sample(o, "chatgrid_start_time_seconds", NULL, start_time);
	counter(o, "chatgrid_frames_received_total", "WebSocket messages received from clients.", m->frames_in);
	counter(o, "chatgrid_frames_sent_total", "Messages queued to clients, one per recipient.", m->frames_out);
	counter(o, "chatgrid_received_bytes_total", "Bytes read from client connections.", m->bytes_in);
	counter(o, "chatgrid_sent_bytes_total", "Bytes of messages queued to clients.", m->bytes_out);
	counter(o, "chatgrid_output_drops_total",
	    "Clients dropped because their queued output passed max_output_bytes.", m->output_drops);
	metrics_family(o, "chatgrid_messages_refused_total", "counter",
	    "Client messages answered with an error, by the error's code.");
	for (i = 0; i < nreasons; i++)
		metrics_sample(o, "chatgrid_messages_refused_total",
		    metrics_label(l, sizeof l, "reason", reasons[i].code), (double)reasons[i].n);
	if (reasons_other > 0)
		metrics_sample(o, "chatgrid_messages_refused_total", "reason=\"other\"", (double)reasons_other);
	metrics_family(o, "chatgrid_auth_refused_total", "counter",
	    "Sign-ins and registrations refused before any password was hashed, by reason.");
	for (i = 0; i < MA_N; i++)
		metrics_sample(o, "chatgrid_auth_refused_total",
		    metrics_label(l, sizeof l, "reason", admission_reason[i]), (double)admissions[i]);
	metrics_family(o, "chatgrid_password_hash_seconds", "histogram",
	    "Time to hash or verify one password (Argon2id) on a worker thread.");
	metrics_hist_write(o, "chatgrid_password_hash_seconds", NULL, &m->hash);
	metrics_family(o, "chatgrid_tick_seconds", "histogram", "Time of one round of the tick loop.");
	metrics_hist_write(o, "chatgrid_tick_seconds", NULL, &m->tick);
	metrics_family(o, "chatgrid_update_position_fanout_seconds", "histogram",
	    "From reading an update_position to queueing its last delivery.");
	metrics_hist_write(o, "chatgrid_update_position_fanout_seconds", NULL, &m->fanout);
	metrics_family(o, "chatgrid_db_query_seconds", "histogram",
	    "Database requests, from submission to answer (queueing included).");
	metrics_hist_write(o, "chatgrid_db_query_seconds", NULL, &m->db_query);
}

char *
metrics_render(size_t *len)
{
	struct metrics_out o = { NULL, 0, 8192 };
	int i;

	o.buf = xmalloc(o.cap);
	o.buf[0] = '\0';
	core_metrics(&o);
	for (i = 0; i < ncollectors; i++)
		collectors[i](&o);
	*len = o.len;
	return o.buf;
}

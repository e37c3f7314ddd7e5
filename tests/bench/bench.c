/*
 * bench.c: chatgrid-bench. Connects N simulated users to a chatgrid server
 * (chatgridd, or the baseline relay) over WebSocket, authenticates them,
 * runs a scenario and reports latency percentiles, frame rates, the
 * server's CPU and memory, and errors, as a table and as JSON.
 *
 *   chatgrid-bench run [options]       one scenario against one server
 *   chatgrid-bench setup [options]     accounts and sessions in the database
 *   chatgrid-bench compare A.json B.json
 *
 * Latency of update_position (nothing is added to the protocol): every
 * mover keeps a ring of the moves it sent, (seq, x, y, send time). Its
 * random walk never returns to any of its last 64 targets (the whole ring), so an
 * observer's update_position {id, x, y} names exactly one recent move:
 * the oldest one after the last move that observer matched from that
 * mover (a per observer x mover table), since the server delivers each
 * mover's moves in order. The mover's own echo (or correction) answers its
 * oldest unanswered move, which tells accepted moves from rejected ones.
 * Chat and signal latencies are exact: the text carries the sender's seq.
 * All times come from CLOCK_MONOTONIC in this one process; a receive time
 * is when the read() that brought the frame returned.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>
#include <openssl/rand.h>

#include "bench.h"

#define RING 64		/* moves / chats / signals remembered per user */
#define RECENT 64	/* a walk never revisits its last RECENT targets (the whole ring) */
#define MAX_MATRIX 5000	/* users up to which the observer x mover table is kept */
#define GEN_WARN_PCT 70	/* generator CPU (% of a core) above which its figures are suspect */
#define MIN_OBSERVERS 30

enum phase { PH_CALM = 1, PH_STORM = 2, PH_AFTER = 3, NPHASE = 4 };
static const char *const phase_name[NPHASE] = { "all", "calm", "storm", "after" };

enum ustate { U_IDLE, U_CONNECTING, U_AUTH, U_WAIT_STORM, U_LOGIN, U_READY, U_DEAD };

struct move {
	uint32_t seq;
	int16_t x, y;
	uint8_t rejected;
	uint64_t t_ns;
};

struct user {
	struct cb_conn conn;
	int idx;
	int storm;			/* one of the login-storm users */
	int observer;			/* parses and times others' frames (else only counts them) */
	enum ustate state;
	char id[48];
	int x, y;			/* where this user will be once its moves are applied */
	int grid, tick_ms;
	struct event *move_ev, *chat_ev, *sig_ev;
	double next_w;			/* next movement window (fractional) */
	int phase_ms;
	uint32_t seq, answered;		/* last move sent; moves answered by echo/correction */
	struct move ring[RING];
	int recent[RECENT];
	int nrecent;
	uint32_t chat_seq, sig_seq;
	uint64_t chat_t[RING], sig_t[RING];
	uint64_t t_login_ns;
};

static struct {
	const char *label, *host, *scenario, *prefix, *seed, *password, *storm_prefix, *storm_seed, *json;
	int port, tls, pid, users, storm, storm_resume, concurrency, progress, auth;
	double rate, chat_rate, sig_rate, warmup, duration, storm_at, settle;
	double connect_timeout, observers;
	const char *notes;
} O = {
	.label = "server", .host = "127.0.0.1", .scenario = "move", .prefix = "bench",
	.seed = "chatgrid-bench", .password = "bench password 1", .storm_prefix = "storm",
	.storm_seed = "chatgrid-bench-storm",
	.port = 0, .users = 100, .concurrency = 200, .progress = 5, .auth = 1,
	.rate = 0, .warmup = 3, .duration = 20, .storm_at = 10, .settle = 3,
	.connect_timeout = 300, .observers = 0.1, .notes = "",
};

static struct event_base *base;
static struct cb_net net;
static struct user *U;
static int ntotal;			/* users + storm users */
static int next_start, inflight, nready, nstorm_ready, nfailed, ndropped;
static struct { char key[48]; int idx; } *idmap;
static size_t idcap;
static uint32_t *lastseq;		/* [observer * users + mover] */

static int measuring, phase;		/* phase 0: not counting */
static uint64_t t_connect0, t_connected, t_measure0, t_measure1, t_storm0, t_storm1;
static struct cb_hist H[NPHASE], Hecho, Hchat, Hsig, Hlogin;
static uint64_t frames_in0, frames_out0, frames_in1, frames_out1;
static uint64_t moves_sent, moves_rejected, moves_late, unmatched, sys_lines, joins, lefts;
static uint64_t err_msgs, storm_done, storm_failed, auth_failed;
static struct cb_proc P0, P1, Pbefore, G0, G1;
static int nobservers;
static long rss_peak_kb;
static struct event *clock_ev;
static int printed_errors;

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void send_fmt(struct user *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
note(const char *fmt, ...)
{
	va_list ap;

	if (printed_errors++ >= 10)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "chatgrid-bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

static double
secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

static uint32_t
rnd(void)
{
	static uint64_t s = 0;

	if (s == 0) {
		RAND_bytes((uint8_t *)&s, sizeof s);
		s |= 1;
	}
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (uint32_t)(s >> 11);
}

/* ---- connection ids ---- */

static uint64_t
fnv(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return h;
}

static void
id_put(const char *id, int idx)
{
	size_t i = fnv(id) & (idcap - 1);

	while (idmap[i].key[0] != '\0' && strcmp(idmap[i].key, id) != 0)
		i = (i + 1) & (idcap - 1);
	snprintf(idmap[i].key, sizeof idmap[i].key, "%s", id);
	idmap[i].idx = idx;
}

static int
id_get(const char *id)
{
	size_t i = fnv(id) & (idcap - 1);

	while (idmap[i].key[0] != '\0') {
		if (strcmp(idmap[i].key, id) == 0)
			return idmap[i].idx;
		i = (i + 1) & (idcap - 1);
	}
	return -1;
}

/* ---- sending ---- */

static void
send_fmt(struct user *u, const char *fmt, ...)
{
	char buf[600];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	cb_conn_send_text(&u->conn, buf, (size_t)n);
}

static int
recent_has(const struct user *u, int x, int y)
{
	int i;

	for (i = 0; i < u->nrecent && i < RECENT; i++)
		if (u->recent[i] == (x << 16 | y))
			return 1;
	return 0;
}

static void
do_move(struct user *u)
{
	static const int dx[8] = { -1, 0, 1, -1, 1, -1, 0, 1 }, dy[8] = { -1, -1, -1, 0, 0, 1, 1, 1 };
	int cand[8], nc = 0, i, x, y, pick;
	struct move *m;

	for (i = 0; i < 8; i++) {
		x = u->x + dx[i];
		y = u->y + dy[i];
		if (x >= 0 && y >= 0 && x < u->grid && y < u->grid && !recent_has(u, x, y))
			cand[nc++] = i;
	}
	if (nc == 0)
		for (i = 0; i < 8; i++) {
			x = u->x + dx[i];
			y = u->y + dy[i];
			if (x >= 0 && y >= 0 && x < u->grid && y < u->grid)
				cand[nc++] = i;
		}
	if (nc == 0)
		return;
	pick = cand[rnd() % (uint32_t)nc];
	x = u->x + dx[pick];
	y = u->y + dy[pick];
	u->recent[u->nrecent++ % RECENT] = x << 16 | y;
	u->seq++;
	m = &u->ring[u->seq % RING];
	m->seq = u->seq;
	m->x = (int16_t)x;
	m->y = (int16_t)y;
	m->rejected = 0;
	u->x = x;
	u->y = y;
	m->t_ns = cb_now_ns();
	send_fmt(u, "{\"type\":\"update_position\",\"x\":%d,\"y\":%d}", x, y);
	if (measuring)
		moves_sent++;
}

/* Arm the timer for the next movement window; windows follow the wall clock. */
static void
arm_move(struct user *u)
{
	uint64_t now = cb_wall_ms(), at;
	int64_t w = (int64_t)u->next_w;
	struct timeval tv;

	at = (uint64_t)w * (uint64_t)u->tick_ms + (uint64_t)u->phase_ms;
	at = at > now ? at - now : 0;
	tv.tv_sec = (time_t)(at / 1000);
	tv.tv_usec = (suseconds_t)(at % 1000) * 1000;
	event_add(u->move_ev, &tv);
}

static void
move_cb(evutil_socket_t fd, short what, void *arg)
{
	struct user *u = arg;
	uint64_t now = cb_wall_ms();
	int64_t w = (int64_t)(now / (uint64_t)u->tick_ms);
	uint64_t off = now % (uint64_t)u->tick_ms;
	double step = 1000.0 / O.rate / u->tick_ms;

	if (u->state != U_READY)
		return;
	if ((int64_t)u->next_w == w && off < (uint64_t)u->tick_ms * 85 / 100)
		do_move(u);
	else if (measuring)
		moves_late++;	/* the timer fired too late for its window: skip it */
	u->next_w += step < 1 ? 1 : step;
	if ((int64_t)u->next_w <= w)
		u->next_w = (double)(w + 1) + (u->next_w - floor(u->next_w));
	arm_move(u);
}

static void
start_moving(struct user *u)
{
	double step = 1000.0 / O.rate / u->tick_ms;

	if (step < 1)
		step = 1;
	u->phase_ms = u->tick_ms * 2 / 10 + (int)(rnd() % (uint32_t)(u->tick_ms * 5 / 10 + 1));
	u->next_w = (double)(cb_wall_ms() / (uint64_t)u->tick_ms + 1) + step * (rnd() % 1000) / 1000.0;
	u->move_ev = evtimer_new(base, move_cb, u);
	arm_move(u);
}

/* A repeating job at rate per second, each user at its own random phase. */
struct every {
	struct event *ev;
	double interval;
	void (*fn)(struct user *);
	struct user *u;
};

static void
every_arm(struct every *e, double delay)
{
	struct timeval tv;

	tv.tv_sec = (time_t)delay;
	tv.tv_usec = (suseconds_t)((delay - (double)tv.tv_sec) * 1e6);
	event_add(e->ev, &tv);
}

static void
every_cb(evutil_socket_t fd, short what, void *arg)
{
	struct every *e = arg;

	if (e->u->state != U_READY)
		return;
	e->fn(e->u);
	every_arm(e, e->interval);
}

static struct event *
periodic(struct user *u, double rate, void (*fn)(struct user *))
{
	struct every *e = calloc(1, sizeof *e);

	e->interval = 1.0 / rate;
	e->fn = fn;
	e->u = u;
	e->ev = evtimer_new(base, every_cb, e);
	every_arm(e, e->interval * (rnd() % 1000) / 1000.0);
	return e->ev;
}

static void
chat_cb(struct user *u)
{
	u->chat_seq++;
	u->chat_t[u->chat_seq % RING] = cb_now_ns();
	send_fmt(u, "{\"type\":\"chat_message\",\"message\":\"bench:%u\"}", u->chat_seq);
}

static void
sig_cb(struct user *u)
{
	struct user *t = u;
	int tries;

	if (O.users < 2)
		return;
	for (tries = 0; tries < 10; tries++) {
		t = &U[rnd() % (uint32_t)O.users];
		if (t != u && t->state == U_READY)
			break;
	}
	if (t == u || t->state != U_READY)
		return;
	u->sig_seq++;
	u->sig_t[u->sig_seq % RING] = cb_now_ns();
	send_fmt(u, "{\"type\":\"signal\",\"targetId\":\"%s\",\"sdp\":{\"type\":\"offer\",\"sdp\":\"bench:%u\"}}",
	    t->id, u->sig_seq);
}

/* ---- receiving ---- */

static void
sample(struct cb_hist *h, uint64_t ns, int main_hist)
{
	if (!measuring || phase == 0)
		return;
	if (main_hist) {
		cb_hist_add(&H[0], ns);
		if (phase > 0 && phase < NPHASE)
			cb_hist_add(&H[phase], ns);
	} else
		cb_hist_add(h, ns);
}

static void
own_position(struct user *u, int x, int y, uint64_t t)
{
	struct move *m;

	if (u->answered >= u->seq) {
		u->x = x;	/* not an answer to a move of ours */
		u->y = y;
		return;
	}
	u->answered++;
	m = &u->ring[u->answered % RING];
	if (m->seq != u->answered)
		return;
	if (m->x == x && m->y == y)
		sample(&Hecho, t - m->t_ns, 0);
	else {
		m->rejected = 1;
		if (measuring)
			moves_rejected++;
		if (u->answered == u->seq) {
			u->x = x;
			u->y = y;
		}
	}
}

static void
on_position(struct user *o, const char *p, size_t n, uint64_t t)
{
	const char *end = p + n;
	char id[48];
	long long x, y;
	int mi;
	struct user *m;
	uint32_t s, lo, *last = NULL;

	if (cb_json_str(cb_json_find(p, n, "id"), end, id, sizeof id) < 0 ||
	    cb_json_int(cb_json_find(p, n, "x"), end, &x) != 0 ||
	    cb_json_int(cb_json_find(p, n, "y"), end, &y) != 0)
		return;
	if ((mi = id_get(id)) < 0)
		return;
	m = &U[mi];
	if (m == o) {
		own_position(o, (int)x, (int)y, t);
		return;
	}
	if (o->storm || m->storm)
		return;		/* only the core users' deliveries are measured */
	if (lastseq != NULL)
		last = &lastseq[(size_t)o->idx * (size_t)O.users + (size_t)m->idx];
	lo = last != NULL ? *last + 1 : 1;
	if (m->seq >= RING && lo < m->seq - RING + 1)
		lo = m->seq - RING + 1;
	for (s = lo; s <= m->seq; s++) {
		struct move *e = &m->ring[s % RING];

		if (e->seq == s && e->x == x && e->y == y && !e->rejected) {
			if (last != NULL)
				*last = s;
			sample(NULL, t - e->t_ns, 1);
			return;
		}
	}
	if (measuring && phase != 0)
		unmatched++;
}

static void
on_text_seq(struct user *o, const char *p, size_t n, uint64_t t, int chat)
{
	const char *end = p + n, *v;
	char id[48];
	unsigned long seq;
	struct user *m;
	int mi;

	if (cb_json_str(cb_json_find(p, n, "senderId"), end, id, sizeof id) < 0 || (mi = id_get(id)) < 0)
		return;
	m = &U[mi];
	/* Our texts are "bench:<seq>" (a chat line, or the sdp string of a signal). */
	if (m == o || (v = memmem(p, n, "\"bench:", 7)) == NULL)
		return;
	seq = strtoul(v + 7, NULL, 10);
	if (chat) {
		if (seq + RING > m->chat_seq)
			sample(&Hchat, t - m->chat_t[seq % RING], 0);
	} else if (seq + RING > m->sig_seq)
		sample(&Hsig, t - m->sig_t[seq % RING], 0);
}

static void ramp(void);

static void
became_ready(struct user *u)
{
	u->state = U_READY;
	nready++;
	inflight--;
	if (u->storm) {
		storm_done++;
		cb_hist_add(&Hlogin, cb_now_ns() - u->t_login_ns);
		if (storm_done + storm_failed == (uint64_t)O.storm && t_storm1 == 0) {
			t_storm1 = cb_now_ns();
			phase = PH_AFTER;
			fprintf(stderr, "chatgrid-bench: storm over after %.2f s (%llu ok, %llu failed)\n",
			    secs(t_storm1 - t_storm0), (unsigned long long)storm_done,
			    (unsigned long long)storm_failed);
		}
		return;
	}
	if (nready == O.users && t_connected == 0)
		t_connected = cb_now_ns();
	ramp();
}

static void
on_welcome(struct user *u, const char *p, size_t n)
{
	const char *end = p + n;
	long long v;

	if (cb_json_str(cb_json_find(p, n, "id"), end, u->id, sizeof u->id) < 0) {
		note("welcome without an id");
		return;
	}
	if (cb_json_int(cb_json_find(p, n, "x"), end, &v) == 0)
		u->x = (int)v;
	if (cb_json_int(cb_json_find(p, n, "y"), end, &v) == 0)
		u->y = (int)v;
	u->grid = cb_json_int(cb_json_find(p, n, "gridSize"), end, &v) == 0 ? (int)v : 41;
	u->tick_ms = cb_json_int(cb_json_find(p, n, "movementTickMs"), end, &v) == 0 ? (int)v : 200;
	if (u->tick_ms <= 0)
		u->tick_ms = 200;
	id_put(u->id, u->idx);
	became_ready(u);
}

static void
send_auth(struct user *u)
{
	char tok[65], name[40];

	if (u->storm && O.storm_resume) {
		/* Logins without Argon2id: what the storm then costs is the world's welcome. */
		cb_token(O.storm_seed, u->idx - O.users, tok);
		u->t_login_ns = cb_now_ns();
		u->state = U_LOGIN;
		send_fmt(u, "{\"type\":\"auth_resume\",\"sessionToken\":\"%s\"}", tok);
		return;
	}
	if (u->storm) {
		cb_username(O.storm_prefix, u->idx - O.users, name);
		u->t_login_ns = cb_now_ns();
		u->state = U_LOGIN;
		send_fmt(u, "{\"type\":\"auth_login\",\"username\":\"%s\",\"password\":\"%s\"}", name, O.password);
		return;
	}
	cb_token(O.seed, u->idx, tok);
	u->state = U_AUTH;
	send_fmt(u, "{\"type\":\"auth_resume\",\"sessionToken\":\"%s\"}", tok);
}

/*
 * Whether an update_position names the receiving user itself (its echo or a
 * correction): the one thing a non-observer must parse, since it tells
 * accepted moves from rejected ones.
 */
static int
is_own(const struct user *u, const char *p, size_t n)
{
	const char *v = cb_json_find(p, n, "id");
	size_t l = strlen(u->id);

	return v != NULL && *v == '"' && (size_t)(p + n - v) > l + 1 && memcmp(v + 1, u->id, l) == 0 &&
	    v[l + 1] == '"';
}

static void
user_text(struct cb_conn *c, const char *p, size_t n, uint64_t t)
{
	struct user *u = c->arg;
	const char *end = p + n;
	char type[40], buf[200];

	if (cb_json_str(cb_json_find(p, n, "type"), end, type, sizeof type) < 0)
		return;
	switch (type[0]) {
	case 'u':
		if (strcmp(type, "update_position") == 0) {
			if (u->observer || is_own(u, p, n))
				on_position(u, p, n, t);
			return;
		}
		if (strcmp(type, "user_joined") == 0)
			joins++;
		else if (strcmp(type, "user_left") == 0)
			lefts++;
		return;
	case 'c':
		if (strcmp(type, "chat_message") == 0) {
			if (memmem(p, n, "\"system\":true", 13) != NULL)
				sys_lines++;
			else if (u->observer)
				on_text_seq(u, p, n, t, 1);
		}
		return;
	case 's':
		if (strcmp(type, "signal") == 0 && u->observer)
			on_text_seq(u, p, n, t, 0);
		return;
	case 'w':
		if (strcmp(type, "welcome") == 0 && u->state != U_READY)
			on_welcome(u, p, n);
		return;
	case 'a':
		if (strcmp(type, "auth_required") == 0) {
			if (u->state != U_CONNECTING)
				return;
			if (u->storm) {
				u->state = U_WAIT_STORM;
				nstorm_ready++;
				inflight--;
				ramp();
			} else if (!O.auth) {
				u->state = U_READY;
				nready++;
				inflight--;
				if (nready == O.users && t_connected == 0)
					t_connected = cb_now_ns();
				ramp();
			} else
				send_auth(u);
			return;
		}
		if (strcmp(type, "auth_result") == 0 && memmem(p, n, "\"ok\":false", 10) != NULL &&
		    (u->state == U_AUTH || u->state == U_LOGIN)) {
			cb_json_str(cb_json_find(p, n, "message"), end, buf, sizeof buf);
			note("user %d: authentication failed: %s", u->idx, buf);
			auth_failed++;
			if (u->storm) {
				storm_failed++;
				u->state = U_DEAD;
			}
		}
		return;
	case 'e':
		if (strcmp(type, "error") == 0) {
			err_msgs++;
			snprintf(buf, sizeof buf, "%.*s", (int)(n > 150 ? 150 : n), p);
			note("user %d: %s", u->idx, buf);
		}
		return;
	default:
		return;
	}
}

static void
user_open(struct cb_conn *c)
{
	(void)c;
}

static void
user_closed(struct cb_conn *c, int code, const char *why)
{
	struct user *u = c->arg;

	if (u->state == U_READY || u->state == U_WAIT_STORM) {
		ndropped++;
		note("user %d dropped: %d %s", u->idx, code, why);
	} else {
		nfailed++;
		note("user %d failed to connect: %d %s", u->idx, code, why);
		if (u->state != U_DEAD)
			inflight--;
		if (u->storm && u->state == U_LOGIN)
			storm_failed++;
	}
	u->state = U_DEAD;
	if (u->move_ev != NULL)
		event_del(u->move_ev);
	if (u->chat_ev != NULL)
		event_del(u->chat_ev);
	if (u->sig_ev != NULL)
		event_del(u->sig_ev);
	ramp();
}

static const struct cb_conn_cbs user_cbs = { user_open, user_text, user_closed };

static void
ramp(void)
{
	while (next_start < ntotal && inflight < O.concurrency) {
		struct user *u = &U[next_start++];

		u->state = U_CONNECTING;
		if (cb_conn_start(&net, &u->conn, &user_cbs, u) != 0) {
			nfailed++;
			u->state = U_DEAD;
			note("user %d: connect: %s", u->idx, strerror(errno));
			continue;
		}
		inflight++;
	}
}

/* ---- the run ---- */

static uint64_t
sum_frames_in(void)
{
	uint64_t s = 0;
	int i;

	for (i = 0; i < ntotal; i++)
		s += U[i].conn.frames_in;
	return s;
}

static uint64_t
sum_frames_out(void)
{
	uint64_t s = 0;
	int i;

	for (i = 0; i < ntotal; i++)
		s += U[i].conn.frames_out;
	return s;
}

/* idle: connect and stay; arrive: the same, everyone resuming a session at once. */
static int is_idle(void) { return strcmp(O.scenario, "idle") == 0 || strcmp(O.scenario, "arrive") == 0; }
static int is_storm(void) { return strcmp(O.scenario, "storm") == 0; }

static void finish(void);

static void
start_load(void)
{
	int i;

	for (i = 0; i < O.users; i++) {
		struct user *u = &U[i];

		if (u->state != U_READY)
			continue;
		if (O.rate > 0)
			start_moving(u);
		if (O.chat_rate > 0)
			u->chat_ev = periodic(u, O.chat_rate, chat_cb);
		if (O.sig_rate > 0)
			u->sig_ev = periodic(u, O.sig_rate, sig_cb);
	}
}

static void
begin_measure(void)
{
	measuring = 1;
	phase = PH_CALM;
	t_measure0 = cb_now_ns();
	cb_proc_read(O.pid, &P0);
	cb_proc_read((int)getpid(), &G0);
	frames_in0 = sum_frames_in();
	frames_out0 = sum_frames_out();
}

static void
storm_go(void)
{
	int i;

	t_storm0 = cb_now_ns();
	phase = PH_STORM;
	fprintf(stderr, "chatgrid-bench: login storm: %d logins at once\n", nstorm_ready);
	for (i = O.users; i < ntotal; i++)
		if (U[i].state == U_WAIT_STORM) {
			inflight++;
			send_auth(&U[i]);
		} else
			storm_failed++;
	if (storm_failed == (uint64_t)O.storm) {
		t_storm1 = cb_now_ns();
		phase = PH_AFTER;
	}
}

static void
clock_cb(evutil_socket_t fd, short what, void *arg)
{
	static uint64_t last_progress, last_fin, t_settled, t_load;
	static double last_gen;
	static int stage;	/* 0 connecting, 1 settling/warm-up, 2 measuring */
	uint64_t now = cb_now_ns();
	struct cb_proc p;

	cb_proc_read(O.pid, &p);
	if (p.rss_kb > rss_peak_kb)
		rss_peak_kb = p.rss_kb;
	if (O.progress > 0 && now - last_progress >= (uint64_t)O.progress * 1000000000ULL) {
		uint64_t fin = sum_frames_in();
		double dt = last_progress != 0 ? secs(now - last_progress) : 1;
		struct cb_proc g;

		cb_proc_read((int)getpid(), &g);

		fprintf(stderr, "chatgrid-bench: %s %s t=%.0fs ready %d/%d%s frames from server %.0f/s, "
		    "p99 %.2f ms over %llu samples, server rss %ld kB, generator %.0f %% of a core\n", O.label, O.scenario,
		    secs(now - t_connect0), nready, O.users,
		    O.storm > 0 ? (nstorm_ready > 0 ? " (+storm)" : "") : "",
		    last_progress != 0 ? (double)(fin - last_fin) / dt : 0.0,
		    (double)cb_hist_quantile(&H[0], 0.99) / 1e6, (unsigned long long)H[0].n, p.rss_kb,
		    last_progress != 0 ? 100.0 * (g.cpu_s - last_gen) / dt : 0.0);
		last_gen = g.cpu_s;
		last_progress = now;
		last_fin = fin;
	}
	switch (stage) {
	case 0:
		if ((next_start >= ntotal && inflight <= 0) ||
		    secs(now - t_connect0) > O.connect_timeout) {
			if (nready < O.users)
				note("only %d of %d users ready after %.0f s", nready, O.users, secs(now - t_connect0));
			if (t_connected == 0)
				t_connected = now;
			fprintf(stderr, "chatgrid-bench: %d users ready in %.2f s (%d failed)\n", nready,
			    secs(t_connected - t_connect0), nfailed);
			stage = 1;
			t_settled = now;
			if (!is_idle())
				start_load();
			t_load = now;
		}
		break;
	case 1:
		if (secs(now - t_load) >= (is_idle() ? O.settle : O.warmup)) {
			begin_measure();
			stage = 2;
		}
		(void)t_settled;
		break;
	case 2:
		if (is_storm()) {
			if (t_storm0 == 0 && secs(now - t_measure0) >= O.storm_at) {
				storm_go();
				break;
			}
			if (t_storm1 == 0 && t_storm0 != 0 && now > t_storm0 &&
			    secs(now - t_storm0) > O.connect_timeout) {
				note("storm did not finish in %.0f s", O.connect_timeout);
				t_storm1 = now;
				phase = PH_AFTER;
			}
			if (t_storm1 != 0 && now > t_storm1 && secs(now - t_storm1) >= O.storm_at)
				finish();
		} else if (secs(now - t_measure0) >= O.duration)
			finish();
		break;
	}
}

/* ---- output ---- */

static json_object *
hist_json(const struct cb_hist *h)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "p50", json_object_new_double(cb_hist_quantile(h, 0.50) / 1e6));
	json_object_object_add(o, "p95", json_object_new_double(cb_hist_quantile(h, 0.95) / 1e6));
	json_object_object_add(o, "p99", json_object_new_double(cb_hist_quantile(h, 0.99) / 1e6));
	json_object_object_add(o, "max", json_object_new_double(h->max_ns / 1e6));
	json_object_object_add(o, "mean", json_object_new_double(h->n ? (double)h->sum_ns / h->n / 1e6 : 0));
	json_object_object_add(o, "samples", json_object_new_int64((int64_t)h->n));
	return o;
}

static void
print_hist(const char *name, const struct cb_hist *h)
{
	if (h->n == 0)
		return;
	printf("  %-22s p50 %8.3f  p95 %8.3f  p99 %8.3f  max %8.3f ms  (%llu samples)\n", name,
	    cb_hist_quantile(h, 0.5) / 1e6, cb_hist_quantile(h, 0.95) / 1e6, cb_hist_quantile(h, 0.99) / 1e6,
	    h->max_ns / 1e6, (unsigned long long)h->n);
}

static void
finish(void)
{
	json_object *root, *params, *res, *mach;
	char cpu[256], date[64];
	int ncpu, i;
	double dur, cpu_s, gen_s;
	time_t tt = time(NULL);

	t_measure1 = cb_now_ns();
	frames_in1 = sum_frames_in();
	frames_out1 = sum_frames_out();
	cb_proc_read(O.pid, &P1);
	cb_proc_read((int)getpid(), &G1);
	measuring = 0;
	dur = secs(t_measure1 - t_measure0);
	cpu_s = P1.cpu_s - P0.cpu_s;
	gen_s = G1.cpu_s - G0.cpu_s;
	cb_machine(cpu, sizeof cpu, &ncpu);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&tt));

	root = json_object_new_object();
	json_object_object_add(root, "tool", json_object_new_string("chatgrid-bench"));
	json_object_object_add(root, "server", json_object_new_string(O.label));
	json_object_object_add(root, "scenario", json_object_new_string(O.scenario));
	json_object_object_add(root, "date", json_object_new_string(date));
	mach = json_object_new_object();
	json_object_object_add(mach, "cpu", json_object_new_string(cpu));
	json_object_object_add(mach, "cores", json_object_new_int(ncpu));
	json_object_object_add(root, "machine", mach);
	params = json_object_new_object();
	json_object_object_add(params, "users", json_object_new_int(O.users));
	json_object_object_add(params, "tls", json_object_new_boolean(O.tls));
	json_object_object_add(params, "auth", json_object_new_boolean(O.auth));
	json_object_object_add(params, "steps_per_s", json_object_new_double(O.rate));
	json_object_object_add(params, "chat_per_s", json_object_new_double(O.chat_rate));
	json_object_object_add(params, "signal_per_s", json_object_new_double(O.sig_rate));
	json_object_object_add(params, "storm_logins", json_object_new_int(O.storm));
	json_object_object_add(params, "warmup_s", json_object_new_double(O.warmup));
	json_object_object_add(params, "duration_s", json_object_new_double(O.duration));
	json_object_object_add(params, "grid", json_object_new_int(O.users > 0 ? U[0].grid : 0));
	json_object_object_add(params, "movement_tick_ms", json_object_new_int(O.users > 0 ? U[0].tick_ms : 0));
	json_object_object_add(params, "observers", json_object_new_int(nobservers));
	json_object_object_add(params, "notes", json_object_new_string(O.notes));
	json_object_object_add(root, "params", params);

	res = json_object_new_object();
	json_object_object_add(res, "connected", json_object_new_int(nready - (int)storm_done));
	json_object_object_add(res, "connect_s", json_object_new_double(secs(t_connected - t_connect0)));
	json_object_object_add(res, "errors", json_object_new_int64((int64_t)(nfailed + ndropped + err_msgs + auth_failed)));
	json_object_object_add(res, "dropped", json_object_new_int(ndropped));
	json_object_object_add(res, "measured_s", json_object_new_double(dur));
	if (!is_idle()) {
		json_object_object_add(res, "latency_ms", hist_json(&H[0]));
		if (is_storm())
			for (i = 1; i < NPHASE; i++) {
				char k[40];

				snprintf(k, sizeof k, "latency_%s_ms", phase_name[i]);
				json_object_object_add(res, k, hist_json(&H[i]));
			}
		json_object_object_add(res, "echo_ms", hist_json(&Hecho));
		if (Hchat.n > 0)
			json_object_object_add(res, "chat_latency_ms", hist_json(&Hchat));
		if (Hsig.n > 0)
			json_object_object_add(res, "signal_latency_ms", hist_json(&Hsig));
		if (is_storm()) {
			json_object_object_add(res, "login_ms", hist_json(&Hlogin));
			json_object_object_add(res, "storm_s", json_object_new_double(
			    t_storm1 > t_storm0 ? secs(t_storm1 - t_storm0) : 0));
			json_object_object_add(res, "storm_failed", json_object_new_int64((int64_t)storm_failed));
		}
	}
	json_object_object_add(res, "frames_in_per_s", json_object_new_double((double)(frames_out1 - frames_out0) / dur));
	json_object_object_add(res, "frames_out_per_s", json_object_new_double((double)(frames_in1 - frames_in0) / dur));
	json_object_object_add(res, "server_cpu_s", json_object_new_double(cpu_s));
	json_object_object_add(res, "server_cpu_pct", json_object_new_double(100.0 * cpu_s / dur));
	json_object_object_add(res, "frames_out_per_cpu_s", json_object_new_double(
	    cpu_s > 0 ? (double)(frames_in1 - frames_in0) / cpu_s : 0));
	json_object_object_add(res, "generator_cpu_s", json_object_new_double(gen_s));
	json_object_object_add(res, "generator_cpu_pct", json_object_new_double(100.0 * gen_s / dur));
	json_object_object_add(res, "generator_bound", json_object_new_boolean(100.0 * gen_s / dur > GEN_WARN_PCT));
	json_object_object_add(res, "server_rss_kb", json_object_new_int64(P1.rss_kb));
	/* Sampled every 100 ms during this run; VmHWM also holds start-up (the dummy argon2 hash). */
	json_object_object_add(res, "server_rss_peak_kb", json_object_new_int64(rss_peak_kb));
	json_object_object_add(res, "server_hwm_kb", json_object_new_int64(P1.hwm_kb));
	if (is_idle()) {
		long delta = P0.rss_kb - Pbefore.rss_kb;

		json_object_object_add(res, "server_rss_before_kb", json_object_new_int64(Pbefore.rss_kb));
		json_object_object_add(res, "mem_per_conn_bytes", json_object_new_double(
		    nready > 0 ? (double)delta * 1024.0 / nready : 0));
	} else {
		json_object_object_add(res, "moves_sent", json_object_new_int64((int64_t)moves_sent));
		json_object_object_add(res, "moves_rejected", json_object_new_int64((int64_t)moves_rejected));
		json_object_object_add(res, "moves_late", json_object_new_int64((int64_t)moves_late));
		json_object_object_add(res, "unmatched", json_object_new_int64((int64_t)unmatched));
	}
	json_object_object_add(root, "results", res);

	/* the table */
	printf("== %s: %s (%d users%s%s) on %s, %d cores, %s\n", O.label, O.scenario, O.users,
	    O.tls ? ", TLS" : "", O.auth ? "" : ", no auth", cpu, ncpu, date);
	printf("  parameters: %.3g steps/s, chat %.3g/s, signal %.3g/s, grid %d, window %d ms, storm %d, "
	    "measured %.1f s, %d observers %s\n", O.rate, O.chat_rate, O.sig_rate, U[0].grid, U[0].tick_ms, O.storm,
	    dur, nobservers, O.notes);
	printf("  connected %d in %.2f s; failed %d, dropped %d, error messages %llu\n", nready - (int)storm_done,
	    secs(t_connected - t_connect0), nfailed, ndropped, (unsigned long long)(err_msgs + auth_failed));
	if (!is_idle()) {
		print_hist("update_position", &H[0]);
		if (is_storm()) {
			print_hist("  calm (before)", &H[PH_CALM]);
			print_hist("  during the storm", &H[PH_STORM]);
			print_hist("  after", &H[PH_AFTER]);
			print_hist("login (storm)", &Hlogin);
			printf("  storm: %llu logins in %.2f s, %llu failed\n", (unsigned long long)storm_done,
			    t_storm1 > t_storm0 ? secs(t_storm1 - t_storm0) : 0.0, (unsigned long long)storm_failed);
		}
		print_hist("echo to the mover", &Hecho);
		print_hist("chat_message", &Hchat);
		print_hist("signal", &Hsig);
		printf("  moves sent %llu, rejected %llu, skipped late %llu, unmatched deliveries %llu\n",
		    (unsigned long long)moves_sent, (unsigned long long)moves_rejected,
		    (unsigned long long)moves_late, (unsigned long long)unmatched);
	}
	printf("  frames to the server %.0f/s, from the server %.0f/s\n", (double)(frames_out1 - frames_out0) / dur,
	    (double)(frames_in1 - frames_in0) / dur);
	printf("  server CPU %.2f s (%.1f %% of a core), %.0f frames out per CPU second\n", cpu_s,
	    100.0 * cpu_s / dur, cpu_s > 0 ? (double)(frames_in1 - frames_in0) / cpu_s : 0.0);
	printf("  generator CPU %.2f s (%.1f %% of a core)%s\n", gen_s, 100.0 * gen_s / dur,
	    100.0 * gen_s / dur > GEN_WARN_PCT ?
	    "  WARNING: the generator is near its limit: latencies may be its own queue" : "");
	printf("  server RSS %ld kB, peak during the run %ld kB (VmHWM %ld kB)", P1.rss_kb, rss_peak_kb, P1.hwm_kb);
	if (is_idle())
		printf("; before connecting %ld kB: %.0f bytes per connection",
		    Pbefore.rss_kb, nready > 0 ? (double)(P0.rss_kb - Pbefore.rss_kb) * 1024.0 / nready : 0.0);
	printf("\n");
	fflush(stdout);
	if (O.json != NULL && json_object_to_file_ext(O.json, root, JSON_C_TO_STRING_PRETTY) != 0)
		fprintf(stderr, "chatgrid-bench: cannot write %s\n", O.json);
	json_object_put(root);
	exit(ndropped > 0 || nready < O.users ? 3 : 0);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: chatgrid-bench run --port N [options]\n"
	    "  --host ADDR          server address (127.0.0.1; loopback only)\n"
	    "  --tls                wss:// (no certificate check)\n"
	    "  --pid PID            the server's process, for CPU and memory from /proc\n"
	    "  --label NAME         server name in the output (chatgridd, baseline)\n"
	    "  --scenario S         idle | arrive | move | chat | signal | mix | storm\n"
	    "  --users N            simulated users (authenticated with sessions from setup)\n"
	    "  --rate R             steps per second per user (one per movement window at most)\n"
	    "  --chat-rate R        chat messages per second per user\n"
	    "  --signal-rate R      signals per second per user (to a random other user)\n"
	    "  --no-auth            idle: stop at auth_required\n"
	    "  --storm N            storm: N password logins at once (accounts STORMPREFIX_00000..)\n"
	    "  --storm-at S         storm: seconds of calm before the storm, and after it\n"
	    "  --storm-resume       storm: the logins resume sessions (setup --seed STORMSEED) instead of\n"
	    "                       passwords, so no Argon2id: the storm measures the welcomes\n"
	    "  --storm-seed SEED    the storm accounts' session seed (chatgrid-bench-storm)\n"
	    "  --warmup S --duration S --settle S --concurrency N --progress S\n"
	    "  --prefix P --storm-prefix P --seed SEED --password PW   (as given to setup)\n"
	    "  --observers F        fraction of users that parse and time others' frames (0.1;\n"
	    "                       at least 30); the rest only count them and check their own echo\n"
	    "  --json FILE          write the results as JSON\n"
	    "  --notes TEXT         free text recorded with the parameters\n");
	exit(2);
}

static int
run_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "host", required_argument, NULL, 'h' }, { "port", required_argument, NULL, 'p' },
		{ "tls", no_argument, NULL, 'T' }, { "pid", required_argument, NULL, 'i' },
		{ "label", required_argument, NULL, 'l' }, { "scenario", required_argument, NULL, 's' },
		{ "users", required_argument, NULL, 'u' }, { "rate", required_argument, NULL, 'r' },
		{ "chat-rate", required_argument, NULL, 'c' }, { "signal-rate", required_argument, NULL, 'g' },
		{ "no-auth", no_argument, NULL, 'N' }, { "storm", required_argument, NULL, 'S' },
		{ "storm-at", required_argument, NULL, 'a' }, { "warmup", required_argument, NULL, 'w' },
		{ "duration", required_argument, NULL, 'd' }, { "settle", required_argument, NULL, 'e' },
		{ "concurrency", required_argument, NULL, 'C' }, { "progress", required_argument, NULL, 'P' },
		{ "prefix", required_argument, NULL, 'x' }, { "storm-prefix", required_argument, NULL, 'X' },
		{ "seed", required_argument, NULL, 'k' }, { "password", required_argument, NULL, 'W' },
		{ "json", required_argument, NULL, 'j' }, { "notes", required_argument, NULL, 'n' },
		{ "connect-timeout", required_argument, NULL, 't' },
		{ "observers", required_argument, NULL, 'o' },
		{ "storm-resume", no_argument, NULL, 'R' }, { "storm-seed", required_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	struct rlimit rl;
	struct timeval tv = { 0, 100000 };
	int ch, i, want, every;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (ch) {
		case 'h': O.host = optarg; break;
		case 'p': O.port = atoi(optarg); break;
		case 'T': O.tls = 1; break;
		case 'i': O.pid = atoi(optarg); break;
		case 'l': O.label = optarg; break;
		case 's': O.scenario = optarg; break;
		case 'u': O.users = atoi(optarg); break;
		case 'r': O.rate = atof(optarg); break;
		case 'c': O.chat_rate = atof(optarg); break;
		case 'g': O.sig_rate = atof(optarg); break;
		case 'N': O.auth = 0; break;
		case 'S': O.storm = atoi(optarg); break;
		case 'a': O.storm_at = atof(optarg); break;
		case 'w': O.warmup = atof(optarg); break;
		case 'd': O.duration = atof(optarg); break;
		case 'e': O.settle = atof(optarg); break;
		case 'C': O.concurrency = atoi(optarg); break;
		case 'P': O.progress = atoi(optarg); break;
		case 'x': O.prefix = optarg; break;
		case 'X': O.storm_prefix = optarg; break;
		case 'k': O.seed = optarg; break;
		case 'W': O.password = optarg; break;
		case 'j': O.json = optarg; break;
		case 'n': O.notes = optarg; break;
		case 't': O.connect_timeout = atof(optarg); break;
		case 'o': O.observers = atof(optarg); break;
		case 'R': O.storm_resume = 1; break;
		case 'K': O.storm_seed = optarg; break;
		default: usage();
		}
	}
	if (O.port <= 0 || O.users <= 0 || O.users > 100000 || O.concurrency < 1 || O.observers <= 0 ||
	    O.observers > 1)
		usage();
	if (strcmp(O.host, "127.0.0.1") != 0 && strncmp(O.host, "127.", 4) != 0) {
		fprintf(stderr, "chatgrid-bench: loopback addresses only\n");
		return 2;
	}
	if (!is_storm())
		O.storm = 0;
	if (is_storm() && O.rate <= 0)
		O.rate = 5;
	if (strcmp(O.scenario, "chat") == 0 && O.chat_rate <= 0)
		O.chat_rate = 1;
	if (strcmp(O.scenario, "signal") == 0 && O.sig_rate <= 0)
		O.sig_rate = 1;
	if (strcmp(O.scenario, "move") == 0 && O.rate <= 0)
		O.rate = 5;
	if (strcmp(O.scenario, "mix") == 0 && O.rate + O.chat_rate + O.sig_rate <= 0) {
		O.rate = 2;
		O.chat_rate = 0.2;
		O.sig_rate = 0.5;
	}
	ntotal = O.users + O.storm;
	/* Descriptors: one per user plus slack; raise the soft limit to the hard one. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)ntotal + 64) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < (rlim_t)ntotal + 64) {
			fprintf(stderr, "chatgrid-bench: need %d descriptors, the limit is %llu\n", ntotal + 64,
			    (unsigned long long)rl.rlim_cur);
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	U = calloc((size_t)ntotal, sizeof *U);
	for (idcap = 1024; idcap < (size_t)ntotal * 4; idcap *= 2)
		;
	idmap = calloc(idcap, sizeof *idmap);
	if (O.users <= MAX_MATRIX && !is_idle())
		lastseq = calloc((size_t)O.users * (size_t)O.users, sizeof *lastseq);
	if (U == NULL || idmap == NULL) {
		fprintf(stderr, "chatgrid-bench: out of memory\n");
		return 1;
	}
	/* Observers spread evenly over the users (every k-th), at least MIN_OBSERVERS. */
	want = (int)ceil(O.observers * O.users);
	if (want < MIN_OBSERVERS)
		want = MIN_OBSERVERS;
	if (want > O.users)
		want = O.users;
	every = O.users / want;
	for (i = 0; i < ntotal; i++) {
		U[i].idx = i;
		U[i].storm = i >= O.users;
		U[i].observer = !U[i].storm && i % every == 0 && nobservers < want;
		nobservers += U[i].observer;
		U[i].grid = 41;
		U[i].tick_ms = 200;
		U[i].conn.fd = -1;
	}
	base = event_base_new();
	if (cb_net_init(&net, base, O.host, O.port, O.tls) != 0) {
		fprintf(stderr, "chatgrid-bench: TLS setup failed\n");
		return 1;
	}
	cb_proc_read(O.pid, &Pbefore);
	if (O.pid > 0 && !Pbefore.ok)
		fprintf(stderr, "chatgrid-bench: cannot read /proc/%d\n", O.pid);
	rss_peak_kb = Pbefore.rss_kb;
	clock_ev = event_new(base, -1, EV_PERSIST, clock_cb, NULL);
	event_add(clock_ev, &tv);
	t_connect0 = cb_now_ns();
	ramp();
	event_base_dispatch(base);
	return 1;
}

/* `probe --port N [--timeout-ms T]`: wait until something accepts on the port. */
static int
probe_main(int argc, char **argv)
{
	struct sockaddr_in sin;
	int port = 0, timeout = 10000, i, fd;
	uint64_t t0 = cb_now_ns();

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--port") == 0)
			port = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--timeout-ms") == 0)
			timeout = atoi(argv[i + 1]);
	}
	if (port <= 0)
		return 2;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	while ((cb_now_ns() - t0) / 1000000 < (uint64_t)timeout) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0) {
			close(fd);
			return 0;
		}
		if (fd >= 0)
			close(fd);
		usleep(50000);
	}
	return 1;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "probe") == 0)
		return probe_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return run_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "setup") == 0)
		return cb_setup_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "items") == 0)
		return cb_items_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "compare") == 0)
		return cb_compare_main(argc - 1, argv + 1);
	fprintf(stderr, "usage: chatgrid-bench run|setup|compare ... (run --help for options)\n");
	return 2;
}

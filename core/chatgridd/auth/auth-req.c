/*
 * auth-req.c: one authentication request's life: the dummy hash verified
 * for unknown usernames (recomputed on a worker thread when the costs
 * change), password hashing on worker threads through the hashing line,
 * failure after a random delay, success and activation, rate limits.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "auth-int.h"
#include "auth.h"
#include "authq.h"
#include "cfg.h"
#include "clock.h"
#include "daemon.h"
#include "db/db.h"
#include "log.h"
#include "metrics.h"
#include "net/client.h"
#include "net/ratelimit.h"
#include "password.h"
#include "perm.h"
#include "policy.h"
#include "session.h"
#include "tick.h"
#include "worker.h"
#include "xmalloc.h"

char auth_dummy_hash[PASSWORD_ENCODED_MAX];
static int dummy_busy;		/* a recomputation is on a worker thread */
static int dummy_stale;		/* the costs changed: recompute when a thread takes it */

/* A hash of a random password at p into out; 0 or -1. */
static int
dummy_compute(const struct password_params *p, char out[PASSWORD_ENCODED_MAX])
{
	uint8_t junk[16];
	char pw[40];
	int i;

	if (RAND_bytes(junk, sizeof junk) != 1)
		return -1;
	for (i = 0; i < 16; i++)
		snprintf(pw + 2 * i, 3, "%02x", junk[i]);
	return password_hash(pw, p, out);
}

static void
dummy_log(void)
{
	char params[64] = "?";

	/* "$argon2id$v=19$m=...,t=...,p=...$salt$hash": the parameters, not the salt. */
	(void)sscanf(auth_dummy_hash, "$argon2id$v=%*u$%63[^$]", params);
	log_notice("dummy password hash for unknown usernames: argon2id %s", params);
}

void
auth_prepare_dummy(void)
{
	struct password_params p;
	uint64_t t0 = clock_mono_ms();

	password_params_from_cfg(cfg, &p);
	if (dummy_compute(&p, auth_dummy_hash) != 0)
		fatalx("cannot compute the dummy password hash");
	/* The first measured hash seeds the "try again in N s" estimates. */
	authq_reset_cost(clock_mono_ms() - t0);
	dummy_log();
}

struct dummy_job {
	struct password_params p;
	char hash[PASSWORD_ENCODED_MAX];
	int rc;
	uint64_t ms;		/* what it took: the new cost of a hash */
};

static void
dummy_work(void *arg)
{
	struct dummy_job *j = arg;
	uint64_t t0 = clock_mono_ms();

	j->rc = dummy_compute(&j->p, j->hash);
	j->ms = clock_mono_ms() - t0;
}

static void dummy_refresh(void);

static void
dummy_done(void *arg)
{
	struct dummy_job *j = arg;
	struct password_params now;

	dummy_busy = 0;
	password_params_from_cfg(cfg, &now);
	if (j->rc == 0 && memcmp(&now, &j->p, sizeof now) == 0) {
		memcpy(auth_dummy_hash, j->hash, sizeof auth_dummy_hash);
		/* The estimates start from the new cost rather than creep towards it. */
		authq_reset_cost(j->ms);
		dummy_log();
	} else
		dummy_stale = 1;	/* failed, or the costs changed again meanwhile */
	OPENSSL_cleanse(j, sizeof *j);
	free(j);
	dummy_refresh();
}

/*
 * Recompute the dummy on a thread when the costs changed, so unknown
 * usernames keep costing what a real account's verify costs. Until then
 * the old one is used. A full queue is retried by the tick.
 */
static void
dummy_refresh(void)
{
	struct password_params p;
	struct dummy_job *j;

	password_params_from_cfg(cfg, &p);
	if (password_needs_rehash(auth_dummy_hash, &p))
		dummy_stale = 1;
	if (!dummy_stale || dummy_busy)
		return;
	j = xcalloc(1, sizeof *j);
	j->p = p;
	if (worker_submit(dummy_work, dummy_done, j) != 0) {
		free(j);
		return;
	}
	dummy_stale = 0;
	dummy_busy = 1;
}

void
auth_reload(void)
{
	dummy_refresh();
}

void
auth_dummy_tick(uint64_t now, void *arg)
{
	if (dummy_stale)
		dummy_refresh();
}

/* --- request life --- */

struct auth_req *
auth_req_new(struct client *c, enum auth_kind kind)
{
	struct auth_req *r = xcalloc(1, sizeof *r);

	r->c = c;
	r->kind = kind;
	client_ref(c);
	client_hold(c);
	c->session->auth_req = r;
	password_params_from_cfg(cfg, &r->params);
	return r;
}

static void
req_free(struct auth_req *r)
{
	struct client *c = r->c;

	if (c->session->auth_req == r)
		c->session->auth_req = NULL;
	OPENSSL_cleanse(r->password, sizeof r->password);
	OPENSSL_cleanse(r->token, sizeof r->token);
	OPENSSL_cleanse(r->stored_hash, sizeof r->stored_hash);
	free(r);
	client_unhold(c);
	client_unref(c);
}

int
auth_req_dead(struct auth_req *r)
{
	if (r->c->state == CS_DEAD || r->c->state == CS_CLOSING) {
		req_free(r);
		return 1;
	}
	return 0;
}

static void
fail_now(evutil_socket_t fd, short what, void *arg)
{
	struct auth_req *r = arg;

	if (auth_req_dead(r))
		return;
	log_info("%s (%s): authentication failed: %s", r->c->id, r->c->ip, r->message);
	if (r->retry_s > 0) {
		struct json_object *o = auth_result(0, r->message);

		json_object_object_add(o, "retryAfterS", json_object_new_int(r->retry_s));
		json_object_object_add(o, "authPolicy", policy_json(cfg));
		client_send_json(r->c, o);
	} else
		auth_send_fail(r->c, r->message);
	if (r->kind == AK_COOKIE)
		auth_send_auth_required(r->c);
	req_free(r);
}

/* Answer a failure after a random delay, so timing says little. */
void
auth_req_fail(struct auth_req *r, const char *message, int count_it)
{
	struct timeval tv;
	int lo = cfg->auth_jitter_min_ms, hi = cfg->auth_jitter_max_ms;
	uint32_t rnd = 0;
	int ms;

	snprintf(r->message, sizeof r->message, "%s", message);
	if (count_it)
		ratelimit_fail(r->c->ip, r->identity, tick_mono_ms());
	RAND_bytes((uint8_t *)&rnd, sizeof rnd);
	ms = lo + (hi > lo ? (int)(rnd % (uint32_t)(hi - lo + 1)) : 0);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (event_base_once(cg_base, -1, EV_TIMEOUT, fail_now, r, &tv) != 0)
		fail_now(-1, 0, r);
}

/*
 * A database failure: an outage is said as such; anything else is a server
 * error. Neither is the user's failure, so neither counts against the name
 * or the address: a database stall must not lock real users out afterwards.
 */
void
auth_req_fail_db(struct auth_req *r, const char *error, const char *server_error)
{
	log_warn("%s: %s failed: %s", r->c->id, r->kind == AK_REGISTER ? "registration" : "authentication",
	    error);
	auth_req_fail(r, db_error_unavailable() ? DB_USER_MESSAGE : server_error, 0);
}

/*
 * The key an address is admitted under: an IPv4 address itself, an IPv6
 * address's /64 (one subscriber's usual allocation, which one machine can
 * spread its requests over).
 */
void
auth_addr_key(const char *ip, char *out, size_t len)
{
	unsigned char a[16];
	char buf[INET6_ADDRSTRLEN];

	snprintf(out, len, "%s", ip);
	if (inet_pton(AF_INET6, ip, a) != 1 || IN6_IS_ADDR_V4MAPPED((struct in6_addr *)a))
		return;
	memset(a + 8, 0, 8);
	if (inet_ntop(AF_INET6, a, buf, sizeof buf) != NULL)
		snprintf(out, len, "%s/64", buf);
}

/*
 * Put r's hash in line. A refusal (this address has enough in line, or the
 * queue is full) is answered at once as busy, with when to try again; it
 * is nobody's failure and is not counted. Returns 0 when queued.
 */
int
auth_req_hash(struct auth_req *r, worker_work_fn work, worker_done_fn done)
{
	char msg[128], key[INET6_ADDRSTRLEN + 4];
	int retry_s = 1;

	auth_addr_key(r->c->ip, key, sizeof key);
	switch (authq_submit(&r->q, key, work, done, r, &retry_s)) {
	case AQ_OK:
		return 0;
	case AQ_ADDRESS_BUSY:
		log_notice("%s (%s): %d password hashes of this address in line; refused as busy",
		    r->c->id, r->c->ip, cfg->auth_hash_ip_limit);
		metrics_admission_refused(MA_ADDRESS_BUSY);
		snprintf(msg, sizeof msg, "Too many sign-ins in progress from your address. "
		    "Try again in %d s.", retry_s);
		break;
	case AQ_FULL:
	default:
		log_warn("%s (%s): the password hashing queue is full; refused as busy", r->c->id,
		    r->c->ip);
		metrics_admission_refused(MA_QUEUE_FULL);
		snprintf(msg, sizeof msg, "Server busy. Try again in %d s.", retry_s);
		break;
	}
	r->retry_s = retry_s;
	auth_req_fail(r, msg, 0);
	return -1;
}

/* From a hash job's done: out of line, and the measured cost is noted. */
void
auth_req_hashed(struct auth_req *r)
{
	authq_done(&r->q, r->work_ms);
}

/* Tell a client whose hash waits for a thread where it stands (authq announce). */
void
auth_req_queued(void *arg, int position, int eta_s)
{
	struct auth_req *r = arg;
	struct json_object *o;

	if (r->c->state != CS_WS)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("auth_queued"));
	json_object_object_add(o, "position", json_object_new_int(position));
	json_object_object_add(o, "etaSeconds", json_object_new_int(eta_s));
	client_send_json(r->c, o);
}

/* A held connection has gone: its hash, if it still waits, is never run. */
void
auth_client_gone(struct client *c)
{
	struct auth_req *r = c->session->auth_req;

	if (r != NULL && r->q.queued)
		authq_cancel(&r->q);
}

void
auth_req_succeed(struct auth_req *r)
{
	struct client *c = r->c;
	struct json_object *o;
	int i;

	ratelimit_clear(c->ip, r->identity);
	c->session->authed = 1;
	snprintf(c->session->username, sizeof c->session->username, "%s", r->username);
	snprintf(c->session->role, sizeof c->session->role, "%s", r->role);
	c->session->perms = perm_mask_from_list(r->perms);
	snprintf(c->session->token_hash, sizeof c->session->token_hash, "%s", r->token_hash);
	snprintf(c->session->saved_nickname, sizeof c->session->saved_nickname, "%s",
	    r->nickname[0] != '\0' ? r->nickname : r->username);
	c->session->saved_x = r->x;
	c->session->saved_y = r->y;
	c->session->has_saved_pos = r->has_pos;
	c->session->account_id = r->account_id;
	c->session->mute_chat_until_ms = r->mute_chat_ms;
	c->session->mute_voice_until_ms = r->mute_voice_ms;
	log_notice("%s (%s): authenticated as %s (%s) by %s", c->id, c->ip, c->session->username, c->session->role,
	    r->kind == AK_LOGIN ? "password" : r->kind == AK_REGISTER ? "registration" :
	    r->kind == AK_COOKIE ? "cookie" : "session token");

	o = auth_result(1, "Authenticated.");
	/*
	 * A cookie resume does not echo the token: the cookie is HttpOnly so
	 * that page script cannot read it, and a page on our origin could
	 * otherwise learn it from this reply (issue 13).
	 */
	if (r->kind != AK_COOKIE)
		json_object_object_add(o, "sessionToken", json_object_new_string(r->token));
	json_object_object_add(o, "username", json_object_new_string(c->session->username));
	json_object_object_add(o, "role", json_object_new_string(c->session->role));
	json_object_object_add(o, "permissions", perm_json_array(auth_effective_perms(c)));
	json_object_object_add(o, "adminMenuActions", perm_admin_menu(c->session->perms));
	json_object_object_add(o, "nickname", json_object_new_string(c->session->saved_nickname));
	json_object_object_add(o, "authPolicy", policy_json(cfg));
	client_send_json(c, o);
	for (i = 0; i < auth_nactivate && c->state == CS_WS; i++)
		auth_activate_fns[i](c);
	req_free(r);
}

void
auth_copy_col(const PGresult *res, int col, char *out, size_t len)
{
	snprintf(out, len, "%s", PQgetisnull(res, 0, col) ? "" : PQgetvalue(res, 0, col));
}

void
auth_copy_state(struct auth_req *r, const PGresult *res, int nick, int x, int y)
{
	auth_copy_col(res, nick, r->nickname, sizeof r->nickname);
	r->has_pos = !PQgetisnull(res, 0, x) && !PQgetisnull(res, 0, y);
	if (r->has_pos) {
		r->x = atoi(PQgetvalue(res, 0, x));
		r->y = atoi(PQgetvalue(res, 0, y));
	}
}

void
auth_copy_mutes(struct auth_req *r, const PGresult *res, int col)
{
	r->mute_chat_ms = strtoull(PQgetvalue(res, 0, col), NULL, 10);
	r->mute_voice_ms = strtoull(PQgetvalue(res, 0, col + 1), NULL, 10);
}

/* --- preamble shared by login, register and resume --- */

int
auth_preamble(struct client *c, const char *identity)
{
	if (c->session->authed) {
		auth_send_fail(c, "Already authenticated.");
		return -1;
	}
	return 0;
}

/* Rate limited: the credential check is not run, and this is not a new failure. */
int
auth_limited(struct auth_req *r)
{
	if (!ratelimit_blocked(r->c->ip, r->identity, tick_mono_ms()))
		return 0;
	log_notice("%s (%s): authentication rate limited for %s", r->c->id, r->c->ip, r->identity);
	auth_req_fail(r, "Too many authentication attempts. Try again shortly.", 0);
	return 1;
}

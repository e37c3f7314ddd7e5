/*
 * auth.c: authentication flows. Each request runs as a small state machine:
 * database lookups on the loop (db.c), password hashing on worker threads
 * (worker.c, admitted by authq.c), and a random delay before any failure
 * is answered. While a flow runs the connection is held: its messages wait
 * in order, while pings and pongs are still read (a hash may wait long).
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "auth.h"
#include "authq.h"
#include "cfg.h"
#include "clock.h"
#include "daemon.h"
#include "db/db.h"
#include "log.h"
#include "metrics.h"
#include "net/client.h"
#include "net/http.h"
#include "net/ratelimit.h"
#include "net/webver.h"
#include "password.h"
#include "perm.h"
#include "policy.h"
#include "proto/proto.h"
#include "session.h"
#include "tick.h"
#include "worker.h"
#include "xmalloc.h"

/* The messages of this part (at the end of this file), registered by auth_init. */
extern const struct proto_msg proto_auth_msgs[];

enum auth_kind {
	AK_LOGIN,
	AK_REGISTER,
	AK_RESUME,		/* auth_resume message */
	AK_COOKIE,		/* cookie on the WebSocket handshake */
};

/* One authentication in flight. Owns a reference on c. */
struct auth_req {
	struct client *c;
	enum auth_kind kind;
	char identity[160];	/* rate-limit identity: username or "resume" */
	char username[129];
	char password[257];
	char email[321];
	int has_email;
	char token[513];	/* the session token handed to the client */
	char token_hash[65];

	/* login */
	int64_t account_id;
	int found, disabled, verified;
	char stored_hash[PASSWORD_ENCODED_MAX];
	char new_hash[PASSWORD_ENCODED_MAX];
	struct password_params params;
	struct authq_entry q;	/* in the hashing line while q.queued */
	uint64_t work_ms;	/* what the hash took on its thread */
	int retry_s;		/* a "busy" refusal: retryAfterS */

	/* the outcome */
	char role[33];
	char perms[1024];
	char nickname[129];
	int x, y, has_pos;
	uint64_t mute_chat_ms, mute_voice_ms;
	char message[256];
};

static uint8_t secret[32];
/* Verified against for unknown usernames; read on the loop only (copied into requests). */
static char dummy_hash[PASSWORD_ENCODED_MAX];
static int dummy_busy;		/* a recomputation is on a worker thread */
static int dummy_stale;		/* the costs changed: recompute when a thread takes it */
static void (**activate_fns)(struct client *);
static int nactivate;

void
auth_set_secret(const uint8_t key[32])
{
	memcpy(secret, key, sizeof secret);
}

void
auth_on_activate(void (*fn)(struct client *))
{
	activate_fns = xreallocarray(activate_fns, (size_t)nactivate + 1, sizeof *activate_fns);
	activate_fns[nactivate++] = fn;
}

void
auth_token_hash(const char *token, char out[65])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned len = 0, i;

	HMAC(EVP_sha256(), secret, sizeof secret, (const uint8_t *)token, strlen(token), md, &len);
	for (i = 0; i < len && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}

/* 48 random bytes, base64url without padding: 64 characters. */
static void
new_token(char out[65])
{
	uint8_t raw[48];
	char b64[70];
	int i, n;

	if (RAND_bytes(raw, sizeof raw) != 1)
		fatalx("no randomness for session tokens");
	n = EVP_EncodeBlock((uint8_t *)b64, raw, sizeof raw);
	for (i = 0; i < n && i < 64; i++)
		out[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];
	out[64] = '\0';
}

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
	(void)sscanf(dummy_hash, "$argon2id$v=%*u$%63[^$]", params);
	log_notice("dummy password hash for unknown usernames: argon2id %s", params);
}

void
auth_prepare_dummy(void)
{
	struct password_params p;
	uint64_t t0 = clock_mono_ms();

	password_params_from_cfg(cfg, &p);
	if (dummy_compute(&p, dummy_hash) != 0)
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
		memcpy(dummy_hash, j->hash, sizeof dummy_hash);
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
	if (password_needs_rehash(dummy_hash, &p))
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

static void
dummy_tick(uint64_t now, void *arg)
{
	if (dummy_stale)
		dummy_refresh();
}

/* --- replies --- */

static struct json_object *
auth_result(int ok, const char *message)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string("auth_result"));
	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	json_object_object_add(o, "message", json_object_new_string(message));
	return o;
}

static void
send_fail(struct client *c, const char *message)
{
	struct json_object *o = auth_result(0, message);

	json_object_object_add(o, "authPolicy", policy_json(cfg));
	client_send_json(c, o);
}

static void
send_auth_required(struct client *c)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string("auth_required"));
	json_object_object_add(o, "message", json_object_new_string("Authentication required."));
	json_object_object_add(o, "authPolicy", policy_json(cfg));
	if (webver_revision() != NULL)
		json_object_object_add(o, "expectedClientRevision", json_object_new_string(webver_revision()));
	client_send_json(c, o);
}

void
auth_send_permissions(struct client *c)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string("auth_permissions"));
	json_object_object_add(o, "role", json_object_new_string(c->session->role));
	json_object_object_add(o, "permissions", perm_json_array(auth_effective_perms(c)));
	json_object_object_add(o, "adminMenuActions", perm_admin_menu(c->session->perms));
	client_send_json(c, o);
}

uint64_t
auth_effective_perms(const struct client *c)
{
	/* A voice mute takes voice.send away for its duration, so the client mutes itself. */
	if (c->session->mute_voice_until_ms > tick_wall_ms())
		return c->session->perms & ~PERM(P_VOICE_SEND);
	return c->session->perms;
}

/* --- request life --- */

static struct auth_req *
req_new(struct client *c, enum auth_kind kind)
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

static int
req_dead(struct auth_req *r)
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

	if (req_dead(r))
		return;
	log_info("%s (%s): authentication failed: %s", r->c->id, r->c->ip, r->message);
	if (r->retry_s > 0) {
		struct json_object *o = auth_result(0, r->message);

		json_object_object_add(o, "retryAfterS", json_object_new_int(r->retry_s));
		json_object_object_add(o, "authPolicy", policy_json(cfg));
		client_send_json(r->c, o);
	} else
		send_fail(r->c, r->message);
	if (r->kind == AK_COOKIE)
		send_auth_required(r->c);
	req_free(r);
}

/* Answer a failure after a random delay, so timing says little. */
static void
req_fail(struct auth_req *r, const char *message, int count_it)
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
static void
req_fail_db(struct auth_req *r, const char *error, const char *server_error)
{
	log_warn("%s: %s failed: %s", r->c->id, r->kind == AK_REGISTER ? "registration" : "authentication",
	    error);
	req_fail(r, db_error_unavailable() ? DB_USER_MESSAGE : server_error, 0);
}

/*
 * The key an address is admitted under: an IPv4 address itself, an IPv6
 * address's /64 (one subscriber's usual allocation, which one machine can
 * spread its requests over).
 */
static void
addr_key(const char *ip, char *out, size_t len)
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
static int
req_hash(struct auth_req *r, worker_work_fn work, worker_done_fn done)
{
	char msg[128], key[INET6_ADDRSTRLEN + 4];
	int retry_s = 1;

	addr_key(r->c->ip, key, sizeof key);
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
	req_fail(r, msg, 0);
	return -1;
}

/* From a hash job's done: out of line, and the measured cost is noted. */
static void
req_hashed(struct auth_req *r)
{
	authq_done(&r->q, r->work_ms);
}

/* Tell a client whose hash waits for a thread where it stands (authq announce). */
static void
req_queued(void *arg, int position, int eta_s)
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
static void
auth_client_gone(struct client *c)
{
	struct auth_req *r = c->session->auth_req;

	if (r != NULL && r->q.queued)
		authq_cancel(&r->q);
}

static void
req_succeed(struct auth_req *r)
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
	for (i = 0; i < nactivate && c->state == CS_WS; i++)
		activate_fns[i](c);
	req_free(r);
}

static void
copy_col(const PGresult *res, int col, char *out, size_t len)
{
	snprintf(out, len, "%s", PQgetisnull(res, 0, col) ? "" : PQgetvalue(res, 0, col));
}

static void
copy_state(struct auth_req *r, const PGresult *res, int nick, int x, int y)
{
	copy_col(res, nick, r->nickname, sizeof r->nickname);
	r->has_pos = !PQgetisnull(res, 0, x) && !PQgetisnull(res, 0, y);
	if (r->has_pos) {
		r->x = atoi(PQgetvalue(res, 0, x));
		r->y = atoi(PQgetvalue(res, 0, y));
	}
}

static void
copy_mutes(struct auth_req *r, const PGresult *res, int col)
{
	r->mute_chat_ms = strtoull(PQgetvalue(res, 0, col), NULL, 10);
	r->mute_voice_ms = strtoull(PQgetvalue(res, 0, col + 1), NULL, 10);
}

/* --- preamble shared by login, register and resume --- */

static int
preamble(struct client *c, const char *identity)
{
	if (c->session->authed) {
		send_fail(c, "Already authenticated.");
		return -1;
	}
	return 0;
}

/* Rate limited: the credential check is not run, and this is not a new failure. */
static int
limited(struct auth_req *r)
{
	if (!ratelimit_blocked(r->c->ip, r->identity, tick_mono_ms()))
		return 0;
	log_notice("%s (%s): authentication rate limited for %s", r->c->id, r->c->ip, r->identity);
	req_fail(r, "Too many authentication attempts. Try again shortly.", 0);
	return 1;
}

/* --- login --- */

static void login_session_cb(const PGresult *, const char *, void *);

static void
login_verify_work(void *arg)
{
	struct auth_req *r = arg;
	uint64_t t0 = clock_mono_ms();

	/* Unknown users verify against the dummy, copied in on the loop. */
	r->verified = password_verify(r->stored_hash, r->password) && r->found;
	if (r->verified && password_needs_rehash(r->stored_hash, &r->params) &&
	    password_hash(r->password, &r->params, r->new_hash) != 0)
		r->new_hash[0] = '\0';
	OPENSSL_cleanse(r->password, sizeof r->password);
	r->work_ms = clock_mono_ms() - t0;
}

static void
login_verify_done(void *arg)
{
	struct auth_req *r = arg;
	char id[24], life[16];
	const char *v[5];

	req_hashed(r);
	if (req_dead(r))
		return;
	if (!r->verified) {
		req_fail(r, "Invalid username or password.", 1);
		return;
	}
	/* Checked after the password, so a wrong guess learns nothing of the account. */
	if (r->disabled) {
		req_fail(r, "Account is disabled.", 1);
		return;
	}
	new_token(r->token);
	auth_token_hash(r->token, r->token_hash);
	snprintf(id, sizeof id, "%lld", (long long)r->account_id);
	snprintf(life, sizeof life, "%d", cfg->session_lifetime_s);
	v[0] = id;
	v[1] = r->token_hash;
	v[2] = life;
	v[3] = r->new_hash[0] != '\0' ? r->new_hash : NULL;
	v[4] = r->username;
	db_query("auth_login_session", 5, v, login_session_cb, r);
}

static void
login_session_cb(const PGresult *res, const char *error, void *arg)
{
	struct auth_req *r = arg;

	if (req_dead(r))
		return;
	if (error != NULL || PQntuples(res) != 1) {
		req_fail_db(r, error != NULL ? error : "no account row",
		    "Authentication failed due to a server error. Please try again.");
		return;
	}
	if (r->new_hash[0] != '\0')
		log_info("%s: password hash upgraded to the current parameters", r->username);
	copy_col(res, 0, r->role, sizeof r->role);
	copy_col(res, 1, r->perms, sizeof r->perms);
	copy_state(r, res, 2, 3, 4);
	copy_mutes(r, res, 5);
	req_succeed(r);
}

static void
login_lookup_cb(const PGresult *res, const char *error, void *arg)
{
	struct auth_req *r = arg;

	if (req_dead(r))
		return;
	if (error != NULL) {
		req_fail_db(r, error, "Authentication failed due to a server error. Please try again.");
		return;
	}
	if (PQntuples(res) == 1) {
		r->found = 1;
		r->account_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		copy_col(res, 1, r->username, sizeof r->username);
		copy_col(res, 2, r->stored_hash, sizeof r->stored_hash);
		r->disabled = strcmp(PQgetvalue(res, 0, 3), "active") != 0;
	} else
		memcpy(r->stored_hash, dummy_hash, sizeof r->stored_hash);
	(void)req_hash(r, login_verify_work, login_verify_done);
}

static void
auth_login(struct client *c, struct json_object *msg)
{
	struct auth_req *r;
	const char *v[1];

	if (preamble(c, NULL) != 0)
		return;
	r = req_new(c, AK_LOGIN);
	policy_normalize_username(proto_str(msg, "username"), r->username, sizeof r->username);
	snprintf(r->identity, sizeof r->identity, "%s", r->username);
	snprintf(r->password, sizeof r->password, "%s", proto_str(msg, "password"));
	if (limited(r))
		return;
	v[0] = r->username;
	db_query("auth_account_by_name", 1, v, login_lookup_cb, r);
}

/* --- register --- */

static void register_insert_cb(const PGresult *, const char *, void *);

static void
register_hash_work(void *arg)
{
	struct auth_req *r = arg;
	uint64_t t0 = clock_mono_ms();

	if (password_hash(r->password, &r->params, r->new_hash) != 0)
		r->new_hash[0] = '\0';
	OPENSSL_cleanse(r->password, sizeof r->password);
	r->work_ms = clock_mono_ms() - t0;
}

static void
register_hash_done(void *arg)
{
	struct auth_req *r = arg;
	char life[16];
	const char *v[5];

	req_hashed(r);
	if (req_dead(r))
		return;
	if (r->new_hash[0] == '\0') {
		req_fail(r, "Registration failed due to a server error.", 0);
		return;
	}
	new_token(r->token);
	auth_token_hash(r->token, r->token_hash);
	snprintf(life, sizeof life, "%d", cfg->session_lifetime_s);
	v[0] = r->username;
	v[1] = r->has_email ? r->email : NULL;
	v[2] = r->new_hash;
	v[3] = r->token_hash;
	v[4] = life;
	db_query("auth_register", 5, v, register_insert_cb, r);
}

static void
register_insert_cb(const PGresult *res, const char *error, void *arg)
{
	struct auth_req *r = arg;
	const char *state, *cons;

	if (req_dead(r))
		return;
	if (error != NULL) {
		state = db_sqlstate();
		cons = db_constraint();
		if (state != NULL && strcmp(state, "23505") == 0) {
			if (cons != NULL && strcmp(cons, "accounts_username_key") == 0)
				req_fail(r, "Username is already taken.", 1);
			else if (cons != NULL && strcmp(cons, "accounts_email_key") == 0)
				req_fail(r, "Email is already in use.", 1);
			else
				req_fail(r, "Registration failed due to a database constraint.", 1);
			return;
		}
		if (state != NULL && strcmp(state, "23502") == 0) {
			req_fail(r, "Role not found.", 1);
			return;
		}
		req_fail_db(r, error, "Registration failed due to a server error.");
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(r, "Registration failed due to a server error.", 1);
		return;
	}
	r->account_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	copy_col(res, 1, r->role, sizeof r->role);
	copy_col(res, 2, r->perms, sizeof r->perms);
	snprintf(r->nickname, sizeof r->nickname, "%s", r->username);
	log_notice("%s (%s): registered account %s", r->c->id, r->c->ip, r->username);
	req_succeed(r);
}

static void
auth_register(struct client *c, struct json_object *msg)
{
	struct auth_req *r;
	const char *err, *email;
	char buf[160], key[INET6_ADDRSTRLEN + 4];

	if (preamble(c, NULL) != 0)
		return;
	r = req_new(c, AK_REGISTER);
	policy_normalize_username(proto_str(msg, "username"), r->username, sizeof r->username);
	snprintf(r->identity, sizeof r->identity, "%s", r->username);
	snprintf(r->password, sizeof r->password, "%s", proto_str(msg, "password"));
	if (limited(r))
		return;
	if ((err = policy_username_error(cfg, r->username, buf, sizeof buf)) != NULL ||
	    (err = policy_password_error(cfg, r->password, buf, sizeof buf)) != NULL) {
		req_fail(r, err, 1);
		return;
	}
	if ((email = proto_str(msg, "email")) != NULL) {
		policy_normalize_email(email, r->email, sizeof r->email);
		r->has_email = r->email[0] != '\0';
	}
	/* Every registration admitted counts, successful or not: accounts cost storage. */
	addr_key(c->ip, key, sizeof key);
	if (ratelimit_register_blocked(key, tick_mono_ms())) {
		log_notice("%s (%s): %d registrations from this address in %d s; refused", c->id,
		    c->ip, cfg->auth_register_ip_limit, cfg->auth_register_window_s);
		metrics_admission_refused(MA_REGISTER_LIMIT);
		req_fail(r, "Too many registrations from your address. Try again later.", 0);
		return;
	}
	if (req_hash(r, register_hash_work, register_hash_done) == 0)
		ratelimit_register(key, tick_mono_ms());
}

/* --- resume (message, cookie, HTTP) --- */

static void
resume_cb(const PGresult *res, const char *error, void *arg)
{
	struct auth_req *r = arg;

	if (req_dead(r))
		return;
	if (error != NULL) {
		req_fail_db(r, error, "Authentication failed due to a server error. Please try again.");
		return;
	}
	if (PQntuples(res) != 1) {
		req_fail(r, "Invalid session.", 1);
		return;
	}
	/* columns: account_id revoked expired username status role perms nickname x y */
	if (strcmp(PQgetvalue(res, 0, 1), "t") == 0) {
		req_fail(r, "Session has been revoked.", 1);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 2), "t") == 0) {
		req_fail(r, "Session has expired.", 1);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 4), "active") != 0) {
		req_fail(r, "Account is disabled.", 1);
		return;
	}
	r->account_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	copy_col(res, 3, r->username, sizeof r->username);
	copy_col(res, 5, r->role, sizeof r->role);
	copy_col(res, 6, r->perms, sizeof r->perms);
	copy_state(r, res, 7, 8, 9);
	copy_mutes(r, res, 10);
	req_succeed(r);
}

static void
resume_start(struct client *c, enum auth_kind kind, const char *token)
{
	struct auth_req *r = req_new(c, kind);
	const char *s = token, *e;
	char life[16];
	const char *v[2];

	snprintf(r->identity, sizeof r->identity, "resume");
	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	snprintf(r->token, sizeof r->token, "%.*s", (int)(e - s), s);
	if (limited(r))
		return;
	if (r->token[0] == '\0') {
		req_fail(r, "Missing session token.", 1);
		return;
	}
	auth_token_hash(r->token, r->token_hash);
	snprintf(life, sizeof life, "%d", cfg->session_lifetime_s);
	v[0] = r->token_hash;
	v[1] = life;
	db_query("auth_resume", 2, v, resume_cb, r);
}

static void
auth_resume(struct client *c, struct json_object *msg)
{
	if (preamble(c, NULL) != 0)
		return;
	resume_start(c, AK_RESUME, proto_str(msg, "sessionToken"));
}

/* --- logout --- */

static void
logout_cb(const PGresult *res, const char *error, void *arg)
{
	struct client *c = arg;
	struct json_object *o;

	if (error != NULL)
		log_warn("%s: session revoke failed: %s", c->id, error);
	if (c->state == CS_WS) {
		o = auth_result(1, "Logged out.");
		json_object_object_add(o, "authPolicy", policy_json(cfg));
		client_send_json(c, o);
		client_close(c, WS_CLOSE_NORMAL, "Logged out");
	}
	client_resume(c);
	client_unref(c);
}

static void
auth_logout(struct client *c, struct json_object *msg)
{
	const char *v[1];

	c->session->perms = 0;
	client_ref(c);
	client_pause(c);
	if (c->session->token_hash[0] != '\0') {
		log_notice("%s: %s logged out", c->id, c->session->username);
		v[0] = c->session->token_hash;
		db_query("auth_revoke", 1, v, logout_cb, c);
		c->session->token_hash[0] = '\0';
	} else
		logout_cb(NULL, NULL, c);
}

/* --- the WebSocket open hook and the gate --- */

const char *
auth_cookie(const struct http_req *r, const char *name, char *out, size_t len)
{
	const char *s, *e, *eq, *v, *ve;
	size_t nl = strlen(name);
	int i;

	for (i = 0; i < r->nh; i++) {
		if (strcasecmp(r->h[i].name, "Cookie") != 0)
			continue;
		for (s = r->h[i].value; *s != '\0'; s = *e != '\0' ? e + 1 : e) {
			e = strchr(s, ';');
			if (e == NULL)
				e = s + strlen(s);
			while (s < e && isspace((unsigned char)*s))
				s++;
			eq = memchr(s, '=', (size_t)(e - s));
			if (eq == NULL)
				continue;
			ve = eq;
			while (ve > s && isspace((unsigned char)ve[-1]))
				ve--;
			if ((size_t)(ve - s) != nl || strncmp(s, name, nl) != 0)
				continue;
			v = eq + 1;
			while (v < e && isspace((unsigned char)*v))
				v++;
			ve = e;
			while (ve > v && isspace((unsigned char)ve[-1]))
				ve--;
			snprintf(out, len, "%.*s", (int)(ve - v), v);
			return out;
		}
	}
	return NULL;
}

static int
ip_trusted(const char *ip)
{
	int i;

	for (i = 0; i < cfg->ntrusted_proxies; i++)
		if (strcmp(cfg->trusted_proxies[i], ip) == 0)
			return 1;
	return 0;
}

static int
ip_valid(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

void
auth_client_ip(const struct client *c, const struct http_req *r, char *out, size_t len)
{
	const char *xff = http_header(r, "X-Forwarded-For");
	char buf[1024], *p, *tok;

	snprintf(out, len, "%s", c->addr);
	if (xff == NULL || !ip_trusted(c->addr))
		return;
	/* Walk from the right: the first address that is not one of our proxies. */
	snprintf(buf, sizeof buf, "%s", xff);
	while ((p = strrchr(buf, ',')) != NULL || buf[0] != '\0') {
		tok = p != NULL ? p + 1 : buf;
		while (isspace((unsigned char)*tok))
			tok++;
		tok[strcspn(tok, " \t")] = '\0';
		if (*tok != '\0' && !ip_trusted(tok) && ip_valid(tok)) {
			snprintf(out, len, "%s", tok);
			return;
		}
		if (p == NULL)
			break;
		*p = '\0';
	}
}

int
auth_request_secure(const struct client *c, const struct http_req *r)
{
	const char *p = http_header(r, "X-Forwarded-Proto");
	char first[16];

	if (c->tls)
		return 1;
	if (p == NULL || !ip_trusted(c->addr))
		return 0;
	while (isspace((unsigned char)*p))
		p++;
	snprintf(first, sizeof first, "%.*s", (int)strcspn(p, ", \t"), p);
	return strcasecmp(first, "https") == 0;
}

/* A connection's memory goes: its session with it. */
static void
session_free(struct client *c)
{
	free(c->session);
	c->session = NULL;
}

static void
auth_open(struct client *c, const struct http_req *r)
{
	char token[600];

	c->session = xcalloc(1, sizeof *c->session);
	auth_client_ip(c, r, c->ip, sizeof c->ip);
	if (auth_cookie(r, AUTH_COOKIE, token, sizeof token) != NULL && token[0] != '\0') {
		resume_start(c, AK_COOKIE, token);
		OPENSSL_cleanse(token, sizeof token);
		return;
	}
	send_auth_required(c);
}

static int
auth_gate(struct client *c, const struct proto_msg *def, struct json_object *msg)
{
	if (!(def->flags & PM_PREAUTH) && !c->session->authed) {
		client_send_json(c, auth_result(0, "Authenticate before sending gameplay actions."));
		return 1;
	}
	if (def->perm != PERM_NONE && !(c->session->perms & def->perm)) {
		log_info("%s: %s denied to %s", c->id, def->type, c->session->username);
		if (def->deny != NULL)
			def->deny(c, msg);
		else
			client_send_error(c, "forbidden", "Not authorized.");
		return 1;
	}
	return 0;
}

/* --- table entries and start-up --- */

static const struct proto_field register_fields[] = {
	{ "username", FT_STRING, FF_REQUIRED, 1, 128, NULL },
	{ "password", FT_STRING, FF_REQUIRED, 1, 256, NULL },
	{ "email", FT_STRING, FF_NULL, 0, 320, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const struct proto_field login_fields[] = {
	{ "username", FT_STRING, FF_REQUIRED, 1, 128, NULL },
	{ "password", FT_STRING, FF_REQUIRED, 1, 256, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const struct proto_field resume_fields[] = {
	{ "sessionToken", FT_STRING, FF_REQUIRED, 1, 512, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

const struct proto_msg proto_auth_msgs[] = {
	{ "auth_register", register_fields, PERM_NONE, PM_PREAUTH, auth_register, NULL },
	{ "auth_login", login_fields, PERM_NONE, PM_PREAUTH, auth_login, NULL },
	{ "auth_resume", resume_fields, PERM_NONE, PM_PREAUTH, auth_resume, NULL },
	{ "auth_logout", NULL, PERM_NONE, PM_PREAUTH, auth_logout, NULL },
	{ NULL, NULL, 0, 0, NULL, NULL },
};

#define PERMS_OF(role) "(SELECT string_agg(permission_key, ',' ORDER BY permission_key) " \
	"FROM role_permissions WHERE role_id = " role ")"

/* Mute deadlines as epoch milliseconds (0 when none). */
#define MUTES "COALESCE((extract(epoch FROM a.mute_chat_until) * 1000)::bigint, 0), " \
	"COALESCE((extract(epoch FROM a.mute_voice_until) * 1000)::bigint, 0) "

void
auth_init(void)
{
	ratelimit_init();
	authq_init(req_queued);
	client_on_teardown(auth_client_gone);
	client_on_free(session_free);
	tick_add("dummy password hash", 1000, dummy_tick, NULL);
	proto_register(proto_auth_msgs);
	proto_set_gate(auth_gate);
	proto_on_open(auth_open);
	db_register("auth_account_by_name",
	    "SELECT id, username, password_hash, status FROM accounts WHERE lower(username) = $1", 1);
	db_register("auth_login_session",
	    "WITH s AS (INSERT INTO sessions (account_id, token_hash, expires_at) "
	    "  VALUES ($1, $2, now() + make_interval(secs => $3::double precision))), "
	    "u AS (UPDATE accounts SET last_login_at = now(), updated_at = now(), "
	    "  password_hash = COALESCE($4, password_hash) WHERE id = $1), "
	    "st AS (INSERT INTO account_state (account_id, last_nickname) VALUES ($1, $5) "
	    "  ON CONFLICT (account_id) DO UPDATE SET last_nickname = "
	    "  COALESCE(account_state.last_nickname, EXCLUDED.last_nickname) "
	    "  RETURNING last_nickname, last_x, last_y) "
	    "SELECT r.name, " PERMS_OF("r.id") ", st.last_nickname, st.last_x, st.last_y, "
	    MUTES "FROM accounts a JOIN roles r ON r.id = a.role_id, st WHERE a.id = $1", 5);
	db_register("auth_register",
	    "WITH a AS (INSERT INTO accounts (username, email, password_hash, role_id, last_login_at) "
	    "  VALUES ($1, $2, $3, (SELECT id FROM roles WHERE name = 'user'), now()) "
	    "  RETURNING id, role_id), "
	    "st AS (INSERT INTO account_state (account_id, last_nickname) SELECT id, $1 FROM a), "
	    "s AS (INSERT INTO sessions (account_id, token_hash, expires_at) "
	    "  SELECT id, $4, now() + make_interval(secs => $5::double precision) FROM a) "
	    "SELECT a.id, r.name, " PERMS_OF("a.role_id") " FROM a JOIN roles r ON r.id = a.role_id", 5);
	db_register("auth_resume",
	    "WITH s AS (SELECT id, account_id, revoked_at IS NOT NULL AS revoked, "
	    "  expires_at <= now() AS expired FROM sessions WHERE token_hash = $1), "
	    "ext AS (UPDATE sessions SET last_seen_at = now(), "
	    "  expires_at = now() + make_interval(secs => $2::double precision) "
	    "  WHERE id = (SELECT id FROM s WHERE NOT revoked AND NOT expired) "
	    "  AND EXISTS (SELECT 1 FROM accounts WHERE id = sessions.account_id AND status = 'active')), "
	    "rev AS (UPDATE sessions SET revoked_at = now() "
	    "  WHERE id = (SELECT id FROM s WHERE NOT revoked AND expired)) "
	    "SELECT s.account_id, s.revoked, s.expired, a.username, a.status, r.name, "
	    PERMS_OF("a.role_id") ", st.last_nickname, st.last_x, st.last_y, " MUTES
	    "FROM s JOIN accounts a ON a.id = s.account_id JOIN roles r ON r.id = a.role_id "
	    "LEFT JOIN account_state st ON st.account_id = a.id", 2);
	db_register("auth_revoke",
	    "UPDATE sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL", 1);
}

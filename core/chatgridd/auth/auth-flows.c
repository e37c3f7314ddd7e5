/*
 * auth-flows.c: the four auth messages (login, register, resume, logout),
 * each a chain of database queries and hashing jobs, with their SQL, the
 * message table and auth_init wiring the part up.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "auth-int.h"
#include "auth.h"
#include "authq.h"
#include "cfg.h"
#include "clock.h"
#include "db/db.h"
#include "log.h"
#include "metrics.h"
#include "net/client.h"
#include "net/ratelimit.h"
#include "password.h"
#include "perm.h"
#include "policy.h"
#include "proto/proto.h"
#include "session.h"
#include "tick.h"

/* The messages of this part (at the end of this file), registered by auth_init. */
extern const struct proto_msg proto_auth_msgs[];

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

	auth_req_hashed(r);
	if (auth_req_dead(r))
		return;
	if (!r->verified) {
		auth_req_fail(r, "Invalid username or password.", 1);
		return;
	}
	/* Checked after the password, so a wrong guess learns nothing of the account. */
	if (r->disabled) {
		auth_req_fail(r, "Account is disabled.", 1);
		return;
	}
	auth_new_token(r->token);
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

	if (auth_req_dead(r))
		return;
	if (error != NULL || PQntuples(res) != 1) {
		auth_req_fail_db(r, error != NULL ? error : "no account row",
		    "Authentication failed due to a server error. Please try again.");
		return;
	}
	if (r->new_hash[0] != '\0')
		log_info("%s: password hash upgraded to the current parameters", r->username);
	auth_copy_col(res, 0, r->role, sizeof r->role);
	auth_copy_col(res, 1, r->perms, sizeof r->perms);
	auth_copy_state(r, res, 2, 3, 4);
	auth_copy_mutes(r, res, 5);
	auth_req_succeed(r);
}

static void
login_lookup_cb(const PGresult *res, const char *error, void *arg)
{
	struct auth_req *r = arg;

	if (auth_req_dead(r))
		return;
	if (error != NULL) {
		auth_req_fail_db(r, error,
		    "Authentication failed due to a server error. Please try again.");
		return;
	}
	if (PQntuples(res) == 1) {
		r->found = 1;
		r->account_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		auth_copy_col(res, 1, r->username, sizeof r->username);
		auth_copy_col(res, 2, r->stored_hash, sizeof r->stored_hash);
		r->disabled = strcmp(PQgetvalue(res, 0, 3), "active") != 0;
	} else
		memcpy(r->stored_hash, auth_dummy_hash, sizeof r->stored_hash);
	(void)auth_req_hash(r, login_verify_work, login_verify_done);
}

static void
auth_login(struct client *c, struct json_object *msg)
{
	struct auth_req *r;
	const char *v[1];

	if (auth_preamble(c, NULL) != 0)
		return;
	r = auth_req_new(c, AK_LOGIN);
	policy_normalize_username(proto_str(msg, "username"), r->username, sizeof r->username);
	snprintf(r->identity, sizeof r->identity, "%s", r->username);
	snprintf(r->password, sizeof r->password, "%s", proto_str(msg, "password"));
	if (auth_limited(r))
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

	auth_req_hashed(r);
	if (auth_req_dead(r))
		return;
	if (r->new_hash[0] == '\0') {
		auth_req_fail(r, "Registration failed due to a server error.", 0);
		return;
	}
	auth_new_token(r->token);
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

	if (auth_req_dead(r))
		return;
	if (error != NULL) {
		state = db_sqlstate();
		cons = db_constraint();
		if (state != NULL && strcmp(state, "23505") == 0) {
			if (cons != NULL && strcmp(cons, "accounts_username_key") == 0)
				auth_req_fail(r, "Username is already taken.", 1);
			else if (cons != NULL && strcmp(cons, "accounts_email_key") == 0)
				auth_req_fail(r, "Email is already in use.", 1);
			else
				auth_req_fail(r, "Registration failed due to a database constraint.",
				    1);
			return;
		}
		if (state != NULL && strcmp(state, "23502") == 0) {
			auth_req_fail(r, "Role not found.", 1);
			return;
		}
		auth_req_fail_db(r, error, "Registration failed due to a server error.");
		return;
	}
	if (PQntuples(res) != 1) {
		auth_req_fail(r, "Registration failed due to a server error.", 1);
		return;
	}
	r->account_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	auth_copy_col(res, 1, r->role, sizeof r->role);
	auth_copy_col(res, 2, r->perms, sizeof r->perms);
	snprintf(r->nickname, sizeof r->nickname, "%s", r->username);
	log_notice("%s (%s): registered account %s", r->c->id, r->c->ip, r->username);
	auth_req_succeed(r);
}

static void
auth_register(struct client *c, struct json_object *msg)
{
	struct auth_req *r;
	const char *err, *email;
	char buf[160], key[INET6_ADDRSTRLEN + 4];

	if (auth_preamble(c, NULL) != 0)
		return;
	r = auth_req_new(c, AK_REGISTER);
	policy_normalize_username(proto_str(msg, "username"), r->username, sizeof r->username);
	snprintf(r->identity, sizeof r->identity, "%s", r->username);
	snprintf(r->password, sizeof r->password, "%s", proto_str(msg, "password"));
	if (auth_limited(r))
		return;
	if ((err = policy_username_error(cfg, r->username, buf, sizeof buf)) != NULL ||
	    (err = policy_password_error(cfg, r->password, buf, sizeof buf)) != NULL) {
		auth_req_fail(r, err, 1);
		return;
	}
	if ((email = proto_str(msg, "email")) != NULL) {
		policy_normalize_email(email, r->email, sizeof r->email);
		r->has_email = r->email[0] != '\0';
	}
	/* Every registration admitted counts, successful or not: accounts cost storage. */
	auth_addr_key(c->ip, key, sizeof key);
	if (ratelimit_register_blocked(key, tick_mono_ms())) {
		log_notice("%s (%s): %d registrations from this address in %d s; refused", c->id,
		    c->ip, cfg->auth_register_ip_limit, cfg->auth_register_window_s);
		metrics_admission_refused(MA_REGISTER_LIMIT);
		auth_req_fail(r, "Too many registrations from your address. Try again later.", 0);
		return;
	}
	if (auth_req_hash(r, register_hash_work, register_hash_done) == 0)
		ratelimit_register(key, tick_mono_ms());
}

/* --- resume (message, cookie, HTTP) --- */

static void
resume_cb(const PGresult *res, const char *error, void *arg)
{
	struct auth_req *r = arg;

	if (auth_req_dead(r))
		return;
	if (error != NULL) {
		auth_req_fail_db(r, error,
		    "Authentication failed due to a server error. Please try again.");
		return;
	}
	if (PQntuples(res) != 1) {
		auth_req_fail(r, "Invalid session.", 1);
		return;
	}
	/* columns: account_id revoked expired username status role perms nickname x y */
	if (strcmp(PQgetvalue(res, 0, 1), "t") == 0) {
		auth_req_fail(r, "Session has been revoked.", 1);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 2), "t") == 0) {
		auth_req_fail(r, "Session has expired.", 1);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 4), "active") != 0) {
		auth_req_fail(r, "Account is disabled.", 1);
		return;
	}
	r->account_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	auth_copy_col(res, 3, r->username, sizeof r->username);
	auth_copy_col(res, 5, r->role, sizeof r->role);
	auth_copy_col(res, 6, r->perms, sizeof r->perms);
	auth_copy_state(r, res, 7, 8, 9);
	auth_copy_mutes(r, res, 10);
	auth_req_succeed(r);
}

void
auth_resume_start(struct client *c, enum auth_kind kind, const char *token)
{
	struct auth_req *r = auth_req_new(c, kind);
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
	if (auth_limited(r))
		return;
	if (r->token[0] == '\0') {
		auth_req_fail(r, "Missing session token.", 1);
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
	if (auth_preamble(c, NULL) != 0)
		return;
	auth_resume_start(c, AK_RESUME, proto_str(msg, "sessionToken"));
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
	authq_init(auth_req_queued);
	client_on_teardown(auth_client_gone);
	client_on_free(auth_session_free);
	tick_add("dummy password hash", 1000, auth_dummy_tick, NULL);
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

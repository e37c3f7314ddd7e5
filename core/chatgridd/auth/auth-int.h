/*
 * auth-int.h: inside the auth part only (nothing outside it includes this).
 * One authentication in flight, and what the part's files share about it:
 *
 *   auth.c        the session secret and tokens, activation hooks, the
 *                 answers (auth_result, permissions)
 *   auth-req.c    a request's life: the dummy hash, hashing on worker
 *                 threads, failure with its delay, success, rate limits
 *   auth-flows.c  login, register, resume and logout with their SQL, the
 *                 message table and auth_init
 *   auth-web.c    request addresses and secure detection, the session
 *                 cookie on the WebSocket open, and the gate
 */
#ifndef CG_AUTH_AUTH_INT_H
#define CG_AUTH_AUTH_INT_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "authq.h"
#include "password.h"
#include "worker.h"

struct client;
struct http_req;
struct json_object;
struct proto_msg;

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

/* Verified against for unknown usernames; read on the loop only (copied into requests). */
extern char auth_dummy_hash[PASSWORD_ENCODED_MAX];
extern void (**auth_activate_fns)(struct client *);
extern int auth_nactivate;

/* auth.c */
void auth_new_token(char out[65]);
struct json_object *auth_result(int ok, const char *message);
void auth_send_fail(struct client *c, const char *message);
void auth_send_auth_required(struct client *c);

/* auth-req.c */
void auth_dummy_tick(uint64_t now, void *arg);
struct auth_req *auth_req_new(struct client *c, enum auth_kind kind);
int auth_req_dead(struct auth_req *r);
void auth_req_fail(struct auth_req *r, const char *message, int count_it);
void auth_req_fail_db(struct auth_req *r, const char *error, const char *server_error);
void auth_addr_key(const char *ip, char *out, size_t len);
int auth_req_hash(struct auth_req *r, worker_work_fn work, worker_done_fn done);
void auth_req_hashed(struct auth_req *r);
void auth_req_queued(void *arg, int position, int eta_s);
void auth_client_gone(struct client *c);
void auth_req_succeed(struct auth_req *r);
void auth_copy_col(const PGresult *res, int col, char *out, size_t len);
void auth_copy_state(struct auth_req *r, const PGresult *res, int nick, int x, int y);
void auth_copy_mutes(struct auth_req *r, const PGresult *res, int col);
int auth_preamble(struct client *c, const char *identity);
int auth_limited(struct auth_req *r);

/* auth-flows.c */
void auth_resume_start(struct client *c, enum auth_kind kind, const char *token);

/* auth-web.c */
void auth_session_free(struct client *c);
void auth_open(struct client *c, const struct http_req *r);
int auth_gate(struct client *c, const struct proto_msg *def, struct json_object *msg);

#endif

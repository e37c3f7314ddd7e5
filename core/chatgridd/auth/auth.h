/*
 * auth.h: accounts and sessions on the wire: auth_register, auth_login,
 * auth_resume, auth_logout, cookie resume on the WebSocket handshake, the
 * gate in front of every other message, and the session cookie endpoints.
 */
#ifndef CG_AUTH_H
#define CG_AUTH_H

#include <stddef.h>
#include <stdint.h>

struct client;
struct http_req;
struct json_object;

#define AUTH_COOKIE "chgrid_session_token"

/* Register statements, routes, the gate and the open hook (before db_start). */
void auth_init(void);
/* The HMAC key for session tokens (32 bytes). */
void auth_set_secret(const uint8_t key[32]);
/* Hash a dummy password once, so unknown users cost a real verify (blocking). */
void auth_prepare_dummy(void);
/* After a reload: recompute the dummy on a thread if the Argon2id costs changed. */
void auth_reload(void);
/* HMAC-SHA256(secret, token) as lowercase hex. */
void auth_token_hash(const char *token, char out[65]);
/* Run after a successful authentication (the world sends welcome). */
void auth_on_activate(void (*fn)(struct client *));
/* The connection's permissions less what a mute takes away. */
uint64_t auth_effective_perms(const struct client *);
/* Send auth_permissions with the connection's current role and keys. */
void auth_send_permissions(struct client *);
/* The value of a cookie in a request, copied into out; NULL if absent. */
const char *auth_cookie(const struct http_req *, const char *name, char *out, size_t len);
/* The client's address: the peer, or the forwarded one behind a trusted proxy. */
void auth_client_ip(const struct client *, const struct http_req *, char *out, size_t len);
/* Was the request made over https (directly or via a trusted proxy)? */
int auth_request_secure(const struct client *, const struct http_req *);

#endif

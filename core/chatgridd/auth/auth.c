/*
 * auth.c and the auth part: authentication flows. Each request runs as a
 * small state machine: database lookups on the loop (db.c), password hashing
 * on worker threads (worker.c, admitted by authq.c), and a random delay
 * before any failure is answered. While a flow runs the connection is held:
 * its messages wait in order, while pings and pongs are still read (a hash
 * may wait long).
 *
 * This file: the session secret and tokens, the activation hooks and the
 * answers (auth_result, auth_required, permissions); auth-int.h lists the
 * part's other files.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "auth-int.h"
#include "auth.h"
#include "cfg.h"
#include "log.h"
#include "net/client.h"
#include "net/webver.h"
#include "perm.h"
#include "policy.h"
#include "session.h"
#include "tick.h"
#include "xmalloc.h"

static uint8_t secret[32];
void (**auth_activate_fns)(struct client *);
int auth_nactivate;

void
auth_set_secret(const uint8_t key[32])
{
	memcpy(secret, key, sizeof secret);
}

void
auth_on_activate(void (*fn)(struct client *))
{
	auth_activate_fns = xreallocarray(auth_activate_fns, (size_t)auth_nactivate + 1,
	    sizeof *auth_activate_fns);
	auth_activate_fns[auth_nactivate++] = fn;
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
void
auth_new_token(char out[65])
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

/* --- replies --- */

struct json_object *
auth_result(int ok, const char *message)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string("auth_result"));
	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	json_object_object_add(o, "message", json_object_new_string(message));
	return o;
}

void
auth_send_fail(struct client *c, const char *message)
{
	struct json_object *o = auth_result(0, message);

	json_object_object_add(o, "authPolicy", policy_json(cfg));
	client_send_json(c, o);
}

void
auth_send_auth_required(struct client *c)
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

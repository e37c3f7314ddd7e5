/*
 * turn.h: the ICE servers handed to a client in welcome.worldConfig, with
 * short-lived TURN credentials in the TURN REST API form when turn_secret
 * is set: username "<expiry>:<account id>", credential base64(HMAC-SHA1).
 */
#ifndef CG_TURN_H
#define CG_TURN_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

struct json_object *turn_ice_servers(int64_t account_id);
/* The credential for a username and secret (base64 of HMAC-SHA1), into out. */
void turn_credential(const char *secret, const char *username, char *out, size_t len);

#endif

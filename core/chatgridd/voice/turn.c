/* turn.c: iceServers for RTCPeerConnection, as coturn's use-auth-secret expects. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cfg.h"
#include "turn.h"

void
turn_credential(const char *secret, const char *username, char *out, size_t len)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	char b64[64];

	HMAC(EVP_sha1(), secret, (int)strlen(secret), (const uint8_t *)username, strlen(username), md, &n);
	EVP_EncodeBlock((uint8_t *)b64, md, (int)n);
	snprintf(out, len, "%s", b64);
}

struct json_object *
turn_ice_servers(int64_t account_id)
{
	struct json_object *list = json_object_new_array(), *stun = NULL, *turn = NULL, *o;
	char user[64], cred[64];
	int i;

	for (i = 0; i < cfg->nice_servers; i++) {
		const char *u = cfg->ice_servers[i];
		int is_turn = strncmp(u, "turn", 4) == 0;
		struct json_object **urls = is_turn ? &turn : &stun;

		if (*urls == NULL)
			*urls = json_object_new_array();
		json_object_array_add(*urls, json_object_new_string(u));
	}
	if (stun != NULL) {
		o = json_object_new_object();
		json_object_object_add(o, "urls", stun);
		json_object_array_add(list, o);
	}
	if (turn != NULL) {
		o = json_object_new_object();
		json_object_object_add(o, "urls", turn);
		if (cfg->turn_secret[0] != '\0') {
			snprintf(user, sizeof user, "%lld:%lld",
			    (long long)time(NULL) + cfg->turn_ttl_s, (long long)account_id);
			turn_credential(cfg->turn_secret, user, cred, sizeof cred);
			json_object_object_add(o, "username", json_object_new_string(user));
			json_object_object_add(o, "credential", json_object_new_string(cred));
		}
		json_object_array_add(list, o);
	}
	return list;
}

/*
 * proto-voice.c: the messages of SFU voice (voice.c does the work):
 * voice_join, and the SDP and candidates of the browser's connections to
 * the voice server, named by the keys chatgridd gave them.
 */
#include "config.h"

#include <string.h>

#include <json-c/json.h>

#include "cfg.h"
#include "net/client.h"
#include "proto/proto.h"
#include "voice.h"

static int
payload_ok(struct client *c, struct json_object *msg, const char *field)
{
	struct json_object *v;
	size_t len;

	if (!json_object_object_get_ex(msg, field, &v) || v == NULL)
		return 1;
	json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN, &len);
	if (len <= (size_t)cfg->max_signal_bytes)
		return 1;
	client_send_error(c, "bad_field", "%s: field %s is larger than %d bytes.", proto_str(msg, "type"), field,
	    cfg->max_signal_bytes);
	client_bad_message(c);
	return 0;
}

static void
voice_join_msg(struct client *c, struct json_object *msg)
{
	voice_join(c);
}

static void
voice_sdp_msg(struct client *c, struct json_object *msg)
{
	struct json_object *sdp;

	if (!payload_ok(c, msg, "sdp"))
		return;
	json_object_object_get_ex(msg, "sdp", &sdp);
	voice_client_sdp(c, proto_str(msg, "key"), sdp);
}

static void
voice_ice_msg(struct client *c, struct json_object *msg)
{
	struct json_object *ice = NULL;

	if (!payload_ok(c, msg, "ice"))
		return;
	json_object_object_get_ex(msg, "ice", &ice);
	voice_client_ice(c, proto_str(msg, "key"), ice);
}

static const struct proto_field join_fields[] = {
	{ NULL, 0, 0, 0, 0, NULL },
};

static const struct proto_field sdp_fields[] = {
	{ "key", FT_STRING, FF_REQUIRED, 1, 24, NULL },
	{ "sdp", FT_OBJECT, FF_REQUIRED, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const struct proto_field ice_fields[] = {
	{ "key", FT_STRING, FF_REQUIRED, 1, 24, NULL },
	{ "ice", FT_OBJECT, FF_NULL, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* Receiving needs no permission; whether a feed may be sent is voice.c's (voice.send). */
const struct proto_msg proto_voice_msgs[] = {
	{ "voice_join", join_fields, PERM_NONE, 0, voice_join_msg, NULL },
	{ "voice_offer", sdp_fields, PERM_NONE, 0, voice_sdp_msg, NULL },
	{ "voice_answer", sdp_fields, PERM_NONE, 0, voice_sdp_msg, NULL },
	{ "voice_ice", ice_fields, PERM_NONE, 0, voice_ice_msg, NULL },
	{ NULL, NULL, 0, 0, NULL, NULL },
};

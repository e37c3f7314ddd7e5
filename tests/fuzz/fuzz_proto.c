/*
 * fuzz_proto.c: message validation (core/chatgridd/proto/proto.c) on arbitrary JSON. The
 * bytes go through json-c as proto_message reads them (strict, depth 16);
 * an object with a string "type" is validated against its own table entry,
 * every entry of a list of known types, and a local entry holding every
 * field type, then read with the handlers' accessors.
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "proto/proto.h"

#define FUZZ_ASSERT(x) do { if (!(x)) { \
	fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #x); \
	abort(); } } while (0)

/* The families the daemon's parts register at their init (defined in each part). */
extern const struct proto_msg proto_auth_msgs[], proto_world_msgs[], proto_chat_msgs[],
    proto_signal_msgs[], proto_admin_msgs[], proto_item_msgs[], proto_voice_msgs[];

/* Types of every family when this was written; one that goes away is skipped. */
static const char *const known_types[] = {
	"ping",
	"auth_register", "auth_login", "auth_resume", "auth_logout",
	"update_position", "teleport_complete", "update_nickname",
	"chat_message", "signal",
	"admin_roles_list", "admin_users_list", "admin_role_create",
	"admin_role_update_permissions", "admin_role_delete", "admin_user_set_role",
	"admin_user_ban", "admin_user_unban", "admin_user_delete", "admin_user_kick",
	"admin_user_mute",
};

static const char *const colors[] = { "red", "green", "blue", NULL };

static const struct proto_field every_field[] = {
	{ "s", FT_STRING, FF_REQUIRED, 1, 3, NULL },
	{ "i", FT_INT, 0, -5, 10, NULL },
	{ "b", FT_BOOL, 0, 0, 0, NULL },
	{ "o", FT_OBJECT, FF_NULL, 0, 0, NULL },
	{ "a", FT_ARRAY, 0, 0, 2, NULL },
	{ "e", FT_ENUM, 0, 0, 0, colors },
	{ "n", FT_NUMBER, FF_NULL, -1000, 1000, NULL },
	{ "big", FT_INT, 0, LLONG_MIN, LLONG_MAX, NULL },
	{ "text", FT_STRING, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const struct proto_msg every_msg = { "every", every_field, PERM_NONE, 0, NULL, NULL };

static struct json_tokener *tok;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	proto_init();
	proto_register(proto_auth_msgs);
	proto_register(proto_world_msgs);
	proto_register(proto_chat_msgs);
	proto_register(proto_signal_msgs);
	proto_register(proto_admin_msgs);
	proto_register(proto_item_msgs);
	proto_register(proto_voice_msgs);
	tok = json_tokener_new_ex(16);
	FUZZ_ASSERT(tok != NULL);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	return 0;
}

static void
validate(const struct proto_msg *def, struct json_object *msg)
{
	const struct proto_field *f;
	char err[256], tiny[2];
	int rc;

	err[0] = '\0';
	rc = proto_validate(def, msg, err, sizeof err);
	FUZZ_ASSERT(rc == 0 || rc == -1);
	if (rc == -1) {
		/* The client is told which message and which field. */
		FUZZ_ASSERT(strncmp(err, def->type, strlen(def->type)) == 0);
		FUZZ_ASSERT(strstr(err, ": field ") != NULL);
	} else {
		FUZZ_ASSERT(err[0] == '\0');
		/* What a handler reads from a validated message. */
		for (f = def->fields; f != NULL && f->name != NULL; f++) {
			(void)proto_has(msg, f->name);
			if (f->type == FT_STRING || f->type == FT_ENUM) {
				const char *s = proto_str(msg, f->name);
				struct json_object *v;

				if (f->flags & FF_REQUIRED)
					FUZZ_ASSERT(s != NULL);
				if (s != NULL)
					(void)proto_utf8_len(s);
				/*
				 * A validated string holds no NUL (a handler sees all
				 * of it). FT_ENUM does not yet: test_known_bugs.c.
				 */
				if (s != NULL && f->type == FT_STRING &&
				    json_object_object_get_ex(msg, f->name, &v))
					FUZZ_ASSERT((size_t)json_object_get_string_len(v) == strlen(s));
			}
			if (f->type == FT_INT && proto_has(msg, f->name)) {
				long long v = proto_int(msg, f->name, LLONG_MIN);

				FUZZ_ASSERT(v >= f->min && v <= f->max);
			}
		}
	}
	/* A tiny error buffer is never overrun. */
	tiny[0] = tiny[1] = 'x';
	FUZZ_ASSERT(proto_validate(def, msg, tiny, 1) == rc);
	FUZZ_ASSERT(tiny[1] == 'x');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *msg, *t;
	const struct proto_msg *def;
	const char *type;
	size_t i;
	int nul;

	if (size > INT_MAX)
		return 0;
	json_tokener_reset(tok);
	msg = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	if (msg == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(msg);
		return 0;
	}
	/* Every field type against whatever arrived, object or not. */
	validate(&every_msg, msg);
	if (json_object_is_type(msg, json_type_object) &&
	    json_object_object_get_ex(msg, "type", &t) && json_object_is_type(t, json_type_string)) {
		type = json_object_get_string(t);
		(void)proto_utf8_len(type);
		if ((def = proto_find_type(t, &nul)) != NULL) {
			FUZZ_ASSERT(strcmp(def->type, type) == 0);
			/* All of the type, not the part before a NUL. */
			FUZZ_ASSERT(!nul && (size_t)json_object_get_string_len(t) == strlen(type));
			validate(def, msg);
		} else if (nul)
			FUZZ_ASSERT((size_t)json_object_get_string_len(t) != strlen(type));
		for (i = 0; i < sizeof known_types / sizeof known_types[0]; i++) {
			if ((def = proto_find(known_types[i])) != NULL)
				validate(def, msg);
		}
		for (def = proto_sys_msgs; def->type != NULL; def++)
			validate(def, msg);
	}
	json_object_put(msg);
	return 0;
}

/*
 * proto.h: client messages. Every message type is one table entry in the
 * file of its family (proto-*.c in the part that owns the messages): its
 * fields with their types and limits, the permission it needs and its
 * handler. A part registers its families at its init; fields are validated
 * here, generically, before a handler ever runs.
 */
#ifndef CG_PROTO_H
#define CG_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "utf8.h"

struct client;
struct http_req;
struct json_object;

enum proto_ftype {
	FT_STRING,	/* min/max: length in code points */
	FT_INT,		/* min/max: value range; integral floats are accepted */
	FT_BOOL,
	FT_OBJECT,
	FT_ARRAY,	/* max: element count */
	FT_ENUM,	/* string, one of values */
	FT_NUMBER,	/* int or float; min/max: range */
};

#define FF_REQUIRED 0x1		/* must be present and not null */
#define FF_NULL 0x2		/* optional and may be null */

struct proto_field {
	const char *name;
	enum proto_ftype type;
	unsigned flags;
	long long min, max;
	const char *const *values;	/* FT_ENUM, NULL-terminated */
};

#define PM_PREAUTH 0x1		/* allowed before authentication */

#define PERM_NONE 0

struct proto_msg {
	const char *type;
	const struct proto_field *fields;	/* terminated by a NULL name */
	uint64_t perm;		/* needs any of these PERM() bits, or PERM_NONE */
	unsigned flags;
	void (*handle)(struct client *, struct json_object *msg);
	/* Optional reply for a refused permission; a generic error otherwise. */
	void (*deny)(struct client *, struct json_object *msg);
};

/*
 * Decides whether a validated message may run: returns 0 to run it, or
 * non-zero after answering the client itself. Installed by the auth layer.
 */
typedef int (*proto_gate_fn)(struct client *, const struct proto_msg *, struct json_object *);
void proto_set_gate(proto_gate_fn);
/* Run when a WebSocket opens (cookie resume, auth_required). */
typedef void (*proto_open_fn)(struct client *, const struct http_req *);
void proto_on_open(proto_open_fn);

/*
 * Make the parser (again on a reload: the depth limit may change), index
 * the families registered so far and take the WebSocket's messages.
 */
void proto_init(void);
/* Add a family (a table ending in a NULL type); again is a no-op. */
void proto_register(const struct proto_msg *family);
void proto_open(struct client *, const struct http_req *);
/* One complete text message from a client. */
void proto_message(struct client *, const uint8_t *buf, size_t len);
const struct proto_msg *proto_find(const char *type);
/*
 * The entry for a message's "type" value t (a JSON string), or NULL when no
 * entry has exactly that name. A NUL inside t never matches the part before
 * it: then NULL and *has_nul is 1 (otherwise 0).
 */
const struct proto_msg *proto_find_type(struct json_object *t, int *has_nul);

/*
 * Validate msg against def's fields. Returns 0, or -1 with a message for
 * the client in err.
 */
int proto_validate(const struct proto_msg *def, struct json_object *msg, char *err, size_t errlen);
/* Length of a UTF-8 string in code points (utf8.h). */
#define proto_utf8_len(s) utf8_len(s)

/* Field accessors for handlers (the field was validated). */
const char *proto_str(struct json_object *msg, const char *name);
long long proto_int(struct json_object *msg, const char *name, long long def);
int proto_has(struct json_object *msg, const char *name);

/* This part's own family (ping and other system messages; proto_init registers it). */
extern const struct proto_msg proto_sys_msgs[];

#endif

/*
 * ipc.h: frames between chatgridd and chatgrid-itemhost, shared by both.
 *
 * A frame is a fixed 12-byte header (body length, message type, ABI major,
 * request id; big-endian) and exactly one msgpack value as its body. Bodies
 * are read by our own bounded decoder into struct cg_value trees (never by
 * msgpack-c's unpacker, which trusts declared counts) and written with
 * msgpack-c's packer. A short read, a body longer than IPC_MAX_BODY, another
 * ABI major, an unknown type, bytes after the value or a malformed value are
 * protocol errors: the reader stops and the peer is treated as broken.
 */
#ifndef CG_IPC_H
#define CG_IPC_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "chatgrid/plugin.h"

#define IPC_HDR_LEN 12
#define IPC_MAX_BODY (1024 * 1024)
#define IPC_MAX_DEPTH 32

/* The host's end of the socketpair, set up by the core before exec. */
#define IPC_HOST_FD 3
/* An event effect's "to" for one player named by "player" (event_to). */
#define IPC_TO_PLAYER 3

enum ipc_type {
	IPC_HELLO = 1,		/* core -> host: {"file","options":{k:v}} */
	IPC_TYPES = 2,		/* host -> core: {"name","version","types":[descriptor]} */
	IPC_FATAL = 3,		/* host -> core: {"message"}; the host exits */
	IPC_REQUEST = 4,	/* core -> host: {"action","type","item","actor","args","now"} */
	IPC_REPLY = 5,		/* host -> core: {"ok","message","params","effects"} */
	IPC_EVENT = 6,		/* host -> core, id 0: {"itemId","params","effects"} */
	IPC_LOG = 7,		/* host -> core, id 0: {"level","message"} */
	IPC_SONG_LOAD = 8,	/* host -> core, id chosen by the host: {"songId"} */
	IPC_SONG = 9,		/* core -> host, the same id: {"song": map or nil} */
	IPC_TYPE_MAX = 9,
};

struct ipc_hdr {
	uint32_t len;		/* body bytes */
	uint16_t type;		/* enum ipc_type */
	uint16_t abi;		/* CG_ABI_MAJOR */
	uint32_t id;		/* request id; 0 for unsolicited frames */
};

void ipc_hdr_encode(uint8_t out[IPC_HDR_LEN], const struct ipc_hdr *);
/* Decode and check a header; returns 0, or -1 with the reason in err. */
int ipc_hdr_decode(const uint8_t in[IPC_HDR_LEN], struct ipc_hdr *, char *err, size_t errlen);

/* ---- an arena for decoded values: everything is freed at once ---- */

struct ipc_arena;
struct ipc_arena *ipc_arena_new(void);
void ipc_arena_free(struct ipc_arena *);
/* Zeroed memory that lives as long as the arena. */
void *ipc_arena_alloc(struct ipc_arena *, size_t);
char *ipc_arena_strndup(struct ipc_arena *, const char *, size_t);

/*
 * Decode exactly one msgpack value filling buf[0..len) into a tree allocated
 * in the arena. Declared counts and lengths are checked against the bytes
 * left before anything is allocated; nesting is limited to IPC_MAX_DEPTH;
 * map keys must be strings; bin and ext are refused. Returns 0, or -1 with
 * the reason in err.
 */
int ipc_decode(struct ipc_arena *, const uint8_t *buf, size_t len, struct cg_value **out,
    char *err, size_t errlen);

/* Deep copy of v into the arena. */
struct cg_value ipc_value_copy(struct ipc_arena *, const struct cg_value *v);

/*
 * A growing byte stream split into frames. Feed it what was read, then take
 * frames until it answers 0 (more bytes needed) or -1 (protocol error; the
 * stream is then dead).
 */
struct ipc_reader {
	uint8_t *buf;
	size_t len, cap;
	size_t consumed;	/* bytes of the last frame returned, dropped at the next call */
	int dead;
};

void ipc_reader_init(struct ipc_reader *);
void ipc_reader_free(struct ipc_reader *);
/* Returns 0, or -1 if the stream already holds more than one frame may. */
int ipc_reader_feed(struct ipc_reader *, const void *data, size_t len);
/*
 * 1: a frame; *hdr and *body (hdr->len bytes, valid until the next call) are
 * set. 0: more bytes are needed. -1: protocol error, reason in err.
 */
int ipc_reader_next(struct ipc_reader *, struct ipc_hdr *, const uint8_t **body, char *err,
    size_t errlen);

/* ---- writing ---- */

/* Pack a value tree. */
void ipc_pack_value(msgpack_packer *, const struct cg_value *);
/* Pack a NUL-terminated string (NULL packs nil). */
void ipc_pack_str(msgpack_packer *, const char *);
/* Pack a key and then a string value. */
void ipc_pack_kv_str(msgpack_packer *, const char *key, const char *value);
void ipc_pack_kv_int(msgpack_packer *, const char *key, int64_t value);

/* Header and body as one buffer (malloc'd; caller frees); len gets its size. */
uint8_t *ipc_frame(enum ipc_type, uint32_t id, const msgpack_sbuffer *body, size_t *len);

/* ---- reading decoded maps ---- */

/* The string member (NUL-terminated), or NULL if absent or not a string. */
const char *ipc_get_str(const struct cg_value *map, const char *key);
/* The integer member in *out (ints, and floats with integral values); 0 or -1. */
int ipc_get_int(const struct cg_value *map, const char *key, int64_t *out);
/* The number member (int or float) in *out; 0 or -1. */
int ipc_get_num(const struct cg_value *map, const char *key, double *out);
/* The boolean member: 1, 0, or def when absent or not a boolean. */
int ipc_get_bool(const struct cg_value *map, const char *key, int def);
/* The member if it has that type, else NULL. */
const struct cg_value *ipc_get(const struct cg_value *map, const char *key, int type);

#endif

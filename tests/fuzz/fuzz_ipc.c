/*
 * fuzz_ipc.c: libFuzzer target for the plugin frame reader (core/lib/ipc.c):
 * the input is fed as a byte stream, in uneven pieces, to the frame reader,
 * and every frame's body goes through the bounded msgpack decoder and on
 * to JSON as the core would take it; the input is also decoded as one bare
 * body. A decoded value must pack and decode again to the same bytes.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <msgpack.h>

#include "ipc.h"
#include "pluginhost/pluginhost.h"

/* Decode a body; if it decodes, convert it and check that it round-trips. */
static void
body(const uint8_t *data, size_t size)
{
	struct ipc_arena *a = ipc_arena_new();
	struct cg_value *v, *w;
	struct json_object *o;
	msgpack_sbuffer sb, sb2;
	msgpack_packer pk;
	char err[256];

	if (ipc_decode(a, data, size, &v, err, sizeof err) == 0) {
		o = plugin_value_to_json(v);
		(void)json_object_to_json_string(o);
		json_object_put(o);
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		ipc_pack_value(&pk, v);
		if (ipc_decode(a, (const uint8_t *)sb.data, sb.size, &w, err, sizeof err) != 0)
			abort();	/* our own output must read back */
		msgpack_sbuffer_init(&sb2);
		msgpack_packer_init(&pk, &sb2, msgpack_sbuffer_write);
		ipc_pack_value(&pk, w);
		if (sb.size != sb2.size || memcmp(sb.data, sb2.data, sb.size) != 0)
			abort();
		msgpack_sbuffer_destroy(&sb);
		msgpack_sbuffer_destroy(&sb2);
	}
	ipc_arena_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipc_reader rd;
	struct ipc_hdr h;
	const uint8_t *b;
	char err[256];
	size_t off = 0, step = 1;
	int rc;

	ipc_reader_init(&rd);
	while (off < size) {
		size_t n = size - off < step ? size - off : step;

		if (ipc_reader_feed(&rd, data + off, n) != 0)
			break;
		off += n;
		step = step * 3 + 1;
		while ((rc = ipc_reader_next(&rd, &h, &b, err, sizeof err)) == 1) {
			if (h.len > IPC_MAX_BODY)
				abort();
			body(b, h.len);
		}
		if (rc < 0)
			break;
	}
	ipc_reader_free(&rd);
	body(data, size);
	return 0;
}

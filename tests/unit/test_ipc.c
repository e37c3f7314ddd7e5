/*
 * test_ipc.c: the frames between chatgridd and its plugin hosts (core/lib/ipc.c):
 * headers, the bounded msgpack decoder against hostile counts and lengths,
 * and the stream reader fed in pieces.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <msgpack.h>

#include "ipc.h"

static char err[256];

/* Decode len bytes; returns 0/-1 and leaves the value in *out. */
static int
decode(struct ipc_arena *a, const void *buf, size_t len, struct cg_value **out)
{
	err[0] = '\0';
	return ipc_decode(a, buf, len, out, err, sizeof err);
}

START_TEST(header_round_trip)
{
	struct ipc_hdr h = { 1234, IPC_REPLY, CG_ABI_MAJOR, 0xdeadbeef }, g;
	uint8_t b[IPC_HDR_LEN];

	ipc_hdr_encode(b, &h);
	ck_assert_int_eq(b[0], 0);
	ck_assert_int_eq(b[3], 1234 & 0xff);
	ck_assert_int_eq(ipc_hdr_decode(b, &g, err, sizeof err), 0);
	ck_assert_uint_eq(g.len, 1234);
	ck_assert_uint_eq(g.type, IPC_REPLY);
	ck_assert_uint_eq(g.id, 0xdeadbeef);
}
END_TEST

START_TEST(header_rejects)
{
	struct ipc_hdr h = { 10, IPC_REPLY, CG_ABI_MAJOR + 1, 1 }, g;
	uint8_t b[IPC_HDR_LEN];

	ipc_hdr_encode(b, &h);
	ck_assert_int_eq(ipc_hdr_decode(b, &g, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "ABI"));
	h.abi = CG_ABI_MAJOR;
	h.type = 99;
	ipc_hdr_encode(b, &h);
	ck_assert_int_eq(ipc_hdr_decode(b, &g, err, sizeof err), -1);
	h.type = IPC_LOG;
	h.len = IPC_MAX_BODY + 1;
	ipc_hdr_encode(b, &h);
	ck_assert_int_eq(ipc_hdr_decode(b, &g, err, sizeof err), -1);
	h.len = 0;
	ipc_hdr_encode(b, &h);
	ck_assert_int_eq(ipc_hdr_decode(b, &g, err, sizeof err), -1);
}
END_TEST

START_TEST(values_round_trip)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct ipc_arena *a = ipc_arena_new();
	const struct cg_value *arr;
	struct cg_value *v;
	int64_t n;
	double d;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 7);
	ipc_pack_kv_int(&pk, "small", 5);
	ipc_pack_kv_int(&pk, "neg", -70000);
	ipc_pack_kv_int(&pk, "big", INT64_MIN);
	ipc_pack_kv_str(&pk, "s", "h\xc3\xa9llo");
	ipc_pack_str(&pk, "f");
	msgpack_pack_double(&pk, 25.5);
	ipc_pack_str(&pk, "b");
	msgpack_pack_true(&pk);
	ipc_pack_str(&pk, "a");
	msgpack_pack_array(&pk, 3);
	msgpack_pack_nil(&pk);
	msgpack_pack_uint64(&pk, 300);
	msgpack_pack_float(&pk, 1.5f);
	ck_assert_int_eq(decode(a, sb.data, sb.size, &v), 0);
	ck_assert_int_eq(v->type, CG_MAP);
	ck_assert_int_eq(ipc_get_int(v, "small", &n), 0);
	ck_assert_int_eq(n, 5);
	ck_assert_int_eq(ipc_get_int(v, "neg", &n), 0);
	ck_assert_int_eq(n, -70000);
	ck_assert_int_eq(ipc_get_int(v, "big", &n), 0);
	ck_assert(n == INT64_MIN);
	ck_assert_str_eq(ipc_get_str(v, "s"), "h\xc3\xa9llo");
	ck_assert_int_eq(ipc_get_num(v, "f", &d), 0);
	ck_assert(d == 25.5);
	ck_assert_int_eq(ipc_get_bool(v, "b", 0), 1);
	arr = ipc_get(v, "a", CG_ARRAY);
	ck_assert_ptr_nonnull(arr);
	ck_assert_uint_eq(arr->len, 3);
	ck_assert_int_eq(arr->u.items[0].type, CG_NIL);
	ck_assert_int_eq(arr->u.items[1].u.i, 300);
	ck_assert(arr->u.items[2].u.f == 1.5);
	/* Re-packing gives a value that decodes the same. */
	msgpack_sbuffer_clear(&sb);
	ipc_pack_value(&pk, v);
	ck_assert_int_eq(decode(a, sb.data, sb.size, &v), 0);
	ck_assert_str_eq(ipc_get_str(v, "s"), "h\xc3\xa9llo");
	msgpack_sbuffer_destroy(&sb);
	ipc_arena_free(a);
}
END_TEST

START_TEST(hostile_counts)
{
	/* array32 / map32 / str32 headers claiming far more than the body holds */
	static const uint8_t arr[] = { 0xdd, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t map[] = { 0xdf, 0x7f, 0xff, 0xff, 0xff, 0x01 };
	static const uint8_t str[] = { 0xdb, 0x00, 0x10, 0x00, 0x00, 'a' };
	static const uint8_t arr2[] = { 0x92, 0x01 };	/* fixarray of 2 with one element */
	struct ipc_arena *a = ipc_arena_new();
	struct cg_value *v;

	ck_assert_int_eq(decode(a, arr, sizeof arr, &v), -1);
	ck_assert_ptr_nonnull(strstr(err, "count"));
	ck_assert_int_eq(decode(a, map, sizeof map, &v), -1);
	ck_assert_int_eq(decode(a, str, sizeof str, &v), -1);
	ck_assert_int_eq(decode(a, arr2, sizeof arr2, &v), -1);
	ipc_arena_free(a);
}
END_TEST

START_TEST(refuses_the_rest)
{
	static const uint8_t trailing[] = { 0x01, 0x02 };
	static const uint8_t bin[] = { 0xc4, 0x01, 0x00 };
	static const uint8_t ext[] = { 0xd4, 0x01, 0x00 };
	static const uint8_t intkey[] = { 0x81, 0x01, 0x02 };
	static const uint8_t never[] = { 0xc1 };
	static const uint8_t bigu64[] = { 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t deep[IPC_MAX_DEPTH + 3];
	struct ipc_arena *a = ipc_arena_new();
	struct cg_value *v;

	ck_assert_int_eq(decode(a, trailing, sizeof trailing, &v), -1);
	ck_assert_ptr_nonnull(strstr(err, "after"));
	ck_assert_int_eq(decode(a, bin, sizeof bin, &v), -1);
	ck_assert_int_eq(decode(a, ext, sizeof ext, &v), -1);
	ck_assert_int_eq(decode(a, intkey, sizeof intkey, &v), -1);
	ck_assert_int_eq(decode(a, never, sizeof never, &v), -1);
	ck_assert_int_eq(decode(a, bigu64, sizeof bigu64, &v), -1);
	ck_assert_int_eq(decode(a, trailing, 0, &v), -1);
	memset(deep, 0x91, sizeof deep);
	deep[sizeof deep - 1] = 0x01;
	ck_assert_int_eq(decode(a, deep, sizeof deep, &v), -1);
	ck_assert_ptr_nonnull(strstr(err, "deep"));
	/* Exactly at the limit is fine. */
	ck_assert_int_eq(decode(a, deep + 2, sizeof deep - 2, &v), 0);
	ipc_arena_free(a);
}
END_TEST

static size_t
make_frame(uint8_t *out, enum ipc_type type, uint32_t id, const char *text)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint8_t *f;
	size_t len;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	ipc_pack_kv_str(&pk, "message", text);
	f = ipc_frame(type, id, &sb, &len);
	memcpy(out, f, len);
	free(f);
	msgpack_sbuffer_destroy(&sb);
	return len;
}

START_TEST(reader_in_pieces)
{
	struct ipc_reader rd;
	struct ipc_hdr h;
	const uint8_t *body;
	uint8_t buf[512];
	size_t n, i;
	int frames = 0, rc;

	n = make_frame(buf, IPC_LOG, 0, "one");
	n += make_frame(buf + n, IPC_REPLY, 7, "two");
	ipc_reader_init(&rd);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(ipc_reader_feed(&rd, buf + i, 1), 0);
		while ((rc = ipc_reader_next(&rd, &h, &body, err, sizeof err)) == 1) {
			frames++;
			if (frames == 2) {
				ck_assert_uint_eq(h.type, IPC_REPLY);
				ck_assert_uint_eq(h.id, 7);
			}
		}
		ck_assert_int_eq(rc, 0);
	}
	ck_assert_int_eq(frames, 2);
	ipc_reader_free(&rd);
}
END_TEST

START_TEST(reader_garbage)
{
	static const uint8_t junk[] = "\xff\xff\xff\xff\x7f\x7fGARBAGE";
	struct ipc_reader rd;
	struct ipc_hdr h;
	const uint8_t *body;

	ipc_reader_init(&rd);
	ck_assert_int_eq(ipc_reader_feed(&rd, junk, sizeof junk - 1), 0);
	ck_assert_int_eq(ipc_reader_next(&rd, &h, &body, err, sizeof err), -1);
	/* Broken for good. */
	ck_assert_int_eq(ipc_reader_next(&rd, &h, &body, err, sizeof err), -1);
	ck_assert_int_eq(ipc_reader_feed(&rd, junk, 1), -1);
	ipc_reader_free(&rd);
}
END_TEST

static Suite *
ipc_suite(void)
{
	Suite *s = suite_create("ipc");
	TCase *tc = tcase_create("frames");

	tcase_add_test(tc, header_round_trip);
	tcase_add_test(tc, header_rejects);
	tcase_add_test(tc, values_round_trip);
	tcase_add_test(tc, hostile_counts);
	tcase_add_test(tc, refuses_the_rest);
	tcase_add_test(tc, reader_in_pieces);
	tcase_add_test(tc, reader_garbage);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ipc_suite());
	int nf;

	srunner_run_all(sr, CK_ENV);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}

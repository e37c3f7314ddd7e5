/*
 * ipc.c: frames and msgpack bodies between chatgridd and its plugin hosts.
 * The decoder is our own and bounded: every declared count or length is
 * checked against the bytes left before anything is allocated, because
 * msgpack-c's unpacker reserves count x 16 bytes from a hostile header.
 * Used by both processes, so it depends on nothing of the core but libc
 * and msgpack-c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"

/* ---- headers ---- */

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

void
ipc_hdr_encode(uint8_t out[IPC_HDR_LEN], const struct ipc_hdr *h)
{
	put32(out, h->len);
	put16(out + 4, h->type);
	put16(out + 6, h->abi);
	put32(out + 8, h->id);
}

int
ipc_hdr_decode(const uint8_t in[IPC_HDR_LEN], struct ipc_hdr *h, char *err, size_t errlen)
{
	h->len = get32(in);
	h->type = get16(in + 4);
	h->abi = get16(in + 6);
	h->id = get32(in + 8);
	if (h->abi != CG_ABI_MAJOR) {
		snprintf(err, errlen, "frame for ABI %u, expected %u", h->abi, CG_ABI_MAJOR);
		return -1;
	}
	if (h->type < IPC_HELLO || h->type > IPC_TYPE_MAX) {
		snprintf(err, errlen, "unknown frame type %u", h->type);
		return -1;
	}
	if (h->len == 0 || h->len > IPC_MAX_BODY) {
		snprintf(err, errlen, "frame body of %u bytes (1 to %u allowed)", h->len, IPC_MAX_BODY);
		return -1;
	}
	return 0;
}

/* ---- arena ---- */

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

struct ipc_arena {
	struct arena_chunk *head;
};

static void *
xalloc(size_t n)
{
	void *p = calloc(1, n);

	if (p == NULL) {
		fputs("out of memory\n", stderr);
		abort();
	}
	return p;
}

struct ipc_arena *
ipc_arena_new(void)
{
	return xalloc(sizeof(struct ipc_arena));
}

void
ipc_arena_free(struct ipc_arena *a)
{
	struct arena_chunk *c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void *
ipc_arena_alloc(struct ipc_arena *a, size_t n)
{
	const size_t align = sizeof(max_align_t);
	struct arena_chunk *c = a->head;
	size_t cap;
	void *p;

	n = (n + align - 1) / align * align;
	if (n == 0)
		n = align;
	if (c == NULL || c->cap - c->used < n) {
		cap = n > 16384 ? n : 16384;
		c = xalloc(sizeof *c + cap);
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	p = (char *)c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

char *
ipc_arena_strndup(struct ipc_arena *a, const char *s, size_t n)
{
	char *p = ipc_arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* ---- the bounded decoder ---- */

struct dec {
	struct ipc_arena *a;
	const uint8_t *p, *end;
	char *err;
	size_t errlen;
};

static int
dec_fail(struct dec *d, const char *what)
{
	snprintf(d->err, d->errlen, "%s", what);
	return -1;
}

static int
need(struct dec *d, size_t n)
{
	return (size_t)(d->end - d->p) >= n ? 0 : dec_fail(d, "value runs past the end of the body");
}

static uint64_t
be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static int dec_value(struct dec *, struct cg_value *, int depth);

static int
dec_str(struct dec *d, size_t n, struct cg_value *v)
{
	if (need(d, n) != 0)
		return -1;
	v->type = CG_STR;
	v->len = (uint32_t)n;
	v->u.s = ipc_arena_strndup(d->a, (const char *)d->p, n);
	d->p += n;
	return 0;
}

static int
dec_array(struct dec *d, size_t n, struct cg_value *v, int depth)
{
	struct cg_value *items;
	size_t i;

	/* Every element takes at least one byte: a count beyond that is a lie. */
	if (n > (size_t)(d->end - d->p))
		return dec_fail(d, "array count exceeds the bytes left");
	items = ipc_arena_alloc(d->a, (n ? n : 1) * sizeof *items);
	for (i = 0; i < n; i++)
		if (dec_value(d, &items[i], depth + 1) != 0)
			return -1;
	v->type = CG_ARRAY;
	v->len = (uint32_t)n;
	v->u.items = items;
	return 0;
}

static int
dec_map(struct dec *d, size_t n, struct cg_value *v, int depth)
{
	struct cg_pair *pairs;
	struct cg_value key;
	size_t i;

	if (n > (size_t)(d->end - d->p) / 2)
		return dec_fail(d, "map count exceeds the bytes left");
	pairs = ipc_arena_alloc(d->a, (n ? n : 1) * sizeof *pairs);
	for (i = 0; i < n; i++) {
		if (dec_value(d, &key, depth + 1) != 0)
			return -1;
		if (key.type != CG_STR)
			return dec_fail(d, "map key is not a string");
		pairs[i].key = key.u.s;
		pairs[i].key_len = key.len;
		if (dec_value(d, &pairs[i].value, depth + 1) != 0)
			return -1;
	}
	v->type = CG_MAP;
	v->len = (uint32_t)n;
	v->u.pairs = pairs;
	return 0;
}

static int
dec_value(struct dec *d, struct cg_value *v, int depth)
{
	uint8_t b;
	size_t n;
	union { uint32_t u; float f; } f32;
	union { uint64_t u; double f; } f64;

	if (depth > IPC_MAX_DEPTH)
		return dec_fail(d, "values nested too deeply");
	if (need(d, 1) != 0)
		return -1;
	memset(v, 0, sizeof *v);
	b = *d->p++;
	if (b <= 0x7f) {
		v->type = CG_INT;
		v->u.i = b;
		return 0;
	}
	if (b >= 0xe0) {
		v->type = CG_INT;
		v->u.i = (int8_t)b;
		return 0;
	}
	if ((b & 0xf0) == 0x80)
		return dec_map(d, b & 0x0f, v, depth);
	if ((b & 0xf0) == 0x90)
		return dec_array(d, b & 0x0f, v, depth);
	if ((b & 0xe0) == 0xa0)
		return dec_str(d, b & 0x1f, v);
	switch (b) {
	case 0xc0:
		v->type = CG_NIL;
		return 0;
	case 0xc2:
	case 0xc3:
		v->type = CG_BOOL;
		v->u.i = b == 0xc3;
		return 0;
	case 0xca:
		if (need(d, 4) != 0)
			return -1;
		f32.u = (uint32_t)be(d->p, 4);
		d->p += 4;
		v->type = CG_FLOAT;
		v->u.f = f32.f;
		return 0;
	case 0xcb:
		if (need(d, 8) != 0)
			return -1;
		f64.u = be(d->p, 8);
		d->p += 8;
		v->type = CG_FLOAT;
		v->u.f = f64.f;
		return 0;
	case 0xcc: case 0xcd: case 0xce: case 0xcf:
		n = (size_t)1 << (b - 0xcc);
		if (need(d, n) != 0)
			return -1;
		if (n == 8 && be(d->p, 8) > INT64_MAX)
			return dec_fail(d, "unsigned integer out of range");
		v->type = CG_INT;
		v->u.i = (int64_t)be(d->p, (int)n);
		d->p += n;
		return 0;
	case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
		uint64_t u;

		n = (size_t)1 << (b - 0xd0);
		if (need(d, n) != 0)
			return -1;
		u = be(d->p, (int)n);
		d->p += n;
		v->type = CG_INT;
		/* Sign-extend from n bytes. */
		if (n < 8 && (u >> (n * 8 - 1)) & 1)
			u |= ~(uint64_t)0 << (n * 8);
		v->u.i = (int64_t)u;
		return 0;
	}
	case 0xd9: case 0xda: case 0xdb:
		n = (size_t)1 << (b - 0xd9);
		if (need(d, n) != 0)
			return -1;
		{
			size_t len = (size_t)be(d->p, (int)n);

			d->p += n;
			return dec_str(d, len, v);
		}
	case 0xdc: case 0xdd:
		n = b == 0xdc ? 2 : 4;
		if (need(d, n) != 0)
			return -1;
		{
			size_t cnt = (size_t)be(d->p, (int)n);

			d->p += n;
			return dec_array(d, cnt, v, depth);
		}
	case 0xde: case 0xdf:
		n = b == 0xde ? 2 : 4;
		if (need(d, n) != 0)
			return -1;
		{
			size_t cnt = (size_t)be(d->p, (int)n);

			d->p += n;
			return dec_map(d, cnt, v, depth);
		}
	}
	/* 0xc1 (never used), bin, ext and fixext. */
	return dec_fail(d, "unsupported msgpack type");
}

int
ipc_decode(struct ipc_arena *a, const uint8_t *buf, size_t len, struct cg_value **out,
    char *err, size_t errlen)
{
	struct dec d = { a, buf, buf + len, err, errlen };
	struct cg_value *v = ipc_arena_alloc(a, sizeof *v);

	if (dec_value(&d, v, 0) != 0)
		return -1;
	if (d.p != d.end) {
		snprintf(err, errlen, "%zu bytes after the value", (size_t)(d.end - d.p));
		return -1;
	}
	*out = v;
	return 0;
}

struct cg_value
ipc_value_copy(struct ipc_arena *a, const struct cg_value *v)
{
	struct cg_value c = *v;
	struct cg_value *items;
	struct cg_pair *pairs;
	uint32_t i;

	switch (v->type) {
	case CG_STR:
		c.u.s = ipc_arena_strndup(a, v->u.s, v->len);
		break;
	case CG_ARRAY:
		items = ipc_arena_alloc(a, (v->len ? v->len : 1) * sizeof *items);
		for (i = 0; i < v->len; i++)
			items[i] = ipc_value_copy(a, &v->u.items[i]);
		c.u.items = items;
		break;
	case CG_MAP:
		pairs = ipc_arena_alloc(a, (v->len ? v->len : 1) * sizeof *pairs);
		for (i = 0; i < v->len; i++) {
			pairs[i].key = ipc_arena_strndup(a, v->u.pairs[i].key, v->u.pairs[i].key_len);
			pairs[i].key_len = v->u.pairs[i].key_len;
			pairs[i].value = ipc_value_copy(a, &v->u.pairs[i].value);
		}
		c.u.pairs = pairs;
		break;
	case CG_NIL:
	case CG_BOOL:
	case CG_INT:
	case CG_FLOAT:
		break;
	default:
		c.type = CG_NIL;
		break;
	}
	return c;
}

/* ---- the stream reader ---- */

void
ipc_reader_init(struct ipc_reader *r)
{
	memset(r, 0, sizeof *r);
}

void
ipc_reader_free(struct ipc_reader *r)
{
	free(r->buf);
	memset(r, 0, sizeof *r);
}

static void
reader_compact(struct ipc_reader *r)
{
	if (r->consumed == 0)
		return;
	memmove(r->buf, r->buf + r->consumed, r->len - r->consumed);
	r->len -= r->consumed;
	r->consumed = 0;
}

int
ipc_reader_feed(struct ipc_reader *r, const void *data, size_t len)
{
	size_t want;
	uint8_t *nb;

	if (r->dead)
		return -1;
	reader_compact(r);
	want = r->len + len;
	/* The consumer takes frames after each feed: more than two frames' worth is a flood. */
	if (want > 2 * (IPC_HDR_LEN + (size_t)IPC_MAX_BODY)) {
		r->dead = 1;
		return -1;
	}
	if (want > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;

		while (cap < want)
			cap *= 2;
		if ((nb = realloc(r->buf, cap)) == NULL) {
			r->dead = 1;
			return -1;
		}
		r->buf = nb;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, data, len);
	r->len += len;
	return 0;
}

int
ipc_reader_next(struct ipc_reader *r, struct ipc_hdr *h, const uint8_t **body, char *err,
    size_t errlen)
{
	if (r->dead) {
		snprintf(err, errlen, "stream already broken");
		return -1;
	}
	reader_compact(r);
	if (r->len < IPC_HDR_LEN)
		return 0;
	if (ipc_hdr_decode(r->buf, h, err, errlen) != 0) {
		r->dead = 1;
		return -1;
	}
	if (r->len - IPC_HDR_LEN < h->len)
		return 0;
	*body = r->buf + IPC_HDR_LEN;
	r->consumed = IPC_HDR_LEN + h->len;
	return 1;
}

/* ---- writing ---- */

void
ipc_pack_str(msgpack_packer *pk, const char *s)
{
	size_t n;

	if (s == NULL) {
		msgpack_pack_nil(pk);
		return;
	}
	n = strlen(s);
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

void
ipc_pack_kv_str(msgpack_packer *pk, const char *key, const char *value)
{
	ipc_pack_str(pk, key);
	ipc_pack_str(pk, value);
}

void
ipc_pack_kv_int(msgpack_packer *pk, const char *key, int64_t value)
{
	ipc_pack_str(pk, key);
	msgpack_pack_int64(pk, value);
}

void
ipc_pack_value(msgpack_packer *pk, const struct cg_value *v)
{
	uint32_t i;

	switch (v->type) {
	case CG_BOOL:
		if (v->u.i)
			msgpack_pack_true(pk);
		else
			msgpack_pack_false(pk);
		break;
	case CG_INT:
		msgpack_pack_int64(pk, v->u.i);
		break;
	case CG_FLOAT:
		msgpack_pack_double(pk, v->u.f);
		break;
	case CG_STR:
		msgpack_pack_str(pk, v->len);
		msgpack_pack_str_body(pk, v->u.s, v->len);
		break;
	case CG_ARRAY:
		msgpack_pack_array(pk, v->len);
		for (i = 0; i < v->len; i++)
			ipc_pack_value(pk, &v->u.items[i]);
		break;
	case CG_MAP:
		msgpack_pack_map(pk, v->len);
		for (i = 0; i < v->len; i++) {
			msgpack_pack_str(pk, v->u.pairs[i].key_len);
			msgpack_pack_str_body(pk, v->u.pairs[i].key, v->u.pairs[i].key_len);
			ipc_pack_value(pk, &v->u.pairs[i].value);
		}
		break;
	default:
		msgpack_pack_nil(pk);
		break;
	}
}

uint8_t *
ipc_frame(enum ipc_type type, uint32_t id, const msgpack_sbuffer *body, size_t *len)
{
	struct ipc_hdr h = { (uint32_t)body->size, (uint16_t)type, CG_ABI_MAJOR, id };
	uint8_t *out = xalloc(IPC_HDR_LEN + body->size);

	ipc_hdr_encode(out, &h);
	memcpy(out + IPC_HDR_LEN, body->data, body->size);
	*len = IPC_HDR_LEN + body->size;
	return out;
}

/* ---- reading maps ---- */

const struct cg_value *
ipc_get(const struct cg_value *map, const char *key, int type)
{
	const struct cg_value *v = cg_map_get(map, key);

	return v != NULL && v->type == type ? v : NULL;
}

const char *
ipc_get_str(const struct cg_value *map, const char *key)
{
	const struct cg_value *v = ipc_get(map, key, CG_STR);

	return v != NULL ? v->u.s : NULL;
}

int
ipc_get_int(const struct cg_value *map, const char *key, int64_t *out)
{
	const struct cg_value *v = cg_map_get(map, key);

	if (v == NULL)
		return -1;
	if (v->type == CG_INT) {
		*out = v->u.i;
		return 0;
	}
	if (v->type == CG_FLOAT && v->u.f > -9.2e18 && v->u.f < 9.2e18 && v->u.f == (double)(int64_t)v->u.f) {
		*out = (int64_t)v->u.f;
		return 0;
	}
	return -1;
}

int
ipc_get_num(const struct cg_value *map, const char *key, double *out)
{
	const struct cg_value *v = cg_map_get(map, key);

	if (v == NULL)
		return -1;
	if (v->type == CG_INT) {
		*out = (double)v->u.i;
		return 0;
	}
	if (v->type == CG_FLOAT) {
		*out = v->u.f;
		return 0;
	}
	return -1;
}

int
ipc_get_bool(const struct cg_value *map, const char *key, int def)
{
	const struct cg_value *v = ipc_get(map, key, CG_BOOL);

	return v != NULL ? (int)v->u.i : def;
}

/*
 * fuzz_http.c: HTTP request heads (core/chatgridd/net/http.c) on arbitrary bytes, the
 * way client.c reads them: find the head in an evbuffer, parse it, then
 * use the result (headers, tokens, the decoded path, MIME type, Origin).
 * The whole input is also parsed directly from an exact-size buffer, so
 * any read past its end is caught.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "cfg.h"
#include "net/http.h"

#define FUZZ_ASSERT(x) do { if (!(x)) { \
	fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #x); \
	abort(); } } while (0)

static struct config *same_host, *listed;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	same_host = cfg_defaults();
	listed = cfg_defaults();
	listed->allowed_origins[0] = strdup("https://chat.example.org");
	listed->allowed_origins[1] = strdup("http://localhost:8765/");
	listed->nallowed_origins = 2;
	return 0;
}

/* Everything a handler may do with a parsed request. */
static void
use_request(struct http_req *r)
{
	char *d;
	const char *v;
	size_t tl;
	int i, ncl;

	FUZZ_ASSERT(r->method != NULL && *r->method != '\0');
	FUZZ_ASSERT(r->target != NULL && r->target[0] == '/');
	FUZZ_ASSERT(r->path != NULL && r->path[0] == '/');
	FUZZ_ASSERT(r->query != NULL);
	FUZZ_ASSERT(r->minor >= 0 && r->minor <= 9);
	FUZZ_ASSERT(r->nh >= 0 && r->nh <= HTTP_MAX_HEADERS);
	FUZZ_ASSERT(r->keep_alive == 0 || r->keep_alive == 1);
	if (r->minor >= 1)
		FUZZ_ASSERT(http_header(r, "Host") != NULL);
	/* Accepted framing is unambiguous: one Content-Length of digits, never with Transfer-Encoding. */
	ncl = 0;
	for (i = 0; i < r->nh; i++)
		if (strcasecmp(r->h[i].name, "Content-Length") == 0) {
			ncl++;
			FUZZ_ASSERT(*r->h[i].value != '\0' &&
			    strspn(r->h[i].value, "0123456789") == strlen(r->h[i].value));
		}
	FUZZ_ASSERT(ncl <= 1);
	FUZZ_ASSERT(ncl == 0 || http_header(r, "Transfer-Encoding") == NULL);
	for (i = 0; i < r->nh; i++) {
		FUZZ_ASSERT(r->h[i].name != NULL && *r->h[i].name != '\0');
		FUZZ_ASSERT(r->h[i].value != NULL);
		FUZZ_ASSERT(strchr(r->h[i].name, ':') == NULL);
		FUZZ_ASSERT(http_header(r, r->h[i].name) != NULL);
		/* Each header's own first element is one of its tokens. */
		v = r->h[i].value;
		tl = strcspn(v, ",");
		while (tl > 0 && (v[tl - 1] == ' ' || v[tl - 1] == '\t'))
			tl--;
		if (tl > 0 && tl < 256 && strchr(" \t", v[0]) == NULL) {
			char tok[256];

			memcpy(tok, v, tl);
			tok[tl] = '\0';
			FUZZ_ASSERT(http_header_has_token(r, r->h[i].name, tok));
		}
	}
	(void)http_header_has_token(r, "Connection", "upgrade");
	(void)http_header_has_token(r, "Upgrade", "websocket");
	(void)http_header_has_token(r, "Sec-WebSocket-Protocol", "chatgrid");
	(void)http_header(r, "Sec-WebSocket-Key");
	d = http_decode_path(r->target, strcspn(r->target, "?"));
	FUZZ_ASSERT(d != NULL && strcmp(d, r->path) == 0);
	free(d);
	(void)http_mime_type(r->path);
	cfg = same_host;
	(void)http_origin_allowed(r);
	cfg = listed;
	(void)http_origin_allowed(r);
	cfg = NULL;
}

static void
parse_and_use(const char *buf, size_t len)
{
	struct http_req r;
	int st = http_parse(buf, len, &r);

	FUZZ_ASSERT(st == 0 || st == 400 || st == 414 || st == 431 || st == 501 || st == 505);
	if (st == 0)
		use_request(&r);
	http_req_free(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbuffer *in;
	char *copy, *d;
	long n;
	size_t i, pct = 0;
	int nul = 0;

	/* Directly, from a buffer of exactly size bytes. */
	copy = malloc(size > 0 ? size : 1);
	FUZZ_ASSERT(copy != NULL);
	if (size > 0)
		memcpy(copy, data, size);
	parse_and_use(copy, size);

	/* As the server does: head length first, then only that head. */
	in = evbuffer_new();
	FUZZ_ASSERT(in != NULL);
	evbuffer_add(in, data, size);
	n = http_head_length(in);
	FUZZ_ASSERT(n == 0 || n == -414 || n == -431 || (n > 0 && (size_t)n <= size));
	if (n > 0) {
		/* The head ends with an empty line: LF LF, or LF CR LF (CRLF CRLF included). */
		FUZZ_ASSERT((n >= 2 && data[n - 1] == '\n' && data[n - 2] == '\n') ||
		    (n >= 3 && memcmp(data + n - 3, "\n\r\n", 3) == 0));
		parse_and_use((const char *)evbuffer_pullup(in, n), (size_t)n);
	}
	evbuffer_free(in);

	/* The raw bytes as a path: decoding drops two bytes per escape, never makes a NUL. */
	d = http_decode_path(copy, size);
	for (i = 0; i < size; i++) {
		pct += copy[i] == '%';
		nul |= copy[i] == '\0';
	}
	if (d != NULL && !nul)
		FUZZ_ASSERT(strlen(d) == size - 2 * pct);
	free(d);
	free(copy);
	return 0;
}

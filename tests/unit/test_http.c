/*
 * test_http.c: request heads (core/chatgridd/net/http.c): parsing under the size limits,
 * finding a head's end in an evbuffer, percent-decoding, keep-alive,
 * header tokens, MIME types and the Origin check.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/buffer.h>

#include "cfg.h"
#include "net/http.h"

/*
 * Parse s from an exact-size heap copy (no NUL after it), so a sanitizer
 * build catches any read past len. r must be freed with http_req_free.
 */
static int
parse_n(const char *s, size_t len, struct http_req *r)
{
	char *copy = malloc(len > 0 ? len : 1);
	int st;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, s, len);
	st = http_parse(copy, len, r);
	free(copy);
	return st;
}

static int
parse(const char *s, struct http_req *r)
{
	return parse_n(s, strlen(s), r);
}

/* The status http_parse gives s; frees the request. */
static int
status_of(const char *s)
{
	struct http_req r;
	int st = parse(s, &r);

	http_req_free(&r);
	return st;
}

/* A string of n copies of c, owned by the caller. */
static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

START_TEST(test_request_line_and_headers)
{
	struct http_req r;

	ck_assert_int_eq(parse("GET /index.html?x=1&y=2 HTTP/1.1\r\n"
	    "Host: example.com:8765\r\n"
	    "User-Agent:   test agent \t \r\n"
	    "X-Empty:\r\n"
	    "x-lower: v\r\n"
	    "\r\n", &r), 0);
	ck_assert_str_eq(r.method, "GET");
	ck_assert_str_eq(r.target, "/index.html?x=1&y=2");
	ck_assert_str_eq(r.path, "/index.html");
	ck_assert_str_eq(r.query, "x=1&y=2");
	ck_assert_int_eq(r.minor, 1);
	ck_assert_int_eq(r.keep_alive, 1);
	ck_assert_int_eq(r.nh, 4);
	ck_assert_str_eq(r.h[0].name, "Host");
	ck_assert_str_eq(r.h[0].value, "example.com:8765");
	ck_assert_str_eq(http_header(&r, "host"), "example.com:8765");
	ck_assert_str_eq(http_header(&r, "USER-AGENT"), "test agent");
	ck_assert_str_eq(http_header(&r, "X-Empty"), "");
	ck_assert_str_eq(http_header(&r, "X-Lower"), "v");
	ck_assert_ptr_null(http_header(&r, "Missing"));
	ck_assert_ptr_null(http_header(&r, "Hos"));
	http_req_free(&r);

	/* Other tchar methods are parsed (http_dispatch answers 405). */
	ck_assert_int_eq(parse("M-SEARCH_x.y! / HTTP/1.1\r\nHost: a\r\n\r\n", &r), 0);
	ck_assert_str_eq(r.method, "M-SEARCH_x.y!");
	http_req_free(&r);
	ck_assert_int_eq(parse("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", &r), 0);
	ck_assert_str_eq(r.method, "HEAD");
	ck_assert_str_eq(r.path, "/");
	ck_assert_str_eq(r.query, "");
	http_req_free(&r);
}
END_TEST

START_TEST(test_lf_only_and_leading_lines)
{
	struct http_req r;

	ck_assert_int_eq(parse("GET /a HTTP/1.1\nHost: h\nX: 1\n\n", &r), 0);
	ck_assert_str_eq(r.path, "/a");
	ck_assert_int_eq(r.nh, 2);
	ck_assert_str_eq(http_header(&r, "Host"), "h");
	ck_assert_str_eq(http_header(&r, "X"), "1");
	http_req_free(&r);
	/* Mixed line ends. */
	ck_assert_int_eq(parse("GET /a HTTP/1.1\r\nHost: h\nX: 1\r\n\n", &r), 0);
	ck_assert_str_eq(http_header(&r, "Host"), "h");
	ck_assert_str_eq(http_header(&r, "X"), "1");
	http_req_free(&r);
	/* Empty lines before the request line are skipped. */
	ck_assert_int_eq(parse("\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n", &r), 0);
	ck_assert_str_eq(r.path, "/b");
	http_req_free(&r);
	ck_assert_int_eq(parse("\n\nGET /c HTTP/1.0\n\n", &r), 0);
	ck_assert_str_eq(r.path, "/c");
	http_req_free(&r);
}
END_TEST

START_TEST(test_host_rules)
{
	struct http_req r;

	ck_assert_int_eq(status_of("GET / HTTP/1.1\r\n\r\n"), 400);
	ck_assert_int_eq(status_of("GET / HTTP/1.1\r\nHostname: x\r\n\r\n"), 400);
	ck_assert_int_eq(parse("GET / HTTP/1.0\r\n\r\n", &r), 0);
	ck_assert_int_eq(r.minor, 0);
	ck_assert_int_eq(r.nh, 0);
	ck_assert_ptr_null(http_header(&r, "Host"));
	http_req_free(&r);
}
END_TEST

static const char *const bad_methods[] = {
	"G(T / HTTP/1.1\r\nHost: a\r\n\r\n",
	"G@T / HTTP/1.1\r\nHost: a\r\n\r\n",
	"GE\"T / HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET\x01 / HTTP/1.1\r\nHost: a\r\n\r\n",
	"G\xc3\xa9T / HTTP/1.1\r\nHost: a\r\n\r\n",
	" / HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n",
};

START_TEST(test_bad_method)
{
	ck_assert_int_eq(status_of(bad_methods[_i]), 400);
}
END_TEST

static const char *const bad_targets[] = {
	"GET index.html HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET * HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /a\x01z HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /a\x7fz HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /a\tz HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /a\rz HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET  / HTTP/1.1\r\nHost: a\r\n\r\n",		/* empty target */
	"GET / x HTTP/1.1\r\nHost: a\r\n\r\n",		/* three spaces */
	"GET / HTTP/1.1 \r\nHost: a\r\n\r\n",
	"GET /\r\nHost: a\r\n\r\n",			/* HTTP/0.9 form */
	"GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /%00 HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /a% HTTP/1.1\r\nHost: a\r\n\r\n",
};

START_TEST(test_bad_target)
{
	ck_assert_int_eq(status_of(bad_targets[_i]), 400);
}
END_TEST

START_TEST(test_version)
{
	struct http_req r;

	ck_assert_int_eq(status_of("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505);
	ck_assert_int_eq(status_of("GET / HTTP/2\r\nHost: a\r\n\r\n"), 505);
	ck_assert_int_eq(status_of("GET / HTTP/0.9\r\nHost: a\r\n\r\n"), 505);
	ck_assert_int_eq(status_of("GET / HTTP/1.11\r\nHost: a\r\n\r\n"), 505);
	ck_assert_int_eq(status_of("GET / http/1.1\r\nHost: a\r\n\r\n"), 400);
	ck_assert_int_eq(status_of("GET / HTTPS/1.1\r\nHost: a\r\n\r\n"), 400);
	ck_assert_int_eq(status_of("GET / FOO\r\nHost: a\r\n\r\n"), 400);
	ck_assert_int_eq(parse("GET / HTTP/1.9\r\nHost: a\r\n\r\n", &r), 0);
	ck_assert_int_eq(r.minor, 9);
	http_req_free(&r);
}
END_TEST

static const char *const bad_headers[] = {
	"GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\n: empty name\r\n\r\n",
	"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
	"GET / HTTP/1.1\r\nBad Name: a\r\nHost: a\r\n\r\n",
	"GET / HTTP/1.1\r\nBad(Name): a\r\nHost: a\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nX: a\x01z\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fz\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nX: a\rz\r\n\r\n",
	/* obs-fold, with a space and with a tab */
	"GET / HTTP/1.1\r\nHost: a\r\nX: one\r\n two\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nX: one\r\n\ttwo\r\n\r\n",
	/* white space before the first header is a fold too */
	"GET / HTTP/1.1\r\n Host: a\r\n\r\n",
	/* a NUL anywhere */
	"GET / HTTP/1.1\r\nHost: a\r\nX: a\0z\r\n\r\n",
};

START_TEST(test_bad_header)
{
	static const size_t nul_len = sizeof "GET / HTTP/1.1\r\nHost: a\r\nX: a\0z\r\n\r\n" - 1;
	const char *s = bad_headers[_i];
	struct http_req r;
	size_t len = strlen(s);

	if (_i == (int)(sizeof bad_headers / sizeof bad_headers[0]) - 1)
		len = nul_len;
	ck_assert_int_eq(parse_n(s, len, &r), 400);
	http_req_free(&r);
}
END_TEST

START_TEST(test_header_values)
{
	struct http_req r;

	/* A tab inside a value is fine; high bytes (obs-text) too. */
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: a\r\nX:\tone\ttwo\t\r\n"
	    "Y: caf\xc3\xa9\r\n\r\n", &r), 0);
	ck_assert_str_eq(http_header(&r, "X"), "one\ttwo");
	ck_assert_str_eq(http_header(&r, "Y"), "caf\xc3\xa9");
	http_req_free(&r);
	/* The first of repeated headers wins for http_header. */
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\nX: 2\r\n\r\n", &r), 0);
	ck_assert_str_eq(http_header(&r, "X"), "1");
	ck_assert_int_eq(r.nh, 3);
	http_req_free(&r);
}
END_TEST

START_TEST(test_empty_and_short)
{
	struct http_req r;

	ck_assert_int_eq(parse_n("", 0, &r), 400);
	http_req_free(&r);
	ck_assert_int_eq(status_of("\r\n\r\n"), 400);
	ck_assert_int_eq(status_of("GET / HTTP/1.1"), 400);	/* no line end */
	ck_assert_int_eq(status_of("GET / HTTP/1.1\r\nHost: a"), 400);
	ck_assert_int_eq(parse_n("GET / HTTP/1.0\r\n\0\r\n", 18, &r), 400);
	http_req_free(&r);
}
END_TEST

START_TEST(test_too_many_headers)
{
	char *s = malloc(64 * 16 + 64), *p;
	int i;
	struct http_req r;

	ck_assert_ptr_nonnull(s);
	/* Host plus 63 others: exactly the limit. */
	p = s + sprintf(s, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (i = 1; i < HTTP_MAX_HEADERS; i++)
		p += sprintf(p, "X-%d: %d\r\n", i, i);
	strcpy(p, "\r\n");
	ck_assert_int_eq(parse(s, &r), 0);
	ck_assert_int_eq(r.nh, HTTP_MAX_HEADERS);
	http_req_free(&r);
	/* One more is 431. */
	sprintf(p, "X-%d: %d\r\n\r\n", i, i);
	ck_assert_int_eq(status_of(s), 431);
	free(s);
}
END_TEST

START_TEST(test_header_block_too_big)
{
	const char *line = "GET / HTTP/1.1\r\n";
	char *s, *v;
	size_t fixed, vlen;
	struct http_req r;

	/* "Host: a\r\nX: <v>\r\n\r\n" is 16 + vlen bytes after the request line. */
	fixed = strlen("Host: a\r\nX: \r\n\r\n");
	vlen = HTTP_MAX_HEAD - fixed;
	v = repeat('v', vlen + 1);
	s = malloc(strlen(line) + HTTP_MAX_HEAD + 64);
	ck_assert_ptr_nonnull(s);
	v[vlen] = '\0';
	sprintf(s, "%sHost: a\r\nX: %s\r\n\r\n", line, v);
	ck_assert_uint_eq(strlen(s) - strlen(line), HTTP_MAX_HEAD);
	ck_assert_int_eq(parse(s, &r), 0);
	ck_assert_uint_eq(strlen(http_header(&r, "X")), vlen);
	http_req_free(&r);
	v[vlen] = 'v';
	sprintf(s, "%sHost: a\r\nX: %s\r\n\r\n", line, v);
	ck_assert_int_eq(status_of(s), 431);
	free(s);
	free(v);
}
END_TEST

START_TEST(test_request_line_too_long)
{
	/* The request line may be HTTP_MAX_LINE bytes with its line end's CR. */
	const size_t fixed = strlen("GET / HTTP/1.1\r");
	char *path = repeat('p', HTTP_MAX_LINE - fixed + 1), *s;
	struct http_req r;

	s = malloc(HTTP_MAX_LINE + 64);
	ck_assert_ptr_nonnull(s);
	path[HTTP_MAX_LINE - fixed] = '\0';
	sprintf(s, "GET /%s HTTP/1.1\r\nHost: a\r\n\r\n", path);
	ck_assert_uint_eq(strchr(s, '\n') - s, HTTP_MAX_LINE);
	ck_assert_int_eq(parse(s, &r), 0);
	http_req_free(&r);
	path[HTTP_MAX_LINE - fixed] = 'p';
	sprintf(s, "GET /%s HTTP/1.1\r\nHost: a\r\n\r\n", path);
	ck_assert_int_eq(status_of(s), 414);
	free(s);
	free(path);
}
END_TEST

/* http_head_length over a buffer holding s. */
static long
head_length(const char *s, size_t len)
{
	struct evbuffer *b = evbuffer_new();
	long n;

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(evbuffer_add(b, s, len), 0);
	n = http_head_length(b);
	evbuffer_free(b);
	return n;
}

START_TEST(test_head_length)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	static const char two[] = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n";
	static const char lf[] = "GET / HTTP/1.1\nHost: a\n\n";
	size_t i;

	ck_assert_int_eq(head_length(req, strlen(req)), (long)strlen(req));
	/* Every proper prefix needs more bytes. */
	for (i = 0; i < strlen(req); i++)
		ck_assert_int_eq(head_length(req, i), 0);
	/* The first of two pipelined heads. */
	ck_assert_int_eq(head_length(two, strlen(two)), 28);
	ck_assert_int_eq(head_length(lf, strlen(lf)), (long)strlen(lf));
	ck_assert_int_eq(head_length("GET / HTTP/1.1\r\nHost: a\r\n\nrest", 30), 26);
	/* A body or the next request after the head is not counted. */
	ck_assert_int_eq(head_length("GET / HTTP/1.0\r\n\r\nxyz", 21), 18);
}
END_TEST

START_TEST(test_head_length_414)
{
	char *s = repeat('a', HTTP_MAX_LINE + 100);

	/* No line end in the first HTTP_MAX_LINE bytes can never be a request line. */
	ck_assert_int_eq(head_length(s, HTTP_MAX_LINE), 0);
	ck_assert_int_eq(head_length(s, HTTP_MAX_LINE + 1), -414);
	/* A line end that comes too late. */
	memcpy(s, "GET /", 5);
	s[HTTP_MAX_LINE + 50] = '\n';
	ck_assert_int_eq(head_length(s, HTTP_MAX_LINE + 60), -414);
	/* One just in time. */
	s[HTTP_MAX_LINE + 50] = 'a';
	s[HTTP_MAX_LINE] = '\n';
	ck_assert_int_eq(head_length(s, HTTP_MAX_LINE + 60), 0);
	free(s);
}
END_TEST

START_TEST(test_head_length_431)
{
	size_t total = HTTP_MAX_LINE + HTTP_MAX_HEAD;
	char *s = repeat('x', total + 10);
	size_t i;

	memcpy(s, "GET / HTTP/1.1\r\n", 16);
	/* Header lines that never end the head. */
	for (i = 16; i + 10 < total + 10; i += 10)
		memcpy(s + i, "X: 123456\n", 10);
	ck_assert_int_eq(head_length(s, total), 0);
	ck_assert_int_eq(head_length(s, total + 1), -431);
	free(s);
}
END_TEST

START_TEST(test_decode_path)
{
	static const struct {
		const char *in;
		const char *out;	/* NULL: malformed */
	} cases[] = {
		{ "/", "/" },
		{ "/plain/path.html", "/plain/path.html" },
		{ "/a%20b", "/a b" },
		{ "/%41", "/A" },
		{ "%41", "A" },
		{ "/%2F%2f", "///" },
		{ "/%e2%82%AC", "/\xe2\x82\xac" },
		{ "/%25", "/%" },
		{ "/%2525", "/%25" },
		{ "/%ff", "/\xff" },
		{ "/%01", "/\x01" },
		{ "/%zz", NULL },
		{ "/%g0", NULL },
		{ "/%0g", NULL },
		{ "/% 1", NULL },
		{ "/%", NULL },
		{ "/%4", NULL },
		{ "%", NULL },
		{ "/%00", NULL },
		{ "/a%00b", NULL },
	};
	size_t i;
	char *d;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		d = http_decode_path(cases[i].in, strlen(cases[i].in));
		if (cases[i].out == NULL)
			ck_assert_msg(d == NULL, "%s decoded to '%s'", cases[i].in, d);
		else {
			ck_assert_msg(d != NULL, "%s rejected", cases[i].in);
			ck_assert_str_eq(d, cases[i].out);
		}
		free(d);
	}
	/* len bounds the input: "%41" cut after "%4" is truncated. */
	d = http_decode_path("/x%41", 4);
	ck_assert_ptr_null(d);
	d = http_decode_path("/x%41", 2);
	ck_assert_str_eq(d, "/x");
	free(d);
	d = http_decode_path("", 0);
	ck_assert_str_eq(d, "");
	free(d);
}
END_TEST

START_TEST(test_query_split)
{
	struct http_req r;

	ck_assert_int_eq(parse("GET /p%20q?x=%zz&y HTTP/1.1\r\nHost: a\r\n\r\n", &r), 0);
	ck_assert_str_eq(r.path, "/p q");
	ck_assert_str_eq(r.query, "x=%zz&y");	/* the query is not decoded */
	ck_assert_str_eq(r.target, "/p%20q?x=%zz&y");
	http_req_free(&r);
	ck_assert_int_eq(parse("GET /? HTTP/1.1\r\nHost: a\r\n\r\n", &r), 0);
	ck_assert_str_eq(r.path, "/");
	ck_assert_str_eq(r.query, "");
	http_req_free(&r);
	ck_assert_int_eq(parse("GET /a?b?c HTTP/1.1\r\nHost: a\r\n\r\n", &r), 0);
	ck_assert_str_eq(r.path, "/a");
	ck_assert_str_eq(r.query, "b?c");
	http_req_free(&r);
	/* %3F is part of the path, not a query. */
	ck_assert_int_eq(parse("GET /a%3Fb HTTP/1.1\r\nHost: a\r\n\r\n", &r), 0);
	ck_assert_str_eq(r.path, "/a?b");
	ck_assert_str_eq(r.query, "");
	http_req_free(&r);
}
END_TEST

static const struct {
	const char *head;
	int keep_alive;
} keep_cases[] = {
	{ "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 1 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 0 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: CLOSE\r\n\r\n", 0 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, close\r\n\r\n", 0 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n", 1 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n", 1 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: x\r\nConnection: close\r\n\r\n", 0 },
	{ "GET / HTTP/1.0\r\n\r\n", 0 },
	{ "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 1 },
	{ "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 1 },
	{ "GET / HTTP/1.0\r\nConnection: foo, keep-alive \r\n\r\n", 1 },
	{ "GET / HTTP/1.0\r\nConnection: keep-alive-ish\r\n\r\n", 0 },
	{ "GET / HTTP/1.0\r\nConnection: close\r\n\r\n", 0 },
};

START_TEST(test_keep_alive)
{
	struct http_req r;

	ck_assert_int_eq(parse(keep_cases[_i].head, &r), 0);
	ck_assert_int_eq(r.keep_alive, keep_cases[_i].keep_alive);
	http_req_free(&r);
}
END_TEST

START_TEST(test_header_tokens)
{
	struct http_req r;

	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: a\r\n"
	    "Connection: keep-alive, Upgrade\r\n"
	    "Upgrade: websocket\r\n"
	    "X-List: ,, foo ,\tbar\t,baz,,\r\n"
	    "X-List: second\r\n"
	    "X-One: solo\r\n"
	    "X-Empty:\r\n\r\n", &r), 0);
	ck_assert(http_header_has_token(&r, "Connection", "upgrade"));
	ck_assert(http_header_has_token(&r, "connection", "Keep-Alive"));
	ck_assert(http_header_has_token(&r, "Upgrade", "WebSocket"));
	ck_assert(!http_header_has_token(&r, "Upgrade", "websocket2"));
	ck_assert(!http_header_has_token(&r, "Upgrade", "web"));
	ck_assert(!http_header_has_token(&r, "Connection", "grade"));
	ck_assert(!http_header_has_token(&r, "Connection", "keep-alive, Upgrade"));
	ck_assert(http_header_has_token(&r, "X-List", "foo"));
	ck_assert(http_header_has_token(&r, "X-List", "bar"));
	ck_assert(http_header_has_token(&r, "X-List", "baz"));
	ck_assert(http_header_has_token(&r, "X-List", "second"));	/* a later header */
	ck_assert(!http_header_has_token(&r, "X-List", "fo"));
	ck_assert(!http_header_has_token(&r, "X-List", "foo bar"));
	ck_assert(http_header_has_token(&r, "X-One", "solo"));
	ck_assert(!http_header_has_token(&r, "X-One", "sol"));
	ck_assert(!http_header_has_token(&r, "X-One", "solo "));
	ck_assert(!http_header_has_token(&r, "X-Empty", "x"));
	ck_assert(!http_header_has_token(&r, "Missing", "x"));
	http_req_free(&r);
}
END_TEST

START_TEST(test_mime_types)
{
	ck_assert_str_eq(http_mime_type("/index.html"), "text/html; charset=utf-8");
	ck_assert_str_eq(http_mime_type("/a/b/app.js"), "text/javascript; charset=utf-8");
	ck_assert_str_eq(http_mime_type("/a/b/APP.JS"), "text/javascript; charset=utf-8");
	ck_assert_str_eq(http_mime_type("/m.mjs"), "text/javascript; charset=utf-8");
	ck_assert_str_eq(http_mime_type("/s.css"), "text/css; charset=utf-8");
	ck_assert_str_eq(http_mime_type("/d.json"), "application/json");
	ck_assert_str_eq(http_mime_type("/i.svg"), "image/svg+xml");
	ck_assert_str_eq(http_mime_type("/i.png"), "image/png");
	ck_assert_str_eq(http_mime_type("/i.jpeg"), "image/jpeg");
	ck_assert_str_eq(http_mime_type("/s.ogg"), "audio/ogg");
	ck_assert_str_eq(http_mime_type("/s.opus"), "audio/ogg");
	ck_assert_str_eq(http_mime_type("/f.woff2"), "font/woff2");
	ck_assert_str_eq(http_mime_type("/w.wasm"), "application/wasm");
	ck_assert_str_eq(http_mime_type("/manifest.webmanifest"), "application/manifest+json");
	ck_assert_str_eq(http_mime_type("/x.tar.gz"), "application/octet-stream");
	ck_assert_str_eq(http_mime_type("/noext"), "application/octet-stream");
	ck_assert_str_eq(http_mime_type("/dir.d/file"), "application/octet-stream");
	ck_assert_str_eq(http_mime_type("/trailing."), "application/octet-stream");
	ck_assert_str_eq(http_mime_type("/x.htmlx"), "application/octet-stream");
	ck_assert_str_eq(http_mime_type("plain.txt"), "text/plain; charset=utf-8");
	ck_assert_str_eq(http_mime_type(""), "application/octet-stream");
}
END_TEST

/* Is a request from origin (NULL: no Origin header) to host allowed? */
static int
origin_ok(const char *origin, const char *host)
{
	char head[1024];
	struct http_req r;
	int ok;

	snprintf(head, sizeof head, "GET /ws HTTP/1.%d\r\n%s%s%s%s%s%s\r\n",
	    host != NULL ? 1 : 0,
	    host != NULL ? "Host: " : "", host != NULL ? host : "", host != NULL ? "\r\n" : "",
	    origin != NULL ? "Origin: " : "", origin != NULL ? origin : "",
	    origin != NULL ? "\r\n" : "");
	ck_assert_int_eq(parse(head, &r), 0);
	ok = http_origin_allowed(&r);
	http_req_free(&r);
	return ok;
}

START_TEST(test_origin_same_host)
{
	cfg = cfg_defaults();
	ck_assert_int_eq(cfg->nallowed_origins, 0);
	ck_assert(origin_ok(NULL, "example.com:8765"));
	ck_assert(origin_ok(NULL, NULL));
	ck_assert(origin_ok("http://example.com:8765", "example.com:8765"));
	ck_assert(origin_ok("https://example.com:8765", "example.com:8765"));
	ck_assert(origin_ok("HTTP://EXAMPLE.com:8765", "example.COM:8765"));
	ck_assert(origin_ok("http://example.com:8765/", "example.com:8765"));
	ck_assert(origin_ok("http://example.com", "example.com"));
	ck_assert(!origin_ok("http://example.com:8766", "example.com:8765"));
	ck_assert(!origin_ok("http://example.com", "example.com:8765"));
	ck_assert(!origin_ok("http://example.com:8765.evil.net", "example.com:8765"));
	ck_assert(!origin_ok("http://evil.example.com:8765", "example.com:8765"));
	ck_assert(!origin_ok("http://example.com:876", "example.com:8765"));
	ck_assert(!origin_ok("null", "example.com:8765"));
	ck_assert(!origin_ok("example.com:8765", "example.com:8765"));
	ck_assert(!origin_ok("", "example.com:8765"));
	/* HTTP/1.0 without Host: nothing to compare with. */
	ck_assert(!origin_ok("http://example.com", NULL));
	cfg_free(cfg);
	cfg = NULL;
}
END_TEST

START_TEST(test_origin_allowed_list)
{
	cfg = cfg_defaults();
	cfg->allowed_origins[0] = strdup("https://chat.example.org");
	cfg->allowed_origins[1] = strdup("http://localhost:3000/");
	cfg->nallowed_origins = 2;
	ck_assert(origin_ok(NULL, "chat.example.org"));
	ck_assert(origin_ok("https://chat.example.org", "backend:8765"));
	ck_assert(origin_ok("https://chat.example.org/", "backend:8765"));
	ck_assert(origin_ok("https://CHAT.example.org", "backend:8765"));
	ck_assert(origin_ok("http://localhost:3000", "backend:8765"));
	ck_assert(origin_ok("http://localhost:3000/", "backend:8765"));
	ck_assert(!origin_ok("http://localhost:3001", "backend:8765"));
	ck_assert(!origin_ok("http://chat.example.org", "backend:8765"));
	ck_assert(!origin_ok("https://chat.example.org.evil.net", "backend:8765"));
	ck_assert(!origin_ok("https://chat.example.or", "backend:8765"));
	ck_assert(!origin_ok("https://chat.example.org:443", "backend:8765"));
	/* The list replaces the same-host rule. */
	ck_assert(!origin_ok("http://backend:8765", "backend:8765"));
	ck_assert(!origin_ok("null", "backend:8765"));
	cfg_free(cfg);
	cfg = NULL;
}
END_TEST

START_TEST(test_status_text)
{
	ck_assert_str_eq(http_status_text(400), "Bad Request");
	ck_assert_str_eq(http_status_text(414), "URI Too Long");
	ck_assert_str_eq(http_status_text(431), "Request Header Fields Too Large");
	ck_assert_str_eq(http_status_text(505), "HTTP Version Not Supported");
	ck_assert_str_eq(http_status_text(799), "Unknown");
}
END_TEST

static Suite *
http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, test_request_line_and_headers);
	tcase_add_test(tc, test_lf_only_and_leading_lines);
	tcase_add_test(tc, test_host_rules);
	tcase_add_loop_test(tc, test_bad_method, 0, (int)(sizeof bad_methods / sizeof bad_methods[0]));
	tcase_add_loop_test(tc, test_bad_target, 0, (int)(sizeof bad_targets / sizeof bad_targets[0]));
	tcase_add_test(tc, test_version);
	tcase_add_loop_test(tc, test_bad_header, 0, (int)(sizeof bad_headers / sizeof bad_headers[0]));
	tcase_add_test(tc, test_header_values);
	tcase_add_test(tc, test_empty_and_short);
	tcase_add_test(tc, test_query_split);
	tcase_add_loop_test(tc, test_keep_alive, 0, (int)(sizeof keep_cases / sizeof keep_cases[0]));
	tcase_add_test(tc, test_header_tokens);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_too_many_headers);
	tcase_add_test(tc, test_header_block_too_big);
	tcase_add_test(tc, test_request_line_too_long);
	tcase_add_test(tc, test_head_length);
	tcase_add_test(tc, test_head_length_414);
	tcase_add_test(tc, test_head_length_431);
	suite_add_tcase(s, tc);

	tc = tcase_create("helpers");
	tcase_add_test(tc, test_decode_path);
	tcase_add_test(tc, test_mime_types);
	tcase_add_test(tc, test_origin_same_host);
	tcase_add_test(tc, test_origin_allowed_list);
	tcase_add_test(tc, test_status_text);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(http_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

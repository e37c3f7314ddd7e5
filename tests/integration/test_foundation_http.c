/* test_foundation_http.c: static files and HTTP errors on the daemon's port. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "itest.h"

static struct td *td;

static void
setup(void)
{
	td = it_start(NULL, 0);
}

static void
teardown(void)
{
	it_stop(td);
	td = NULL;
}

/* Fail if the server sends anything more within a short while (a stray body). */
static void
assert_quiet(struct tc_conn *c, const char *after)
{
	char b[64];
	ssize_t n = tc_read_raw(c, b, sizeof b, 300);

	ck_assert_msg(n == TC_TIMEOUT, "after %s: %s %zd bytes: %.*s", after,
	    n > 0 ? "got" : "read returned", n, n > 0 ? (int)n : 0, b);
}

/* The media type of a Content-Type value: what comes before ';', trimmed. */
static int
media_type_is(const char *ct, const char *want)
{
	size_t n = strcspn(ct, ";");

	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	return n == strlen(want) && strncasecmp(ct, want, n) == 0;
}

static void
get_index(const char *path)
{
	struct tc_conn *c = td_connect(td);
	struct tc_http_resp r;
	const char *cl;

	ta_http(c, "GET", path, NULL, &r);
	ta_status(&r, 200);
	ta_header_eq(&r, "Content-Type", "text/html; charset=utf-8");
	ck_assert_msg(tc_http_header(&r, "ETag") != NULL, "GET %s: no ETag", path);
	ck_assert_msg(tc_http_header(&r, "Last-Modified") != NULL, "GET %s: no Last-Modified", path);
	ck_assert_msg(tc_http_header(&r, "Cache-Control") != NULL, "GET %s: no Cache-Control", path);
	ck_assert_msg(r.body_len == strlen(IT_INDEX_HTML) && strcmp(r.body, IT_INDEX_HTML) == 0,
	    "GET %s: body \"%s\"", path, r.body);
	cl = tc_http_header(&r, "Content-Length");
	ck_assert_msg(cl != NULL && strtoul(cl, NULL, 10) == strlen(IT_INDEX_HTML),
	    "GET %s: Content-Length %s", path, cl != NULL ? cl : "(none)");
	tc_http_resp_free(&r);
	tc_close(c);
}

START_TEST(test_get_root)
{
	get_index("/");
}
END_TEST

START_TEST(test_get_index_html)
{
	get_index("/index.html");
}
END_TEST

START_TEST(test_if_none_match)
{
	struct tc_conn *c = td_connect(td);
	struct tc_http_resp r;
	char hdr[512];

	ta_http(c, "GET", "/", NULL, &r);
	ta_status(&r, 200);
	ck_assert(tc_http_header(&r, "ETag") != NULL);
	snprintf(hdr, sizeof hdr, "If-None-Match: %s\r\n", tc_http_header(&r, "ETag"));
	tc_http_resp_free(&r);

	ta_http(c, "GET", "/", hdr, &r);
	ta_status(&r, 304);
	tc_http_resp_free(&r);
	assert_quiet(c, "304");
	/* The connection is still in step: the next response parses. */
	ta_http(c, "GET", "/app.js", NULL, &r);
	ta_status(&r, 200);
	ck_assert_str_eq(r.body, IT_APP_JS);
	tc_http_resp_free(&r);

	/* A different tag is not a match. */
	ta_http(c, "GET", "/", "If-None-Match: \"no-such-tag\"\r\n", &r);
	ta_status(&r, 200);
	tc_http_resp_free(&r);
	tc_close(c);
}
END_TEST

START_TEST(test_head)
{
	static const char *const same[] = { "Content-Type", "ETag", "Last-Modified",
	    "Cache-Control", "Content-Length" };
	struct tc_conn *c = td_connect(td);
	struct tc_http_resp g, h;
	const char *gv, *hv;
	size_t i;

	ta_http(c, "GET", "/", NULL, &g);
	ta_status(&g, 200);
	ta_http(c, "HEAD", "/", NULL, &h);
	ta_status(&h, 200);
	for (i = 0; i < sizeof same / sizeof same[0]; i++) {
		gv = tc_http_header(&g, same[i]);
		hv = tc_http_header(&h, same[i]);
		ck_assert_msg(gv != NULL && hv != NULL && strcmp(gv, hv) == 0,
		    "%s: GET \"%s\", HEAD \"%s\"", same[i], gv ? gv : "(none)", hv ? hv : "(none)");
	}
	assert_quiet(c, "HEAD");
	tc_http_resp_free(&g);
	tc_http_resp_free(&h);
	ta_http(c, "GET", "/index.html", NULL, &g);
	ta_status(&g, 200);
	ck_assert_str_eq(g.body, IT_INDEX_HTML);
	tc_http_resp_free(&g);
	tc_close(c);
}
END_TEST

START_TEST(test_keep_alive)
{
	static const char *const paths[] = { "/", "/app.js", "/index.html", "/healthz", "/app.js",
	    "/" };
	static const int status[] = { 200, 200, 200, 200, 200, 200 };
	struct tc_conn *c = td_connect(td);
	struct tc_http_resp r;
	size_t i;

	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		ta_http(c, "GET", paths[i], NULL, &r);
		ta_status(&r, status[i]);
		ck_assert_msg(!tc_http_header_has_token(&r, "Connection", "close"),
		    "request %zu (%s) answered with Connection: close", i, paths[i]);
		tc_http_resp_free(&r);
	}
	tc_close(c);
}
END_TEST

START_TEST(test_connection_close)
{
	struct tc_conn *c = td_connect(td);
	struct tc_http_resp r;

	ta_http(c, "GET", "/", "Connection: close\r\n", &r);
	ta_status(&r, 200);
	ck_assert_str_eq(r.body, IT_INDEX_HTML);
	tc_http_resp_free(&r);
	ck_assert_msg(tc_peer_closed(c, td_ms(2000)), "still open after Connection: close");
	tc_close(c);
}
END_TEST

START_TEST(test_mime_types)
{
	static const struct {
		const char *path, *type;
		int exact;	/* 1: the whole value; 0: the media type before ';' */
	} m[] = {
		{ "/index.html", "text/html; charset=utf-8", 1 },
		{ "/app.js", "text/javascript; charset=utf-8", 1 },
		{ "/style.css", "text/css", 0 },
		{ "/sound.ogg", "audio/ogg", 0 },
		{ "/sound.wav", "audio/wav", 0 },
		{ "/data.json", "application/json", 0 },
		{ "/icon.svg", "image/svg+xml", 0 },
		{ "/img.png", "image/png", 0 },
	};
	struct tc_conn *c = td_connect(td);
	struct tc_http_resp r;
	const char *ct;
	size_t i;

	for (i = 0; i < sizeof m / sizeof m[0]; i++) {
		ta_http(c, "GET", m[i].path, NULL, &r);
		ta_status(&r, 200);
		ct = tc_http_header(&r, "Content-Type");
		ck_assert_msg(ct != NULL, "%s: no Content-Type", m[i].path);
		ck_assert_msg(m[i].exact ? strcmp(ct, m[i].type) == 0 : media_type_is(ct, m[i].type),
		    "%s: Content-Type \"%s\", want \"%s\"", m[i].path, ct, m[i].type);
		tc_http_resp_free(&r);
	}
	/* Binary content arrives byte for byte. */
	ta_http(c, "GET", "/img.png", NULL, &r);
	ck_assert_uint_eq(r.body_len, 16);
	ck_assert_mem_eq(r.body, "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
	tc_http_resp_free(&r);
	tc_close(c);
}
END_TEST

START_TEST(test_not_found)
{
	static const char *const paths[] = { "/missing.html", "/missing/", "/sub/missing.js" };
	struct tc_conn *c;
	struct tc_http_resp r;
	size_t i;

	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		c = td_connect(td);
		ta_http(c, "GET", paths[i], NULL, &r);
		ck_assert_msg(r.status == 404, "GET %s: status %d, want 404", paths[i], r.status);
		tc_http_resp_free(&r);
		tc_close(c);
	}
}
END_TEST

/* Paths that must never serve a file outside the root, a dotfile or a NUL trick. */
START_TEST(test_traversal)
{
	static const char *const paths[] = {
		"/../../etc/passwd",
		"/%2e%2e/%2e%2e/etc/passwd",
		"/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
		"/..%2f..%2f..%2fetc%2fpasswd",
		"/sub/../../../etc/passwd",
		"/.git/config",
		"/%2egit/config",
		"/sub/../.git/config",
		"/index.html%00",
		"/index.html%00.png",
		"/%00",
	};
	struct tc_conn *c;
	struct tc_http_resp r;
	size_t i;

	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		c = td_connect(td);
		ta_http(c, "GET", paths[i], NULL, &r);
		ck_assert_msg(r.status == 404 || r.status == 400,
		    "GET %s: status %d, want 404 or 400; body: %.100s", paths[i], r.status,
		    r.body != NULL ? r.body : "");
		ck_assert_msg(r.body == NULL || (strstr(r.body, "root:") == NULL &&
		    strstr(r.body, "leaked") == NULL), "GET %s leaked a file: %.100s", paths[i],
		    r.body);
		tc_http_resp_free(&r);
		tc_close(c);
	}
}
END_TEST

START_TEST(test_directories)
{
	struct tc_conn *c = td_connect(td);
	struct tc_http_resp r;
	const char *loc;
	size_t n;

	ta_http(c, "GET", "/sub", NULL, &r);
	ta_status(&r, 301);
	loc = tc_http_header(&r, "Location");
	ck_assert_msg(loc != NULL, "301 without Location");
	n = strlen(loc);
	ck_assert_msg(n >= 5 && strcmp(loc + n - 5, "/sub/") == 0,
	    "Location \"%s\" does not end in /sub/", loc);
	tc_http_resp_free(&r);

	ta_http(c, "GET", "/sub/", NULL, &r);
	ta_status(&r, 200);
	ck_assert_str_eq(r.body, IT_SUB_INDEX_HTML);
	tc_http_resp_free(&r);

	ta_http(c, "GET", "/empty", NULL, &r);
	ta_status(&r, 301);
	loc = tc_http_header(&r, "Location");
	ck_assert_msg(loc != NULL && strlen(loc) >= 7 &&
	    strcmp(loc + strlen(loc) - 7, "/empty/") == 0, "Location \"%s\"", loc ? loc : "(none)");
	tc_http_resp_free(&r);

	/* No index: no listing either. */
	ta_http(c, "GET", "/empty/", NULL, &r);
	ta_status(&r, 404);
	ck_assert_msg(r.body == NULL || strstr(r.body, "listing-canary") == NULL,
	    "directory listed: %s", r.body);
	tc_http_resp_free(&r);
	tc_close(c);
}
END_TEST

START_TEST(test_methods)
{
	static const char *const methods[] = { "POST", "PUT", "DELETE" };
	struct tc_conn *c;
	struct tc_http_resp r;
	size_t i;

	for (i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		c = td_connect(td);
		ta_http(c, methods[i], "/index.html", NULL, &r);
		ck_assert_msg(r.status == 405, "%s: status %d, want 405", methods[i], r.status);
		ta_header_eq(&r, "Allow", "GET, HEAD");
		tc_http_resp_free(&r);
		tc_close(c);
	}
}
END_TEST

START_TEST(test_uri_too_long)
{
	struct tc_conn *c = td_connect(td);
	struct tc_http_resp r;
	size_t n = 9000;
	char *req = malloc(n + 128);

	ck_assert(req != NULL);
	memcpy(req, "GET /", 5);
	memset(req + 5, 'a', n);
	snprintf(req + 5 + n, 128, " HTTP/1.1\r\nHost: %s\r\n\r\n", tc_host_header(c));
	ta_http_raw(c, req, &r);
	ta_status(&r, 414);
	tc_http_resp_free(&r);
	free(req);
	tc_close(c);
}
END_TEST

START_TEST(test_headers_too_large)
{
	struct tc_conn *c = td_connect(td);
	struct tc_http_resp r;
	char *req = malloc(32768), pad[201];
	size_t len;
	int i;

	ck_assert(req != NULL);
	memset(pad, 'x', 200);
	pad[200] = '\0';
	len = (size_t)snprintf(req, 32768, "GET / HTTP/1.1\r\nHost: %s\r\n", tc_host_header(c));
	/* 100 lines of about 212 bytes: over 16384 in total, each line short. */
	for (i = 0; i < 100; i++)
		len += (size_t)snprintf(req + len, 32768 - len, "X-Pad-%03d: %s\r\n", i, pad);
	len += (size_t)snprintf(req + len, 32768 - len, "\r\n");
	ck_assert(len < 32768);
	ta_http_raw(c, req, &r);
	ta_status(&r, 431);
	tc_http_resp_free(&r);
	free(req);
	tc_close(c);
}
END_TEST

START_TEST(test_request_body)
{
	struct tc_conn *c = td_connect(td);
	struct tc_http_resp r;
	char req[256];

	snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: %s\r\nContent-Length: 10\r\n\r\n"
	    "0123456789", tc_host_header(c));
	ta_http_raw(c, req, &r);
	ta_status(&r, 413);
	tc_http_resp_free(&r);
	tc_close(c);
}
END_TEST

/*
 * Framing that request smuggling relies on is refused with 400 (RFC 9112
 * 6.3): two Content-Length fields (equal or not), a list in one, a value
 * that is not a number, and Transfer-Encoding next to Content-Length.
 */
START_TEST(test_ambiguous_framing)
{
	static const char *const heads[] = {
		"Content-Length: 0\r\nContent-Length: 0\r\n",
		"Content-Length: 0\r\nContent-Length: 5\r\n",
		"content-length: 5\r\nContent-Length: 0\r\n",
		"Content-Length: 0, 0\r\n",
		"Content-Length: +0\r\n",
		"Content-Length: \r\n",
		"Transfer-Encoding: chunked\r\nContent-Length: 0\r\n",
		"Content-Length: 0\r\nTransfer-Encoding: identity\r\n",
	};
	struct tc_conn *c;
	struct tc_http_resp r;
	char req[512];
	size_t i;

	for (i = 0; i < sizeof heads / sizeof heads[0]; i++) {
		c = td_connect(td);
		snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: %s\r\n%s\r\n", tc_host_header(c), heads[i]);
		ta_http_raw(c, req, &r);
		ck_assert_msg(r.status == 400, "framing %zu (%s): status %d, want 400", i, heads[i], r.status);
		ck_assert_msg(tc_http_header_has_token(&r, "Connection", "close"),
		    "framing %zu: the connection must not be reused", i);
		tc_http_resp_free(&r);
		tc_close(c);
	}
	/* One Content-Length of zero is no body and is fine. */
	c = td_connect(td);
	snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: %s\r\nContent-Length: 0\r\n\r\n", tc_host_header(c));
	ta_http_raw(c, req, &r);
	ta_status(&r, 200);
	tc_http_resp_free(&r);
	tc_close(c);
}
END_TEST

/*
 * The redirect to a directory's index is built from the normalised path:
 * "//sub" must not send the browser to "//sub/", which is the host "sub".
 */
START_TEST(test_directory_redirect_not_protocol_relative)
{
	static const struct {
		const char *target, *location;
	} cases[] = {
		{ "//sub", "/sub/" },
		{ "///sub", "/sub/" },
		{ "/%2Fsub", "/sub/" },
		{ "//sub?x=1", "/sub/?x=1" },
		{ "/sub//", NULL },	/* a directory with its slash: served, no redirect */
	};
	struct tc_conn *c;
	struct tc_http_resp r;
	const char *loc;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		c = td_connect(td);
		ta_http(c, "GET", cases[i].target, NULL, &r);
		loc = tc_http_header(&r, "Location");
		if (cases[i].location == NULL) {
			ta_status(&r, 200);
			ck_assert_str_eq(r.body, IT_SUB_INDEX_HTML);
		} else {
			ck_assert_msg(r.status == 301, "GET %s: status %d", cases[i].target, r.status);
			ck_assert_msg(loc != NULL && strcmp(loc, cases[i].location) == 0,
			    "GET %s: Location %s, want %s", cases[i].target, loc != NULL ? loc : "(none)",
			    cases[i].location);
		}
		ck_assert_msg(loc == NULL || strncmp(loc, "//", 2) != 0, "GET %s: protocol-relative Location %s",
		    cases[i].target, loc);
		tc_http_resp_free(&r);
		tc_close(c);
	}
}
END_TEST

START_TEST(test_garbage)
{
	static const char *const reqs[] = {
		"HELLO\r\n\r\n",
		"GET\r\n\r\n",
		"GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
	};
	struct tc_conn *c;
	struct tc_http_resp r;
	size_t i;

	for (i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
		c = td_connect(td);
		ta_http_raw(c, reqs[i], &r);
		ck_assert_msg(r.status == 400, "request %zu: status %d, want 400", i, r.status);
		tc_http_resp_free(&r);
		tc_close(c);
	}
}
END_TEST

START_TEST(test_healthz)
{
	struct tc_conn *c = td_connect(td);
	struct tc_http_resp r;
	json_object *o, *v;
	const char *ct;

	ta_http(c, "GET", "/healthz", NULL, &r);
	ta_status(&r, 200);
	ct = tc_http_header(&r, "Content-Type");
	ck_assert_msg(ct != NULL && media_type_is(ct, "application/json"), "Content-Type %s",
	    ct != NULL ? ct : "(none)");
	o = json_tokener_parse(r.body);
	ck_assert_msg(o != NULL && json_object_is_type(o, json_type_object),
	    "/healthz body is not a JSON object: %s", r.body);
	ck_assert_msg(json_object_object_get_ex(o, "status", &v), "no \"status\" in %s", r.body);
	json_object_put(o);
	tc_http_resp_free(&r);
	tc_close(c);
}
END_TEST

/*
 * The source tree's www/ is the web root of the quick start and what
 * make install copies whole: it must hold only files a browser loads. Each
 * file is fetched from the daemon serving it, and must come with a type a
 * browser uses (a build file such as local.mk came as application/octet-stream).
 */
static void
www_walk(struct td *d, const char *dir, const char *rel, int *n)
{
	char path[4096], sub[4096];
	struct dirent *e;
	struct stat st;
	struct tc_conn *c;
	struct tc_http_resp r;
	const char *ct;
	DIR *dp;

	dp = opendir(dir);
	ck_assert_msg(dp != NULL, "cannot read %s", dir);
	while ((e = readdir(dp)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		snprintf(sub, sizeof sub, "%s/%s", rel, e->d_name);
		ck_assert_msg(e->d_name[0] != '.', "www%s: a hidden file in the web root", sub);
		ck_assert_int_eq(stat(path, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			www_walk(d, path, sub, n);
			continue;
		}
		c = td_connect(d);
		ta_http(c, "HEAD", sub, NULL, &r);
		ct = tc_http_header(&r, "Content-Type");
		ck_assert_msg(r.status == 200 && ct != NULL && !media_type_is(ct, "application/octet-stream"),
		    "www%s is served as %s (status %d): only files a browser loads belong in www/", sub,
		    ct != NULL ? ct : "(no type)", r.status);
		tc_http_resp_free(&r);
		tc_close(c);
		(*n)++;
	}
	closedir(dp);
}

START_TEST(test_www_holds_only_browser_files)
{
	struct td *d = td_start(NULL, 0);
	char root[4096];
	int n = 0;

	snprintf(root, sizeof root, "%s/www", td_srcdir());
	www_walk(d, root, "", &n);
	ck_assert_msg(n > 10, "only %d files in %s", n, root);
	it_stop(d);
}
END_TEST

/* The web root the daemon uses by default in the tests ($CG_SRCDIR/www) serves /. */
START_TEST(test_real_www)
{
	struct td *d = td_start(NULL, 0);
	struct tc_conn *c = td_connect(d);
	struct tc_http_resp r;

	ta_http(c, "GET", "/", NULL, &r);
	ta_status(&r, 200);
	ta_header_eq(&r, "Content-Type", "text/html; charset=utf-8");
	tc_http_resp_free(&r);
	tc_close(c);
	it_stop(d);
}
END_TEST

static Suite *
http_suite(void)
{
	Suite *s = suite_create("foundation-http");
	TCase *tc = tcase_create("static");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_get_root);
	tcase_add_test(tc, test_get_index_html);
	tcase_add_test(tc, test_if_none_match);
	tcase_add_test(tc, test_head);
	tcase_add_test(tc, test_keep_alive);
	tcase_add_test(tc, test_connection_close);
	tcase_add_test(tc, test_mime_types);
	tcase_add_test(tc, test_not_found);
	tcase_add_test(tc, test_traversal);
	tcase_add_test(tc, test_directories);
	tcase_add_test(tc, test_healthz);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_methods);
	tcase_add_test(tc, test_uri_too_long);
	tcase_add_test(tc, test_headers_too_large);
	tcase_add_test(tc, test_request_body);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_ambiguous_framing);
	tcase_add_test(tc, test_directory_redirect_not_protocol_relative);
	suite_add_tcase(s, tc);

	tc = tcase_create("www");
	tcase_add_test(tc, test_real_www);
	tcase_add_test(tc, test_www_holds_only_browser_files);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return it_run(http_suite());
}

/*
 * test_media.c: the media proxy (GET /media) against a real stream server
 * run by this test on loopback: the session cookie is required, the body
 * flows through, Range and the content type pass, redirects are followed,
 * ICY metadata is requested only on demand, a slow reader makes the daemon
 * stop reading from the source instead of buffering, and addresses that
 * are not public are refused, also when a name resolves to them.
 *
 * Issue 13: only audio and playlists are relayed (anything else is 415),
 * every answer carries the headers that stop a browser from rendering it,
 * name lookups that time out by the hundred do not crash the daemon (a
 * nameserver run here that never answers, named in media_resolv_conf), and
 * a browser that hangs up while its stream resolves or connects ends it.
 * Issue 21: <base>media_proxy.php is the same handler as /media.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>

#include "tclient.h"
#include "tdaemon.h"
#include "tauth.h"

/* --- the stream server --- */

static int src_fd, src_port;
static pthread_t src_thread;
static volatile long long src_written;	/* body bytes of the current /stream */
static char src_last_request[4096];
static pthread_mutex_t src_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile int src_silent_open;	/* a /silent request is being held */
static volatile int64_t src_silent_eof_ms;	/* when the proxy hung up on it */

/* Bodies that are not audio, and ones that are, for the type rules. */
#define HTML_BODY "<!doctype html><script>document.title='pwned'</script>"
#define OGG_START "OggS\0\2\0\0\0\0\0\0\0\0rest of an ogg page"
#define ID3_START "ID3\4\0\0\0\0\0\0 mp3 frames follow"

/* Canned answers: the request path, then the whole response. */
static const struct canned {
	const char *path;
	const char *response;
	size_t len;		/* 0: strlen(response) */
} canned[] = {
	{ "/page.html", "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" HTML_BODY, 0 },
	{ "/image.svg", "HTTP/1.1 200 OK\r\nContent-Type: image/svg+xml\r\n\r\n"
	    "<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", 0 },
	{ "/xml-audio", "HTTP/1.1 200 OK\r\nContent-Type: audio/x-evil+xml\r\n\r\n<x/>", 0 },
	{ "/plain", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" HTML_BODY, 0 },
	{ "/octet-html", "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n" HTML_BODY, 0 },
	{ "/untyped-html", "HTTP/1.1 200 OK\r\n\r\n" HTML_BODY, 0 },
	{ "/octet-ogg", "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n" OGG_START,
	    sizeof "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n" OGG_START - 1 },
	{ "/untyped-mp3", "HTTP/1.1 200 OK\r\n\r\n" ID3_START,
	    sizeof "HTTP/1.1 200 OK\r\n\r\n" ID3_START - 1 },
	{ "/chunked-ogg", "HTTP/1.1 200 OK\r\nContent-Type: binary/octet-stream\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n21\r\n" OGG_START "\r\n0\r\n\r\n",
	    sizeof "HTTP/1.1 200 OK\r\nContent-Type: binary/octet-stream\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n21\r\n" OGG_START "\r\n0\r\n\r\n" - 1 },
	{ "/playlist.m3u", "HTTP/1.1 200 OK\r\nContent-Type: audio/x-mpegurl\r\n\r\n#EXTM3U\nhttp://a/b\n", 0 },
	{ "/station.pls", "HTTP/1.1 200 OK\r\nContent-Type: audio/x-scpls\r\n\r\n[playlist]\nFile1=http://a/b\n", 0 },
	{ "/hls.m3u8", "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.apple.mpegurl\r\n\r\n#EXTM3U\n", 0 },
	{ "/app-ogg", "HTTP/1.1 200 OK\r\nContent-Type: application/ogg\r\n\r\nOggS", 0 },
	{ "/middle", "HTTP/1.1 206 Partial Content\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Range: bytes 100-109/1000\r\nContent-Length: 10\r\n\r\n0123456789", 0 },
	{ "/unsatisfiable", "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Type: text/html\r\n"
	    "Content-Range: bytes */1000\r\n\r\n" HTML_BODY, 0 },
};

static void
src_write_all(int fd, const char *s, size_t n)
{
	ssize_t w;

	while (n > 0 && (w = write(fd, s, n)) > 0) {
		s += w;
		n -= (size_t)w;
	}
}

static void *
src_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char req[4096], chunk[16384], hdr[512];
	size_t len = 0;
	ssize_t n;
	const char *range;
	int i;

	while (len < sizeof req - 1 && (n = read(fd, req + len, sizeof req - 1 - len)) > 0) {
		len += (size_t)n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	req[len] = '\0';
	pthread_mutex_lock(&src_lock);
	snprintf(src_last_request, sizeof src_last_request, "%s", req);
	pthread_mutex_unlock(&src_lock);
	for (i = 0; i < (int)(sizeof canned / sizeof canned[0]); i++) {
		size_t pl = strlen(canned[i].path);

		if (strncmp(req, "GET ", 4) == 0 && strncmp(req + 4, canned[i].path, pl) == 0 && req[4 + pl] == ' ') {
			src_write_all(fd, canned[i].response,
			    canned[i].len != 0 ? canned[i].len : strlen(canned[i].response));
			close(fd);
			return NULL;
		}
	}
	if (strncmp(req, "GET /silent ", 12) == 0) {
		/* Never answer; note when the proxy hangs up. */
		src_silent_open = 1;
		while ((n = read(fd, chunk, sizeof chunk)) > 0)
			;
		src_silent_eof_ms = tc_now_ms();
	} else if (strncmp(req, "GET /redirect ", 14) == 0) {
		snprintf(hdr, sizeof hdr, "HTTP/1.1 302 Found\r\nLocation: /small\r\nContent-Length: 0\r\n\r\n");
		src_write_all(fd, hdr, strlen(hdr));
	} else if (strncmp(req, "GET /small ", 11) == 0) {
		snprintf(hdr, sizeof hdr, "HTTP/1.1 200 OK\r\nContent-Type: audio/ogg\r\n"
		    "Content-Length: 11\r\n\r\nhello audio");
		src_write_all(fd, hdr, strlen(hdr));
	} else if (strncmp(req, "GET /range ", 11) == 0) {
		range = strstr(req, "Range: bytes=");
		snprintf(hdr, sizeof hdr, "HTTP/1.1 206 Partial Content\r\nContent-Type: audio/mpeg\r\n"
		    "Content-Range: bytes 10-19/100\r\nContent-Length: 10\r\n"
		    "X-Saw-Range: %s\r\n\r\n0123456789", range != NULL ? "yes" : "no");
		src_write_all(fd, hdr, strlen(hdr));
	} else if (strncmp(req, "GET /stream ", 12) == 0) {
		snprintf(hdr, sizeof hdr, "HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\n"
		    "icy-name: Test Radio\r\n%s\r\n",
		    strstr(req, "Icy-MetaData: 1") != NULL ? "icy-metaint: 16000\r\n" : "");
		src_write_all(fd, hdr, strlen(hdr));
		memset(chunk, 'a', sizeof chunk);
		src_written = 0;
		/* As fast as the proxy takes it, for at most about 30 s of data. */
		for (i = 0; i < 200000; i++) {
			n = write(fd, chunk, sizeof chunk);
			if (n <= 0)
				break;
			src_written += n;
		}
	}
	close(fd);
	return NULL;
}

static void *
src_main(void *arg)
{
	pthread_t t;
	int fd;

	for (;;) {
		fd = accept(src_fd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		pthread_create(&t, NULL, src_conn, (void *)(intptr_t)fd);
		pthread_detach(t);
	}
}

static void
src_start(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	int one = 1;

	signal(SIGPIPE, SIG_IGN);
	src_fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(src_fd, 0);
	setsockopt(src_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(src_fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(listen(src_fd, 16), 0);
	getsockname(src_fd, (struct sockaddr *)&sa, &sl);
	src_port = ntohs(sa.sin_port);
	pthread_create(&src_thread, NULL, src_main, NULL);
}

/* --- helpers --- */

/* Check runs each test in a child process: the source runs there too. */
static struct td *
start(int allow_private)
{
	src_start();
	return ag_start(allow_private ? "media_allow_private yes\nmedia_buffer_bytes 65536\n" :
	    "media_allow_private no\n", 0);
}

static void
media_get(struct td *d, const char *url, const char *extra, struct tc_http_resp *out)
{
	char path[1024];

	snprintf(path, sizeof path, "/media?url=%s", url);
	ag_get(d, path, extra, out);
}

static char *
cookie_for(struct td *d, const char *tag)
{
	char user[33], *tok, *h;

	ag_uname(user, tag);
	tok = ag_new_account(d, user);
	ck_assert(asprintf(&h, "Cookie: chgrid_session_token=%s\r\n", tok) > 0);
	free(tok);
	return h;
}

/* --- tests --- */

START_TEST(test_needs_session)
{
	struct td *d = start(1);
	struct tc_http_resp r;
	char url[128];

	snprintf(url, sizeof url, "http://127.0.0.1:%d/small", src_port);
	media_get(d, url, NULL, &r);
	ck_assert_int_eq(r.status, 401);
	tc_http_resp_free(&r);
	media_get(d, url, "Cookie: chgrid_session_token=not-a-real-token\r\n", &r);
	ck_assert_int_eq(r.status, 401);
	tc_http_resp_free(&r);
	it_stop(d);
}
END_TEST

START_TEST(test_relay_and_redirect)
{
	struct td *d = start(1);
	struct tc_http_resp r;
	char url[128], *ck = cookie_for(d, "media");

	snprintf(url, sizeof url, "http://127.0.0.1:%d/small", src_port);
	media_get(d, url, ck, &r);
	ck_assert_int_eq(r.status, 200);
	ag_body_is(&r, "hello audio");
	ck_assert_str_eq(tc_http_header(&r, "Content-Type"), "audio/ogg");
	tc_http_resp_free(&r);
	/* A redirect is followed (and its target checked again). */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/redirect", src_port);
	media_get(d, url, ck, &r);
	ck_assert_int_eq(r.status, 200);
	ag_body_is(&r, "hello audio");
	tc_http_resp_free(&r);
	/* Not http(s). */
	media_get(d, "ftp://127.0.0.1/x", ck, &r);
	ck_assert_int_eq(r.status, 400);
	tc_http_resp_free(&r);
	free(ck);
	it_stop(d);
}
END_TEST

START_TEST(test_range)
{
	struct td *d = start(1);
	struct tc_http_resp r;
	char url[128], *ck = cookie_for(d, "range"), hdr[512];

	snprintf(url, sizeof url, "http://127.0.0.1:%d/range", src_port);
	snprintf(hdr, sizeof hdr, "%sRange: bytes=10-19\r\n", ck);
	media_get(d, url, hdr, &r);
	ck_assert_int_eq(r.status, 206);
	ck_assert_str_eq(tc_http_header(&r, "Content-Range"), "bytes 10-19/100");
	ag_body_is(&r, "0123456789");
	pthread_mutex_lock(&src_lock);
	ck_assert_msg(strstr(src_last_request, "Range: bytes=10-19") != NULL,
	    "the source did not get the Range header: %s", src_last_request);
	pthread_mutex_unlock(&src_lock);
	tc_http_resp_free(&r);
	free(ck);
	it_stop(d);
}
END_TEST

/* Read an HTTP response head off a raw connection; returns it. */
static void
read_head(struct tc_conn *c, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;

	while (len < cap - 1) {
		n = tc_read_raw(c, buf + len, 1, 5000);
		ck_assert_msg(n == 1, "no response head");
		len++;
		buf[len] = '\0';
		if (len >= 4 && strcmp(buf + len - 4, "\r\n\r\n") == 0)
			return;
	}
	ck_abort_msg("response head too long");
}

START_TEST(test_slow_reader_backpressure)
{
	struct td *d = start(1);
	struct tc_conn *c;
	char req[1024], head[4096], buf[65536], *ck = cookie_for(d, "slow");
	long long before, after;
	size_t got = 0;
	ssize_t n;

	c = td_connect(d);
	snprintf(req, sizeof req, "GET /media?url=http://127.0.0.1:%d/stream HTTP/1.1\r\nHost: x\r\n%s\r\n",
	    src_port, ck);
	ck_assert_int_eq(tc_write_raw(c, req, strlen(req)), TC_OK);
	read_head(c, head, sizeof head);
	ck_assert_msg(strstr(head, "200") != NULL, "head: %s", head);
	ck_assert_msg(strstr(head, "audio/mpeg") != NULL, "head: %s", head);
	/* icy-* is left out unless asked for, and no metadata was requested. */
	ck_assert_msg(strstr(head, "icy-metaint") == NULL, "head: %s", head);
	pthread_mutex_lock(&src_lock);
	ck_assert(strstr(src_last_request, "Icy-MetaData") == NULL);
	pthread_mutex_unlock(&src_lock);
	/* Read nothing for a while: the source must be held back. */
	usleep(1500 * 1000);
	before = src_written;
	usleep(1000 * 1000);
	after = src_written;
	/* 64 KiB of proxy buffer plus kernel socket buffers; unbounded would be gigabytes. */
	ck_assert_msg(after < 16LL * 1024 * 1024, "the source wrote %lld bytes to a reader that reads nothing", after);
	ck_assert_msg(after - before < 1024 * 1024, "the source kept flowing (%lld bytes in 1 s) while nobody read",
	    after - before);
	/* Reading again lets it flow (past what the socket buffers held). */
	while (src_written <= after && got < 256 * 1024 * 1024) {
		n = tc_read_raw(c, buf, sizeof buf, 5000);
		ck_assert_msg(n > 0, "the stream stopped after %zu bytes", got);
		got += (size_t)n;
	}
	ck_assert_msg(src_written > after, "the source never resumed (%zu bytes read)", got);
	tc_close(c);
	free(ck);
	it_stop(d);
}
END_TEST

START_TEST(test_icy_on_request)
{
	struct td *d = start(1);
	struct tc_conn *c;
	char req[1024], head[4096], *ck = cookie_for(d, "icy");

	c = td_connect(d);
	snprintf(req, sizeof req, "GET /media?url=http://127.0.0.1:%d/stream&icy=1 HTTP/1.1\r\nHost: x\r\n%s\r\n",
	    src_port, ck);
	ck_assert_int_eq(tc_write_raw(c, req, strlen(req)), TC_OK);
	read_head(c, head, sizeof head);
	ck_assert_msg(strstr(head, "icy-metaint: 16000") != NULL, "head: %s", head);
	ck_assert_msg(strstr(head, "icy-name: Test Radio") != NULL, "head: %s", head);
	tc_close(c);
	free(ck);
	it_stop(d);
}
END_TEST

START_TEST(test_private_refused)
{
	struct td *d = start(0);
	struct tc_http_resp r;
	char url[128], *ck = cookie_for(d, "priv");

	snprintf(url, sizeof url, "http://127.0.0.1:%d/small", src_port);
	media_get(d, url, ck, &r);
	ck_assert_int_eq(r.status, 403);
	tc_http_resp_free(&r);
	/* A name is checked after resolution: localhost is loopback. */
	snprintf(url, sizeof url, "http://localhost:%d/small", src_port);
	media_get(d, url, ck, &r);
	ck_assert_int_eq(r.status, 403);
	tc_http_resp_free(&r);
	media_get(d, "http://10.1.2.3/x", ck, &r);
	ck_assert_int_eq(r.status, 403);
	tc_http_resp_free(&r);
	media_get(d, "http://[::ffff:192.168.1.1]/x", ck, &r);
	ck_assert_int_eq(r.status, 403);
	tc_http_resp_free(&r);
	free(ck);
	it_stop(d);
}
END_TEST

START_TEST(test_stream_caps)
{
	struct td *d;
	struct tc_conn *c;
	struct tc_http_resp r;
	char req[1024], head[4096], url[128], *ck;

	src_start();
	d = ag_start("media_allow_private yes\nmedia_max_streams_per_account 1\n", 0);
	ck = cookie_for(d, "cap");

	c = td_connect(d);
	snprintf(req, sizeof req, "GET /media?url=http://127.0.0.1:%d/stream HTTP/1.1\r\nHost: x\r\n%s\r\n",
	    src_port, ck);
	ck_assert_int_eq(tc_write_raw(c, req, strlen(req)), TC_OK);
	read_head(c, head, sizeof head);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/small", src_port);
	media_get(d, url, ck, &r);
	ck_assert_int_eq(r.status, 429);
	tc_http_resp_free(&r);
	tc_close(c);
	free(ck);
	it_stop(d);
}
END_TEST

/* --- what the proxy relays (issue 13 item 2) --- */

/* The headers that keep any answer of the proxy from being rendered. */
static void
assert_guarded(const struct tc_http_resp *r, const char *what)
{
	const char *v;

	v = tc_http_header(r, "X-Content-Type-Options");
	ck_assert_msg(v != NULL && strcasecmp(v, "nosniff") == 0, "%s: X-Content-Type-Options %s", what,
	    v != NULL ? v : "(none)");
	v = tc_http_header(r, "Content-Security-Policy");
	ck_assert_msg(v != NULL && strcmp(v, "sandbox; default-src 'none'") == 0,
	    "%s: Content-Security-Policy %s", what, v != NULL ? v : "(none)");
	v = tc_http_header(r, "Content-Disposition");
	ck_assert_msg(v != NULL && strcmp(v, "inline; filename=\"stream\"") == 0,
	    "%s: Content-Disposition %s", what, v != NULL ? v : "(none)");
}

START_TEST(test_only_audio_relayed)
{
	static const char *const refused[] = {
		"/page.html", "/image.svg", "/xml-audio", "/plain", "/octet-html", "/untyped-html",
	};
	static const struct {
		const char *path, *type;
	} relayed[] = {
		{ "/small", "audio/ogg" },
		{ "/octet-ogg", "audio/ogg" },		/* unlabelled: sniffed */
		{ "/untyped-mp3", "audio/mpeg" },
		{ "/chunked-ogg", "audio/ogg" },	/* sniffed past the chunk size */
		{ "/playlist.m3u", "audio/x-mpegurl" },
		{ "/station.pls", "audio/x-scpls" },
		{ "/hls.m3u8", "application/vnd.apple.mpegurl" },
		{ "/app-ogg", "application/ogg" },
	};
	struct td *d = start(1);
	struct tc_http_resp r;
	char url[128], what[160], *ck = cookie_for(d, "types"), hdr[512];
	size_t i;

	for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		snprintf(url, sizeof url, "http://127.0.0.1:%d%s", src_port, refused[i]);
		snprintf(what, sizeof what, "GET /media for %s", refused[i]);
		media_get(d, url, ck, &r);
		ck_assert_msg(r.status == 415, "%s: status %d, want 415", what, r.status);
		ck_assert_msg(r.body == NULL || (strstr(r.body, "<script") == NULL && strstr(r.body, "<svg") == NULL),
		    "%s: the upstream body was relayed: %s", what, r.body);
		ck_assert_msg(r.body != NULL && strstr(r.body, "not an audio stream") != NULL, "%s: body %s", what,
		    r.body != NULL ? r.body : "(none)");
		assert_guarded(&r, what);
		tc_http_resp_free(&r);
	}
	ck_assert(td_log_contains(d, "refused: 415 not an audio stream (text/html; charset=utf-8)"));
	for (i = 0; i < sizeof relayed / sizeof relayed[0]; i++) {
		snprintf(url, sizeof url, "http://127.0.0.1:%d%s", src_port, relayed[i].path);
		snprintf(what, sizeof what, "GET /media for %s", relayed[i].path);
		media_get(d, url, ck, &r);
		ck_assert_msg(r.status == 200, "%s: status %d, want 200 (%s)", what, r.status,
		    r.body != NULL ? r.body : "");
		ck_assert_msg(tc_http_header(&r, "Content-Type") != NULL &&
		    strcmp(tc_http_header(&r, "Content-Type"), relayed[i].type) == 0, "%s: Content-Type %s, want %s",
		    what, tc_http_header(&r, "Content-Type"), relayed[i].type);
		assert_guarded(&r, what);
		tc_http_resp_free(&r);
	}
	/* The relayed body is the source's, byte for byte (the chunked one decoded by the client). */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/chunked-ogg", src_port);
	media_get(d, url, ck, &r);
	ck_assert_int_eq(r.body_len, sizeof OGG_START - 1);
	ck_assert(memcmp(r.body, OGG_START, sizeof OGG_START - 1) == 0);
	tc_http_resp_free(&r);
	/* The middle of an unlabelled file has no signature; only a Range asks for it. */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/middle", src_port);
	snprintf(hdr, sizeof hdr, "%sRange: bytes=100-109\r\n", ck);
	media_get(d, url, hdr, &r);
	ck_assert_int_eq(r.status, 206);
	ck_assert_str_eq(tc_http_header(&r, "Content-Type"), "application/octet-stream");
	assert_guarded(&r, "a range from the middle");
	tc_http_resp_free(&r);
	media_get(d, url, ck, &r);
	ck_assert_msg(r.status == 415, "the same 206 without a Range: %d", r.status);
	tc_http_resp_free(&r);
	/* A source's 416 passes as a status, without its body. */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/unsatisfiable", src_port);
	snprintf(hdr, sizeof hdr, "%sRange: bytes=5000-\r\n", ck);
	media_get(d, url, hdr, &r);
	ck_assert_int_eq(r.status, 416);
	ck_assert_msg(r.body_len == 0, "the 416 carried a body: %s", r.body);
	ck_assert_str_eq(tc_http_header(&r, "Content-Range"), "bytes */1000");
	assert_guarded(&r, "416");
	tc_http_resp_free(&r);
	/* The proxy's own refusals carry the same headers. */
	media_get(d, url, NULL, &r);
	ck_assert_int_eq(r.status, 401);
	assert_guarded(&r, "401");
	tc_http_resp_free(&r);
	media_get(d, "ftp://127.0.0.1/x", ck, &r);
	ck_assert_int_eq(r.status, 400);
	assert_guarded(&r, "400");
	tc_http_resp_free(&r);
	free(ck);
	it_stop(d);
}
END_TEST

/* --- <base>media_proxy.php (issue 21) --- */

/* GET path?url=<url> with extra headers; the answer in out. */
static void
proxy_get(struct td *d, const char *path, const char *url, const char *extra, struct tc_http_resp *out)
{
	char p[1024];

	snprintf(p, sizeof p, "%s?url=%s", path, url);
	ag_get(d, p, extra, out);
}

/* The same request through /media and through alias: the same answer. */
static void
same_answer(struct td *d, const char *alias, const char *url, const char *extra)
{
	static const char *const hdrs[] = {
		"Content-Type", "Content-Range", "Content-Length", "Content-Security-Policy",
		"Content-Disposition", "X-Content-Type-Options", "Cache-Control",
	};
	struct tc_http_resp a, b;
	const char *va, *vb;
	size_t i;

	proxy_get(d, "/media", url, extra, &a);
	proxy_get(d, alias, url, extra, &b);
	ck_assert_msg(a.status == b.status, "%s for %s: status %d, /media %d", alias, url, b.status, a.status);
	ck_assert_msg(a.body_len == b.body_len && (a.body_len == 0 || memcmp(a.body, b.body, a.body_len) == 0),
	    "%s for %s: body %s, /media %s", alias, url, b.body != NULL ? b.body : "", a.body != NULL ? a.body : "");
	for (i = 0; i < sizeof hdrs / sizeof hdrs[0]; i++) {
		va = tc_http_header(&a, hdrs[i]);
		vb = tc_http_header(&b, hdrs[i]);
		ck_assert_msg((va == NULL) == (vb == NULL) && (va == NULL || strcmp(va, vb) == 0),
		    "%s for %s: %s %s, /media %s", alias, url, hdrs[i], vb != NULL ? vb : "(none)",
		    va != NULL ? va : "(none)");
	}
	tc_http_resp_free(&a);
	tc_http_resp_free(&b);
}

START_TEST(test_media_proxy_php_alias)
{
	struct td *d;
	struct tc_http_resp r;
	char url[128], hdr[512], *ck;

	src_start();
	d = ag_start("media_allow_private yes\n", 0);
	ck = cookie_for(d, "alias");
	snprintf(url, sizeof url, "http://127.0.0.1:%d/small", src_port);
	same_answer(d, "/media_proxy.php", url, NULL);				/* 401 missing session */
	same_answer(d, "/media_proxy.php", url, "Cookie: chgrid_session_token=nope\r\n");	/* 401 invalid */
	same_answer(d, "/media_proxy.php", url, ck);				/* 200 */
	snprintf(hdr, sizeof hdr, "%sRange: bytes=10-19\r\n", ck);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/range", src_port);
	same_answer(d, "/media_proxy.php", url, hdr);				/* 206 */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/page.html", src_port);
	same_answer(d, "/media_proxy.php", url, ck);				/* 415 */
	same_answer(d, "/media_proxy.php", "ftp://127.0.0.1/x", ck);		/* 400 */
	ag_get(d, "/media_proxy.php", ck, &r);					/* 400 missing url */
	ck_assert_int_eq(r.status, 400);
	tc_http_resp_free(&r);
	/* Not under a path that is not a configured base. */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/small", src_port);
	proxy_get(d, "/chgrid/media_proxy.php", url, ck, &r);
	ck_assert_int_eq(r.status, 404);
	tc_http_resp_free(&r);
	free(ck);
	it_stop(d);

	/* Under a configured base; "/" no longer listed: no alias at the root, /media stays. */
	d = ag_start("media_allow_private yes\nweb_base_paths /chgrid/ /a/b/\n", 0);
	ck = cookie_for(d, "alias2");
	snprintf(url, sizeof url, "http://127.0.0.1:%d/small", src_port);
	same_answer(d, "/chgrid/media_proxy.php", url, ck);
	same_answer(d, "/a/b/media_proxy.php", url, NULL);
	proxy_get(d, "/chgrid/media_proxy.php", url, ck, &r);
	ck_assert_int_eq(r.status, 200);
	ag_body_is(&r, "hello audio");
	tc_http_resp_free(&r);
	proxy_get(d, "/media_proxy.php", url, ck, &r);
	ck_assert_int_eq(r.status, 404);
	tc_http_resp_free(&r);
	proxy_get(d, "/chgrid/media", url, ck, &r);
	ck_assert_int_eq(r.status, 404);
	tc_http_resp_free(&r);
	ck_assert(td_log_contains(d, "GET /a/b/media_proxy.php -> 401 missing session"));
	free(ck);
	it_stop(d);
}
END_TEST

/* --- lookups that never end, browsers that leave (issue 13 item 1) --- */

/*
 * A nameserver on loopback that never answers: a UDP socket nobody reads.
 * Writes a resolv.conf naming it (and a long resolver timeout, so that only
 * the proxy's own deadline ends a lookup) into a new directory; returns
 * the file's path (caller frees) and the socket in *fd.
 */
static char *
blackhole_resolver(int *fd)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	char *dir, *path, text[256];

	*fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(*fd, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(*fd, (struct sockaddr *)&sa, sizeof sa), 0);
	getsockname(*fd, (struct sockaddr *)&sa, &sl);
	dir = td_mkdtemp();
	ck_assert_ptr_nonnull(dir);
	snprintf(text, sizeof text, "nameserver 127.0.0.1:%d\noptions timeout:120 attempts:1\n", ntohs(sa.sin_port));
	ck_assert_int_eq(td_write_text(dir, "resolv.conf", text), 0);
	ck_assert(asprintf(&path, "%s/resolv.conf", dir) > 0);
	free(dir);
	return path;
}

/* The mediaStreams count of /healthz. */
static int
health_streams(struct td *d)
{
	struct tc_http_resp r;
	json_object *o, *v;
	int n;

	ag_get(d, "/healthz", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	o = json_tokener_parse(r.body);
	ck_assert_msg(o != NULL && json_object_object_get_ex(o, "mediaStreams", &v), "/healthz: %s", r.body);
	n = json_object_get_int(v);
	json_object_put(o);
	tc_http_resp_free(&r);
	return n;
}

/* Poll /healthz until mediaStreams is want; 1 if it got there within ms. */
static int
wait_streams(struct td *d, int want, int ms)
{
	int64_t end = tc_now_ms() + ms;

	do {
		if (health_streams(d) == want)
			return 1;
		usleep(20 * 1000);
	} while (tc_now_ms() < end);
	return 0;
}

/*
 * Hundreds of lookups that time out: each is cancelled at
 * media_connect_timeout_ms while the resolver still waits, and the
 * cancellation's callback arrives later. The daemon must answer every one
 * with 504 and live on (it wrote into the freed stream, and under ASan
 * died at the first; the plain build hit an evdns assertion).
 */
START_TEST(test_dns_timeouts_do_not_crash)
{
	enum { TOTAL = 300, WAVE = 50 };
	struct tc_conn *cs[WAVE];
	struct tc_http_resp r;
	char conf[1024], req[1024], *resolv, *ck;
	struct td *d;
	int fd, i, w, n504 = 0;

	resolv = blackhole_resolver(&fd);
	snprintf(conf, sizeof conf, "media_resolv_conf %s\nmedia_connect_timeout_ms 100\n"
	    "media_max_streams 1000\nmedia_max_streams_per_account 1000\nmax_connections 1000\n", resolv);
	d = ag_start(conf, 0);
	ck = cookie_for(d, "dns");
	for (w = 0; w < TOTAL / WAVE; w++) {
		for (i = 0; i < WAVE; i++) {
			cs[i] = td_connect(d);
			snprintf(req, sizeof req, "GET /media?url=http://never-%d-%d.example.com/x HTTP/1.1\r\n"
			    "Host: x\r\n%s\r\n", w, i, ck);
			ck_assert_int_eq(tc_write_raw(cs[i], req, strlen(req)), TC_OK);
		}
		for (i = 0; i < WAVE; i++) {
			ck_assert_msg(tc_http_read_response(cs[i], 0, &r, td_ms(20000)) == TC_OK,
			    "stream %d of wave %d: no answer: %s (daemon alive: %d)%s", i, w, tc_error(cs[i]),
			    td_alive(d), td_health());
			ck_assert_msg(r.status == 504, "stream %d of wave %d: status %d", i, w, r.status);
			n504++;
			tc_http_resp_free(&r);
			tc_close(cs[i]);
		}
	}
	ck_assert_int_eq(n504, TOTAL);
	ck_assert(td_alive(d));
	ck_assert(wait_streams(d, 0, td_ms(5000)));
	ck_assert(td_log_contains(d, "refused: 504 the stream server did not answer in time"));
	close(fd);
	free(ck);
	free(resolv);
	it_stop(d);	/* exits 0: no sanitizer report, no leak */
}
END_TEST

/* A browser that hangs up while its stream's name is being looked up ends the stream. */
START_TEST(test_hangup_while_resolving)
{
	char conf[1024], req[1024], *resolv, *ck;
	struct tc_conn *c;
	struct td *d;
	int fd;

	resolv = blackhole_resolver(&fd);
	/* Ten minutes: only the hang-up can end the stream within the test. */
	snprintf(conf, sizeof conf, "media_resolv_conf %s\nmedia_connect_timeout_ms 600000\n", resolv);
	d = ag_start(conf, 0);
	ck = cookie_for(d, "hangdns");
	c = td_connect(d);
	snprintf(req, sizeof req, "GET /media?url=http://never.example.com/x HTTP/1.1\r\nHost: x\r\n%s\r\n", ck);
	ck_assert_int_eq(tc_write_raw(c, req, strlen(req)), TC_OK);
	ck_assert_msg(td_wait_log(d, "media: 127.0.0.1: resolving never.example.com", td_ms(10000)),
	    "the stream never started resolving");
	ck_assert_int_eq(health_streams(d), 1);
	tc_close(c);
	ck_assert_msg(wait_streams(d, 0, td_ms(10000)), "the stream outlived the browser that asked for it");
	ck_assert(td_wait_log(d, "the browser left while resolving never.example.com", td_ms(2000)));
	close(fd);
	free(ck);
	free(resolv);
	it_stop(d);
}
END_TEST

/* The same while connected to a source that has not answered: the proxy hangs up on the source. */
START_TEST(test_hangup_while_connecting)
{
	char req[1024], *ck;
	struct tc_conn *c;
	struct td *d;
	int64_t closed_at, end;

	src_start();
	d = ag_start("media_allow_private yes\nmedia_connect_timeout_ms 600000\n", 0);
	ck = cookie_for(d, "hangsrc");
	c = td_connect(d);
	snprintf(req, sizeof req, "GET /media?url=http://127.0.0.1:%d/silent HTTP/1.1\r\nHost: x\r\n%s\r\n",
	    src_port, ck);
	ck_assert_int_eq(tc_write_raw(c, req, strlen(req)), TC_OK);
	end = tc_now_ms() + td_ms(10000);
	while (!src_silent_open && tc_now_ms() < end)
		usleep(10 * 1000);
	ck_assert_msg(src_silent_open, "the request never reached the source");
	ck_assert_int_eq(src_silent_eof_ms, 0);
	closed_at = tc_now_ms();
	tc_close(c);
	end = tc_now_ms() + td_ms(10000);
	while (src_silent_eof_ms == 0 && tc_now_ms() < end)
		usleep(10 * 1000);
	ck_assert_msg(src_silent_eof_ms != 0, "the proxy kept the source's connection after the browser left");
	fprintf(stderr, "# the source saw the hang-up %lld ms after the browser left\n",
	    (long long)(src_silent_eof_ms - closed_at));
	ck_assert(wait_streams(d, 0, td_ms(5000)));
	ck_assert(td_log_contains(d, "the browser left while connecting 127.0.0.1"));
	free(ck);
	it_stop(d);
}
END_TEST

static Suite *
media_suite(void)
{
	Suite *s = suite_create("media");
	TCase *tc = tcase_create("proxy");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_needs_session);
	tcase_add_test(tc, test_relay_and_redirect);
	tcase_add_test(tc, test_range);
	tcase_add_test(tc, test_slow_reader_backpressure);
	tcase_add_test(tc, test_icy_on_request);
	tcase_add_test(tc, test_private_refused);
	tcase_add_test(tc, test_stream_caps);
	tcase_add_test(tc, test_only_audio_relayed);
	tcase_add_test(tc, test_media_proxy_php_alias);
	tcase_add_test(tc, test_dns_timeouts_do_not_crash);
	tcase_add_test(tc, test_hangup_while_resolving);
	tcase_add_test(tc, test_hangup_while_connecting);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ag_main(media_suite());
}

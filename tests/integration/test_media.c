/*
 * test_media.c: the media proxy (GET /media) against a real stream server
 * run by this test on loopback: the session cookie is required, the body
 * flows through, Range and the content type pass, redirects are followed,
 * ICY metadata is requested only on demand, a slow reader makes the daemon
 * stop reading from the source instead of buffering, and addresses that
 * are not public are refused, also when a name resolves to them.
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
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>

#include "tclient.h"
#include "tdaemon.h"
#include "test_auth_common.h"

/* --- the stream server --- */

static int src_fd, src_port;
static pthread_t src_thread;
static volatile long long src_written;	/* body bytes of the current /stream */
static char src_last_request[4096];
static pthread_mutex_t src_lock = PTHREAD_MUTEX_INITIALIZER;

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
	if (strncmp(req, "GET /redirect ", 14) == 0) {
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
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ag_main(media_suite());
}

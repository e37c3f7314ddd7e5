/* test_fetch.c: URL parsing, redirect resolution, address classes, response heads. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <check.h>

#include "net/httpresp.h"
#include "netaddr.h"

static int
pub(const char *addr)
{
	struct sockaddr_in sa4;
	struct sockaddr_in6 sa6;

	memset(&sa4, 0, sizeof sa4);
	memset(&sa6, 0, sizeof sa6);
	if (inet_pton(AF_INET, addr, &sa4.sin_addr) == 1) {
		sa4.sin_family = AF_INET;
		return netaddr_public((struct sockaddr *)&sa4);
	}
	ck_assert_int_eq(inet_pton(AF_INET6, addr, &sa6.sin6_addr), 1);
	sa6.sin6_family = AF_INET6;
	return netaddr_public((struct sockaddr *)&sa6);
}

START_TEST(test_address_classes)
{
	static const char *const inside[] = {
		"127.0.0.1", "127.255.1.2", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1",
		"169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255",
		"192.0.2.1", "198.18.0.1", "::1", "::", "fe80::1", "fc00::1", "fd12::3", "ff02::1",
		"::ffff:127.0.0.1", "::ffff:10.1.2.3", "64:ff9b::a00:1", "2002:c0a8:101::1", "2001:db8::1",
	};
	static const char *const outside[] = {
		"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "193.0.0.1", "2001:4860:4860::8888",
		"::ffff:8.8.8.8", "2a00:1450::1",
	};
	size_t i;

	for (i = 0; i < sizeof inside / sizeof inside[0]; i++)
		ck_assert_msg(!pub(inside[i]), "%s counted as public", inside[i]);
	for (i = 0; i < sizeof outside / sizeof outside[0]; i++)
		ck_assert_msg(pub(outside[i]), "%s counted as not public", outside[i]);
}
END_TEST

START_TEST(test_url_parse)
{
	struct url u;

	ck_assert_ptr_null(url_parse("http://example.org/stream", &u));
	ck_assert_str_eq(u.host, "example.org");
	ck_assert_int_eq(u.port, 80);
	ck_assert_int_eq(u.tls, 0);
	ck_assert_str_eq(u.path, "/stream");
	ck_assert_ptr_null(url_parse("HTTPS://Example.org:8443?x=1#frag", &u));
	ck_assert_int_eq(u.tls, 1);
	ck_assert_int_eq(u.port, 8443);
	ck_assert_str_eq(u.path, "/?x=1");
	ck_assert_ptr_null(url_parse("http://[2001:db8::1]:8000/a", &u));
	ck_assert_str_eq(u.host, "2001:db8::1");
	ck_assert_int_eq(u.port, 8000);
	ck_assert_ptr_nonnull(url_parse("ftp://example.org/", &u));
	ck_assert_ptr_nonnull(url_parse("file:///etc/passwd", &u));
	ck_assert_ptr_nonnull(url_parse("http://user:pw@example.org/", &u));
	ck_assert_ptr_nonnull(url_parse("http://:80/", &u));
	ck_assert_ptr_nonnull(url_parse("http://example.org:0/", &u));
	ck_assert_ptr_nonnull(url_parse("http://example.org:99999/", &u));
	ck_assert_ptr_nonnull(url_parse("http://exa mple.org/", &u));
	ck_assert_ptr_nonnull(url_parse("http://[::1/", &u));
}
END_TEST

START_TEST(test_url_resolve)
{
	struct url base, u;

	ck_assert_ptr_null(url_parse("https://a.example:8443/radio/live.mp3", &base));
	ck_assert_ptr_null(url_resolve(&base, "/other", &u));
	ck_assert_str_eq(u.host, "a.example");
	ck_assert_int_eq(u.port, 8443);
	ck_assert_int_eq(u.tls, 1);
	ck_assert_str_eq(u.path, "/other");
	ck_assert_ptr_null(url_resolve(&base, "next.mp3", &u));
	ck_assert_str_eq(u.path, "/radio/next.mp3");
	ck_assert_ptr_null(url_resolve(&base, "//b.example/x", &u));
	ck_assert_str_eq(u.host, "b.example");
	ck_assert_int_eq(u.port, 443);
	ck_assert_ptr_null(url_resolve(&base, "http://c.example/y", &u));
	ck_assert_int_eq(u.tls, 0);
	ck_assert_ptr_nonnull(url_resolve(&base, "gopher://c.example/", &u));
}
END_TEST

START_TEST(test_response_head)
{
	char v[64];

	ck_assert_int_eq(httpresp_status("HTTP/1.1 200 OK\r\n\r\n"), 200);
	ck_assert_int_eq(httpresp_status("HTTP/1.0 302 Found\r\n"), 302);
	ck_assert_int_eq(httpresp_status("ICY 200 OK\r\n"), 200);
	ck_assert_int_eq(httpresp_status("HTTP/2 200\r\n"), -1);
	ck_assert_int_eq(httpresp_status("HTTP/1.1 2000 OK\r\n"), -1);
	ck_assert_int_eq(httpresp_status("HTTP/1.1 20x OK\r\n"), -1);
	ck_assert_int_eq(httpresp_status("garbage"), -1);
	ck_assert_int_eq(httpresp_status(""), -1);
	ck_assert_ptr_nonnull(httpresp_header("HTTP/1.1 200 OK\r\ncontent-type:  audio/ogg \r\n\r\n",
	    "Content-Type", v, sizeof v));
	ck_assert_str_eq(v, "audio/ogg");
	ck_assert_ptr_null(httpresp_header("HTTP/1.1 200 OK\r\nX-Content-Type: a\r\n\r\n", "Content-Type", v, sizeof v));
	ck_assert_ptr_null(httpresp_header("Content-Type: a\r\n", "Content-Type", v, sizeof v));
	ck_assert_ptr_nonnull(httpresp_header("ICY 200 OK\nicy-metaint:8192\n\n", "icy-metaint", v, sizeof v));
	ck_assert_str_eq(v, "8192");
}
END_TEST

static Suite *
fetch_suite(void)
{
	Suite *s = suite_create("fetch");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_address_classes);
	tcase_add_test(tc, test_url_parse);
	tcase_add_test(tc, test_url_resolve);
	tcase_add_test(tc, test_response_head);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(fetch_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

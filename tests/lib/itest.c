/* itest.c: fixtures shared by the integration test programs. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "itest.h"

static char *it_www_dir;

static void
it_www_cleanup(void)
{
	td_rmtree(it_www_dir);
	free(it_www_dir);
	it_www_dir = NULL;
}

const char *
it_www(void)
{
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
	    0, 0, 0, 0x0d, 'I', 'H', 'D', 'R' };
	static const unsigned char ogg[] = { 'O', 'g', 'g', 'S', 0, 2, 0, 0 };
	static const unsigned char wav[] = { 'R', 'I', 'F', 'F', 4, 0, 0, 0, 'W', 'A', 'V', 'E' };
	const char *d;
	int r = 0;

	if (it_www_dir != NULL)
		return it_www_dir;
	if ((it_www_dir = td_mkdtemp()) == NULL)
		ck_abort_msg("mkdtemp: %s", strerror(errno));
	/* The directory outlives single tests in CK_NOFORK mode: clean at exit. */
	if (atexit(it_www_cleanup) != 0)
		ck_abort_msg("atexit failed");
	d = it_www_dir;
	r |= td_write_text(d, "index.html", IT_INDEX_HTML);
	r |= td_write_text(d, "app.js", IT_APP_JS);
	r |= td_write_text(d, "style.css", "body { color: black; }\n");
	r |= td_write_file(d, "sound.ogg", ogg, sizeof ogg);
	r |= td_write_file(d, "sound.wav", wav, sizeof wav);
	r |= td_write_text(d, "data.json", "{\"a\":1}\n");
	r |= td_write_text(d, "icon.svg",
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\"/>\n");
	r |= td_write_file(d, "img.png", png, sizeof png);
	r |= td_mkdir(d, "sub");
	r |= td_write_text(d, "sub/index.html", IT_SUB_INDEX_HTML);
	r |= td_mkdir(d, "empty");
	r |= td_write_text(d, "empty/listing-canary.txt", "canary\n");
	r |= td_mkdir(d, ".git");
	r |= td_write_text(d, ".git/config", "[core]\n\tsecret = leaked\n");
	if (r != 0)
		ck_abort_msg("cannot fill the test web root %s: %s", d, strerror(errno));
	return d;
}

struct td *
it_start(const char *extra_config_lines, int tls)
{
	char *extra;
	struct td *td;

	/*
	 * Every test client comes from 127.0.0.1: the per-address admission
	 * limits are lifted here, and the tests of those limits set their own.
	 */
	if (asprintf(&extra, "www_root %s\nauth_register_ip_limit 1000000\nauth_hash_ip_limit 10000\n%s", it_www(),
	    extra_config_lines != NULL ? extra_config_lines : "") < 0)
		ck_abort_msg("out of memory");
	td = td_start(extra, tls);
	free(extra);
	return td;
}

void
it_stop(struct td *td)
{
	char *tail;
	int st = td_stop(td);

	if (st != 0) {
		tail = td_log_tail(td, 600);
		ck_abort_msg("chatgridd exited with status %d after SIGTERM; log tail: %s", st,
		    tail != NULL ? tail : "(none)");
	}
	td_free(td);
}

int
it_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int nf;

	srunner_run_all(sr, CK_ENV);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

void
it_ws_probe_at(const char *file, int line, struct tc_conn *c, int n)
{
	char type[32];
	json_object *o;
	const char *code, *m, *at;
	int r;

	snprintf(type, sizeof type, "probe_%d", n);
	r = tc_ws_sendf(c, "{\"type\":\"%s\"}", type);
	ck_assert_msg(r == TC_OK, "%s:%d: sending %s: %s%s", file, line, type, tc_error(c),
	    td_health());
	o = tc_ws_expect(c, "error", td_ms(5000));
	ck_assert_msg(o != NULL, "%s:%d: no error for %s: %s%s", file, line, type, tc_error(c),
	    td_health());
	code = tc_json_str(o, "code");
	m = tc_json_str(o, "message");
	/* The name, not a longer one (probe_1 is not probe_12). */
	at = m != NULL ? strstr(m, type) : NULL;
	ck_assert_msg(code != NULL && strcmp(code, "unknown_type") == 0 && at != NULL &&
	    !isdigit((unsigned char)at[strlen(type)]), "%s:%d: reply to %s: %s", file, line,
	    type, json_object_to_json_string(o));
	json_object_put(o);
}

int
it_free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	ck_assert_msg(fd >= 0, "socket: %s", strerror(errno));
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_msg(bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0, "no free loopback port: %s",
	    strerror(errno));
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

int
it_port_open(int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	if (fd < 0)
		return 0;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	ok = connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0;
	close(fd);
	return ok;
}

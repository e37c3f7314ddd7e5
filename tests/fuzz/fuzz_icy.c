/*
 * fuzz_icy.c: the radio plugin's fetch (plugins/radio_station/icy.c) reading
 * whatever a stream server answers: the status line, headers, redirects,
 * icy-metaint and the metadata block. Each input is served, as it is, by a
 * thread of this process on a loopback socket, and icy_fetch reads it as it
 * would a real server; icy_text is also fed the input directly.
 *
 * Invariants: station and title are valid UTF-8 without C0 controls and
 * within their character limits; an error always has a reason.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../plugins/radio_station/icy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int lfd = -1;
static char url[64];

struct serve {
	const uint8_t *data;
	size_t size;
};

static void *
serve(void *arg)
{
	struct serve *s = arg;
	char req[2048];
	size_t off = 0;
	ssize_t n;
	int fd = accept(lfd, NULL, NULL);

	if (fd < 0)
		return NULL;
	/* The request head first, as a server would; then the answer and EOF. */
	(void)read(fd, req, sizeof req);
	while (off < s->size && (n = write(fd, s->data + off, s->size - off)) > 0)
		off += (size_t)n;
	shutdown(fd, SHUT_WR);
	while (read(fd, req, sizeof req) > 0)
		;
	close(fd);
	return NULL;
}

static void
setup(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;

	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(lfd, 16) != 0 || getsockname(lfd, (struct sockaddr *)&sa, &len) != 0)
		abort();
	snprintf(url, sizeof url, "http://127.0.0.1:%d/stream", ntohs(sa.sin_port));
}

/* Valid UTF-8, no C0 controls, at most max code points. */
static void
check_text(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chars = 0;
	int n, i;

	while (*p != '\0') {
		if (*p < 0x20)
			abort();
		n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
		if (n == 0)
			abort();
		for (i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				abort();
		p += n;
		chars++;
	}
	if (chars > max)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct icy_conf conf = { 1, 2000, 65536, 0, -1 };
	struct icy_result res;
	struct serve s = { data, size };
	char text[ICY_TITLE_BYTES];
	pthread_t t;

	if (lfd < 0)
		setup();
	icy_text((const char *)data, size, text, ICY_TITLE_CHARS);
	check_text(text, ICY_TITLE_CHARS);
	if (pthread_create(&t, NULL, serve, &s) != 0)
		abort();
	if (icy_fetch(NULL, url, &conf, &res) == 0) {
		check_text(res.station, ICY_STATION_CHARS);
		if (res.title_state == ICY_TITLE_FOUND)
			check_text(res.title, ICY_TITLE_CHARS);
	} else if (res.error[0] == '\0')
		abort();
	pthread_join(t, NULL);
	return 0;
}

/*
 * fuzz_fetch.c: what a server-side fetch parses from untrusted places:
 * stream URLs (from item parameters and /media requests), redirect
 * Locations, and stream servers' response heads.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "net/httpresp.h"
#include "netaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), out[256];
	struct url base, u;
	struct sockaddr_in6 sa6;
	struct sockaddr_in sa4;
	volatile int sink = 0;
	const char *split;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (url_parse(s, &u) == NULL) {
		if (strlen(u.host) >= sizeof u.host || u.port < 1 || u.port > 65535 || u.path[0] != '/')
			abort();
		sink += u.tls;
	}
	/* A redirect: the first line is the base, the rest the Location. */
	if ((split = strchr(s, '\n')) != NULL) {
		char *b = strndup(s, (size_t)(split - s));

		if (b != NULL && url_parse(b, &base) == NULL && url_resolve(&base, split + 1, &u) == NULL)
			sink += u.port;
		free(b);
	}
	sink += httpresp_status(s);
	if (httpresp_header(s, "Location", out, sizeof out) != NULL)
		sink += (int)strlen(out);
	if (httpresp_header(s, "icy-metaint", out, 0) != NULL)
		sink++;
	if (size >= 16) {
		memset(&sa6, 0, sizeof sa6);
		sa6.sin6_family = AF_INET6;
		memcpy(&sa6.sin6_addr, data, 16);
		sink += netaddr_public((struct sockaddr *)&sa6);
		memset(&sa4, 0, sizeof sa4);
		sa4.sin_family = AF_INET;
		memcpy(&sa4.sin_addr, data, 4);
		sink += netaddr_public((struct sockaddr *)&sa4);
	}
	(void)sink;
	free(s);
	return 0;
}

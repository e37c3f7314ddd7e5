/* netaddr.c: address classes (RFC 6890 special-purpose registries) and URLs. */
#include "config.h"

#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "netaddr.h"

static int
v4_public(uint32_t a)
{
	static const struct {
		uint32_t net, mask;
	} special[] = {
		{ 0x00000000, 0xff000000 },	/* 0/8 this network */
		{ 0x0a000000, 0xff000000 },	/* 10/8 */
		{ 0x64400000, 0xffc00000 },	/* 100.64/10 shared (CGNAT) */
		{ 0x7f000000, 0xff000000 },	/* 127/8 loopback */
		{ 0xa9fe0000, 0xffff0000 },	/* 169.254/16 link-local */
		{ 0xac100000, 0xfff00000 },	/* 172.16/12 */
		{ 0xc0000000, 0xffffff00 },	/* 192.0.0/24 protocol assignments */
		{ 0xc0000200, 0xffffff00 },	/* 192.0.2/24 documentation */
		{ 0xc0a80000, 0xffff0000 },	/* 192.168/16 */
		{ 0xc6120000, 0xfffe0000 },	/* 198.18/15 benchmarking */
		{ 0xc6336400, 0xffffff00 },	/* 198.51.100/24 documentation */
		{ 0xcb007100, 0xffffff00 },	/* 203.0.113/24 documentation */
		{ 0xe0000000, 0xf0000000 },	/* 224/4 multicast */
		{ 0xf0000000, 0xf0000000 },	/* 240/4 reserved, broadcast */
	};
	size_t i;

	for (i = 0; i < sizeof special / sizeof special[0]; i++)
		if ((a & special[i].mask) == special[i].net)
			return 0;
	return 1;
}

int
netaddr_public(const struct sockaddr *sa)
{
	const uint8_t *b;
	uint32_t v4;
	int i;

	if (sa->sa_family == AF_INET) {
		v4 = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
		return v4_public(v4);
	}
	if (sa->sa_family != AF_INET6)
		return 0;
	b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	/* IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible forms carry an IPv4 address. */
	for (i = 0; i < 10 && b[i] == 0; i++)
		;
	if (i == 10 && ((b[10] == 0xff && b[11] == 0xff) || (b[10] == 0 && b[11] == 0))) {
		v4 = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15];
		return v4_public(v4);
	}
	if (b[0] == 0xff)					/* multicast */
		return 0;
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)		/* fe80::/10 link-local */
		return 0;
	if ((b[0] & 0xfe) == 0xfc)				/* fc00::/7 unique local */
		return 0;
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)	/* documentation */
		return 0;
	if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)	/* NAT64: IPv4 inside */
		return v4_public((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15]);
	if (b[0] == 0x20 && b[1] == 0x02)			/* 6to4: IPv4 inside */
		return v4_public((uint32_t)b[2] << 24 | (uint32_t)b[3] << 16 | (uint32_t)b[4] << 8 | b[5]);
	return (b[0] & 0xe0) == 0x20;				/* 2000::/3 global unicast */
}

const char *
url_parse(const char *s, struct url *u)
{
	const char *h, *he, *p;
	size_t n;
	long port;
	char *end;

	memset(u, 0, sizeof *u);
	if (strncasecmp(s, "http://", 7) == 0) {
		h = s + 7;
		u->port = 80;
	} else if (strncasecmp(s, "https://", 8) == 0) {
		h = s + 8;
		u->tls = 1;
		u->port = 443;
	} else
		return "only http and https URLs are allowed";
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return "the URL holds spaces or control characters";
	p = h + strcspn(h, "/?#");
	if (memchr(h, '@', (size_t)(p - h)) != NULL)
		return "credentials in URLs are not allowed";
	if (*h == '[') {
		he = memchr(h, ']', (size_t)(p - h));
		if (he == NULL)
			return "bad IPv6 address";
		n = (size_t)(he - h - 1);
		if (n == 0 || n >= sizeof u->host)
			return "bad host";
		memcpy(u->host, h + 1, n);
		he++;
	} else {
		he = memchr(h, ':', (size_t)(p - h));
		if (he == NULL)
			he = p;
		n = (size_t)(he - h);
		if (n == 0 || n >= sizeof u->host)
			return "the URL has no host";
		memcpy(u->host, h, n);
	}
	u->host[n] = '\0';
	if (he < p) {
		if (*he != ':')
			return "bad host";
		port = strtol(he + 1, &end, 10);
		if (end != p || port < 1 || port > 65535)
			return "bad port";
		u->port = (int)port;
	}
	n = strcspn(p, "#");
	if (n + 2 > sizeof u->path)
		return "the URL is too long";
	snprintf(u->path, sizeof u->path, "%s%.*s", *p == '/' ? "" : "/", (int)n, p);
	return NULL;
}

const char *
url_resolve(const struct url *base, const char *loc, struct url *out)
{
	char buf[2400];
	const char *slash;

	const char *c = loc;

	/* Any "scheme:" makes it absolute (RFC 3986 4.3); url_parse takes only http(s). */
	if (isalpha((unsigned char)*c)) {
		while (isalnum((unsigned char)*c) || *c == '+' || *c == '-' || *c == '.')
			c++;
		if (*c == ':')
			return url_parse(loc, out);
	}
	if (loc[0] == '/' && loc[1] == '/')
		snprintf(buf, sizeof buf, "%s:%s", base->tls ? "https" : "http", loc);
	else if (loc[0] == '/')
		snprintf(buf, sizeof buf, "%s://[%s]:%d%s", base->tls ? "https" : "http",
		    base->host, base->port, loc);
	else {
		slash = strrchr(base->path, '/');
		snprintf(buf, sizeof buf, "%s://[%s]:%d%.*s/%s", base->tls ? "https" : "http",
		    base->host, base->port, slash != NULL ? (int)(slash - base->path) : 0,
		    base->path, loc);
	}
	return url_parse(buf, out);
}

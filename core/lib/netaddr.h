/*
 * netaddr.h: which addresses a server-side fetch may reach, and URL
 * parsing for such fetches. Shared by the media proxy and stream fetchers:
 * a name is resolved first and every resulting address is checked, so a
 * public-looking name cannot point inside.
 */
#ifndef CG_NETADDR_H
#define CG_NETADDR_H

#include <stddef.h>

struct sockaddr;

/* 1 for a public unicast address; 0 for loopback, private, link-local, ... */
int netaddr_public(const struct sockaddr *);

struct url {
	int tls;		/* https */
	char host[256];		/* without brackets */
	int port;
	char path[2048];	/* path and query, at least "/" */
};

/* Parse an absolute http or https URL; NULL on success, else what is wrong. */
const char *url_parse(const char *s, struct url *);
/* Resolve a Location (absolute, or relative to base) into out. */
const char *url_resolve(const struct url *base, const char *location, struct url *out);

#endif

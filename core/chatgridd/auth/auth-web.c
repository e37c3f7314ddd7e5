/*
 * auth-web.c: the HTTP side of auth: cookies, the client's address (behind
 * trusted proxies) and whether the request came over TLS, the session
 * cookie on the WebSocket open, and the gate before authentication.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "auth-int.h"
#include "auth.h"
#include "cfg.h"
#include "log.h"
#include "net/client.h"
#include "net/http.h"
#include "perm.h"
#include "proto/proto.h"
#include "session.h"
#include "xmalloc.h"

/* --- the WebSocket open hook and the gate --- */

const char *
auth_cookie(const struct http_req *r, const char *name, char *out, size_t len)
{
	const char *s, *e, *eq, *v, *ve;
	size_t nl = strlen(name);
	int i;

	for (i = 0; i < r->nh; i++) {
		if (strcasecmp(r->h[i].name, "Cookie") != 0)
			continue;
		for (s = r->h[i].value; *s != '\0'; s = *e != '\0' ? e + 1 : e) {
			e = strchr(s, ';');
			if (e == NULL)
				e = s + strlen(s);
			while (s < e && isspace((unsigned char)*s))
				s++;
			eq = memchr(s, '=', (size_t)(e - s));
			if (eq == NULL)
				continue;
			ve = eq;
			while (ve > s && isspace((unsigned char)ve[-1]))
				ve--;
			if ((size_t)(ve - s) != nl || strncmp(s, name, nl) != 0)
				continue;
			v = eq + 1;
			while (v < e && isspace((unsigned char)*v))
				v++;
			ve = e;
			while (ve > v && isspace((unsigned char)ve[-1]))
				ve--;
			snprintf(out, len, "%.*s", (int)(ve - v), v);
			return out;
		}
	}
	return NULL;
}

static int
ip_trusted(const char *ip)
{
	int i;

	for (i = 0; i < cfg->ntrusted_proxies; i++)
		if (strcmp(cfg->trusted_proxies[i], ip) == 0)
			return 1;
	return 0;
}

static int
ip_valid(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

void
auth_client_ip(const struct client *c, const struct http_req *r, char *out, size_t len)
{
	const char *xff = http_header(r, "X-Forwarded-For");
	char buf[1024], *p, *tok;

	snprintf(out, len, "%s", c->addr);
	if (xff == NULL || !ip_trusted(c->addr))
		return;
	/* Walk from the right: the first address that is not one of our proxies. */
	snprintf(buf, sizeof buf, "%s", xff);
	while ((p = strrchr(buf, ',')) != NULL || buf[0] != '\0') {
		tok = p != NULL ? p + 1 : buf;
		while (isspace((unsigned char)*tok))
			tok++;
		tok[strcspn(tok, " \t")] = '\0';
		if (*tok != '\0' && !ip_trusted(tok) && ip_valid(tok)) {
			snprintf(out, len, "%s", tok);
			return;
		}
		if (p == NULL)
			break;
		*p = '\0';
	}
}

int
auth_request_secure(const struct client *c, const struct http_req *r)
{
	const char *p = http_header(r, "X-Forwarded-Proto");
	char first[16];

	if (c->tls)
		return 1;
	if (p == NULL || !ip_trusted(c->addr))
		return 0;
	while (isspace((unsigned char)*p))
		p++;
	snprintf(first, sizeof first, "%.*s", (int)strcspn(p, ", \t"), p);
	return strcasecmp(first, "https") == 0;
}

/* A connection's memory goes: its session with it. */
void
auth_session_free(struct client *c)
{
	free(c->session);
	c->session = NULL;
}

void
auth_open(struct client *c, const struct http_req *r)
{
	char token[600];

	c->session = xcalloc(1, sizeof *c->session);
	auth_client_ip(c, r, c->ip, sizeof c->ip);
	if (auth_cookie(r, AUTH_COOKIE, token, sizeof token) != NULL && token[0] != '\0') {
		auth_resume_start(c, AK_COOKIE, token);
		OPENSSL_cleanse(token, sizeof token);
		return;
	}
	auth_send_auth_required(c);
}

int
auth_gate(struct client *c, const struct proto_msg *def, struct json_object *msg)
{
	if (!(def->flags & PM_PREAUTH) && !c->session->authed) {
		client_send_json(c, auth_result(0, "Authenticate before sending gameplay actions."));
		return 1;
	}
	if (def->perm != PERM_NONE && !(c->session->perms & def->perm)) {
		log_info("%s: %s denied to %s", c->id, def->type, c->session->username);
		if (def->deny != NULL)
			def->deny(c, msg);
		else
			client_send_error(c, "forbidden", "Not authorized.");
		return 1;
	}
	return 0;
}

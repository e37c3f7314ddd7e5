/*
 * http-session.c: GET /auth/session/{set,clear,check}. A browser page
 * cannot set an HttpOnly cookie itself, so after auth_result it asks us to:
 * /set validates (and extends) the session named by its bearer token and
 * sets the cookie; /clear expires it; /check tells a page or a media
 * proxy whether the cookie's session is valid and, when it is, sets the
 * cookie again with a fresh Max-Age (the session's expiry moved too).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "auth.h"
#include "cfg.h"
#include "db/db.h"
#include "http-session.h"
#include "log.h"
#include "net/client.h"
#include "net/http.h"

enum sess_op { SO_SET, SO_CHECK };

struct sess_req {
	struct client *c;
	struct http_req req;	/* a copy of what we answer: method, keep-alive */
	enum sess_op op;
	char token[600];
	int secure;
};

static void
text_reply(struct client *c, const struct http_req *r, int status, const char *extra, const char *body)
{
	char hdr[1024];

	snprintf(hdr, sizeof hdr, "Cache-Control: no-store\r\n%s", extra != NULL ? extra : "");
	http_respond(c, r, status, "text/plain; charset=utf-8", hdr, body, strlen(body));
}

static void
cookie_header(char *out, size_t len, const char *value, int max_age, int secure)
{
	snprintf(out, len, "Set-Cookie: %s=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%d%s\r\n",
	    AUTH_COOKIE, value, max_age, secure ? "; Secure" : "");
}

/* The common checks; answers and returns -1 when the request may not go on. */
static int
sess_precheck(struct client *c, struct http_req *r)
{
	const char *h = http_header(r, "X-Chgrid-Auth-Client");

	while (h != NULL && isspace((unsigned char)*h))
		h++;
	if (h == NULL || strncmp(h, "1", 1) != 0 || h[1 + strspn(h + 1, " \t")] != '\0') {
		text_reply(c, r, 400, NULL, "missing client header");
		return -1;
	}
	if (!http_origin_allowed(r)) {
		log_notice("%s: %s from origin %s refused", c->addr, r->path, http_header(r, "Origin"));
		text_reply(c, r, 403, NULL, "origin not allowed");
		return -1;
	}
	return 0;
}

static void
sess_done(const PGresult *res, const char *error, void *arg)
{
	struct sess_req *s = arg;
	struct client *c = s->c;
	char cookie[900], hdr[1000];
	int valid = 0;

	if (c->state == CS_HTTP) {
		if (error != NULL) {
			log_warn("%s: session check failed: %s", c->addr, error);
			text_reply(c, &s->req, 503, "Retry-After: 5\r\n",
			    db_error_unavailable() ? DB_USER_MESSAGE : "server error");
		} else {
			valid = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 1), "f") == 0 &&
			    strcmp(PQgetvalue(res, 0, 2), "f") == 0 &&
			    strcmp(PQgetvalue(res, 0, 4), "active") == 0;
			if (s->op == SO_SET && valid) {
				cookie_header(cookie, sizeof cookie, s->token, cfg->session_lifetime_s, s->secure);
				text_reply(c, &s->req, 200, cookie, "ok");
			} else if (s->op == SO_CHECK && valid) {
				/*
				 * The session was just extended; so is the cookie, since a
				 * cookie resume no longer hands the page a token to /set.
				 */
				cookie_header(cookie, sizeof cookie, s->token, cfg->session_lifetime_s, s->secure);
				snprintf(hdr, sizeof hdr, "Cache-Control: no-store\r\n%s", cookie);
				http_respond(c, &s->req, 204, NULL, hdr, NULL, 0);
			}
			else
				text_reply(c, &s->req, 401, NULL, "invalid session");
		}
	}
	OPENSSL_cleanse(s->token, sizeof s->token);
	free((char *)s->req.method);
	free(s);
	client_resume(c);
	client_unref(c);
}

static void
sess_lookup(struct client *c, struct http_req *r, enum sess_op op, const char *token)
{
	struct sess_req *s = calloc(1, sizeof *s);
	char hash[65], life[16];
	const char *v[2];

	if (s == NULL) {
		text_reply(c, r, 500, NULL, "server error");
		return;
	}
	s->c = c;
	s->op = op;
	s->secure = auth_request_secure(c, r);
	/* Keep only what the answer needs: the method (HEAD) and keep-alive. */
	s->req.method = strdup(r->method);
	s->req.target = "";
	s->req.keep_alive = r->keep_alive;
	if (s->req.method == NULL) {
		free(s);
		text_reply(c, r, 500, NULL, "server error");
		return;
	}
	snprintf(s->token, sizeof s->token, "%s", token);
	auth_token_hash(s->token, hash);
	snprintf(life, sizeof life, "%d", cfg->session_lifetime_s);
	v[0] = hash;
	v[1] = life;
	client_ref(c);
	client_pause(c);
	/* The same statement as auth_resume: it also extends the session. */
	db_query("auth_resume", 2, v, sess_done, s);
}

static void
sess_set(struct client *c, struct http_req *r)
{
	const char *a = http_header(r, "Authorization");
	char token[600];
	const char *t;
	size_t n;

	if (sess_precheck(c, r) != 0)
		return;
	if (a == NULL || strncasecmp(a, "Bearer", 6) != 0 || (a[6] != ' ' && a[6] != '\t')) {
		text_reply(c, r, 400, NULL, "missing bearer token");
		return;
	}
	for (t = a + 6; isspace((unsigned char)*t); t++)
		;
	n = strlen(t);
	while (n > 0 && isspace((unsigned char)t[n - 1]))
		n--;
	if (n == 0 || n >= sizeof token) {
		text_reply(c, r, 400, NULL, "missing bearer token");
		return;
	}
	/* A cookie value must not carry separators. */
	snprintf(token, sizeof token, "%.*s", (int)n, t);
	if (strpbrk(token, ";, \t\"\\") != NULL) {
		text_reply(c, r, 401, NULL, "invalid session");
		return;
	}
	sess_lookup(c, r, SO_SET, token);
	OPENSSL_cleanse(token, sizeof token);
}

static void
sess_clear(struct client *c, struct http_req *r)
{
	char cookie[256];

	if (sess_precheck(c, r) != 0)
		return;
	cookie_header(cookie, sizeof cookie, "", 0, auth_request_secure(c, r));
	text_reply(c, r, 200, cookie, "cleared");
}

static void
sess_check(struct client *c, struct http_req *r)
{
	char token[600];

	if (sess_precheck(c, r) != 0)
		return;
	if (auth_cookie(r, AUTH_COOKIE, token, sizeof token) == NULL || token[0] == '\0') {
		text_reply(c, r, 401, NULL, "missing session");
		return;
	}
	sess_lookup(c, r, SO_CHECK, token);
	OPENSSL_cleanse(token, sizeof token);
}

void
http_session_init(void)
{
	http_route_at("/auth/session/set", HTTP_AT_ROOT | HTTP_AT_BASES, sess_set);
	http_route_at("/auth/session/clear", HTTP_AT_ROOT | HTTP_AT_BASES, sess_clear);
	http_route_at("/auth/session/check", HTTP_AT_ROOT | HTTP_AT_BASES, sess_check);
}

/* upgrade.c: RFC 6455 section 4.2 on the server side. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "client.h"
#include "http.h"
#include "log.h"
#include "upgrade.h"

/* Told of each WebSocket that opened (the protocol, set at start). */
static upgrade_open_fn open_fn;

void
upgrade_on_open(upgrade_open_fn fn)
{
	open_fn = fn;
}

void
upgrade_websocket(struct client *c, struct http_req *r)
{
	const char *key = http_header(r, "Sec-WebSocket-Key");
	const char *ver = http_header(r, "Sec-WebSocket-Version");
	const char *host = http_header(r, "Host");
	char accept[29];

	if (strcmp(r->method, "GET") != 0) {
		http_error(c, r, 405, "method not allowed");
		return;
	}
	if (!http_header_has_token(r, "Upgrade", "websocket") ||
	    !http_header_has_token(r, "Connection", "upgrade")) {
		r->keep_alive = 0;
		http_respond(c, r, 426, "text/plain; charset=utf-8",
		    "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n",
		    "this is a WebSocket endpoint\n", 29);
		return;
	}
	if (ver == NULL || strcmp(ver, "13") != 0) {
		r->keep_alive = 0;
		http_respond(c, r, 426, "text/plain; charset=utf-8",
		    "Sec-WebSocket-Version: 13\r\n", "unsupported WebSocket version\n", 30);
		return;
	}
	if (key == NULL || !ws_key_valid(key)) {
		http_error(c, r, 400, "bad or missing Sec-WebSocket-Key");
		return;
	}
	if (!http_origin_allowed(r)) {
		log_notice("%s: WebSocket from origin %s refused", c->addr, http_header(r, "Origin"));
		http_error(c, r, 403, "origin not allowed");
		return;
	}
	ws_accept_key(key, accept);
	evbuffer_add_printf(client_output(c),
	    "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
	snprintf(c->host, sizeof c->host, "%s", host != NULL ? host : "");
	client_upgrade(c);
	log_trace(TRACE_WS, "%s: WebSocket open as %s", c->addr, c->id);
	if (open_fn != NULL)
		open_fn(c, r);
}

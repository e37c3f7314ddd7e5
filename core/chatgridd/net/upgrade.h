/* upgrade.h: the WebSocket opening handshake on /ws. */
#ifndef CG_UPGRADE_H
#define CG_UPGRADE_H

struct client;
struct http_req;

/* Answer an upgrade request: 101 and the switch, or an HTTP error. */
void upgrade_websocket(struct client *, struct http_req *);

/* Who is told of each WebSocket that opened, with its request (one; NULL for none). */
typedef void (*upgrade_open_fn)(struct client *, const struct http_req *);
void upgrade_on_open(upgrade_open_fn);

#endif

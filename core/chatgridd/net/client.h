/*
 * client.h: one accepted connection: HTTP until it upgrades, then a
 * WebSocket; its output queue, limits and teardown.
 */
#ifndef CG_CLIENT_H
#define CG_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "bucket.h"
#include "ws.h"

struct bufferevent;
struct json_object;
struct session;

enum client_state {
	CS_HTTP,		/* reading request heads */
	CS_WS,			/* WebSocket open */
	CS_CLOSING,		/* our close frame or last response is draining */
	CS_DEAD,		/* torn down; freed from the loop soon */
};

/*
 * A serialised, framed message. Shared by every recipient of a broadcast:
 * each output buffer holds a reference, and the last one frees it.
 */
struct outmsg {
	int refs;
	size_t len;
	uint8_t data[];
};

struct pending_msg {
	STAILQ_ENTRY(pending_msg) entry;
	size_t len;
	uint8_t data[];
};

struct client {
	uint64_t serial;
	char id[37];			/* connection id (UUID) on the wire */
	enum client_state state;
	struct bufferevent *bev;	/* owned */
	int tls;
	unsigned upgraded:1;		/* became a WebSocket at some point */
	unsigned lingering:1;		/* write side shut, waiting for EOF */
	unsigned http_throttled:1;	/* reading paused: answers to pipelined requests unread */
	char addr[64];			/* peer address, for limits and logs */
	char host[256];			/* Host header of the upgrade request */

	uint64_t deadline_ms;		/* head/idle/closing deadline, 0 = none */
	uint64_t last_rx_ms;
	uint64_t ping_sent_ms;		/* our WebSocket ping awaiting a frame */

	struct ws_parser wp;
	uint8_t *msg;			/* text message being reassembled */
	size_t msg_len, msg_cap;

	struct bucket msgs;		/* inbound messages (msg_rate, msg_burst) */
	int bad_messages;

	char ip[64];			/* client address (after trusted proxies) */

	/* Who is behind a WebSocket (auth/session.h); NULL over plain HTTP. */
	struct session *session;

	/* An asynchronous handler is running: later messages wait in order. */
	int paused;
	int holds;			/* of the pauses, those that keep reading (client_hold) */
	STAILQ_HEAD(, pending_msg) pending;
	int npending;
	size_t pending_bytes;

	void *player;			/* owned by world.c */

	/*
	 * An HTTP response streamed by another module (the media proxy):
	 * stream_drained runs when the output buffer has drained below the
	 * low-water mark, stream_closed once at teardown.
	 */
	void (*stream_drained)(struct client *, void *);
	void (*stream_closed)(struct client *, void *);
	void *stream_arg;
	int refs;
	TAILQ_ENTRY(client) entry;
};

TAILQ_HEAD(client_list, client);
extern struct client_list clients;
extern int client_count;

/* Take an accepted socket; bev is owned by the new client. */
struct client *client_new(struct bufferevent *bev, const char *addr, int tls);
/* Switch to WebSocket after a 101 was queued. */
void client_upgrade(struct client *);
/*
 * Where each complete text message of a WebSocket goes, in order and never
 * while the client is paused (the protocol sets it at start; until then
 * messages are dropped).
 */
typedef void (*client_message_fn)(struct client *, const uint8_t *buf, size_t len);
void client_on_message(client_message_fn);
/* Queue bytes (HTTP); copies them. */
void client_write(struct client *, const void *, size_t);
struct evbuffer *client_output(struct client *);

struct outmsg *outmsg_new_text(const char *text, size_t len);
/* Serialise a JSON object to one text frame. */
struct outmsg *outmsg_new_json(struct json_object *);
void outmsg_unref(struct outmsg *);
/* Queue a shared message on a WebSocket client; no-op unless open. */
void client_send(struct client *, struct outmsg *);
/* Serialise and queue a JSON object (drops the caller's reference). */
void client_send_json(struct client *, struct json_object *);
/* {"type":"error","code":code,"message":text} to the client. */
void client_send_error(struct client *, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Count a bad message; closes with 1008 past max_bad_messages. */
void client_bad_message(struct client *);

/* Hold c across an asynchronous operation; check c->state != CS_DEAD after. */
void client_ref(struct client *);
void client_unref(struct client *);
/*
 * Hold back c's later messages (and HTTP requests) while an asynchronous
 * handler runs, so each connection's messages are handled in order; resume
 * handles what waited. Pauses nest.
 */
void client_pause(struct client *);
void client_resume(struct client *);
/*
 * A pause that keeps reading a WebSocket (for long waits such as a queued
 * password hash): pings are answered and pongs seen, so the wait does not
 * look like a dead peer, while messages wait in order as under
 * client_pause, at most 64 of them and max_message_bytes in all (one over
 * either is refused with a rate_limited error). Ended by client_unhold.
 */
void client_hold(struct client *);
void client_unhold(struct client *);

/* Start a WebSocket close handshake (or close after the HTTP reply drains). */
void client_close(struct client *, int code, const char *reason);
/* Tear the connection down now: the single teardown path. */
void client_teardown(struct client *, const char *why);

/* Hooks run once per WebSocket client at teardown (presence, persistence). */
typedef void (*client_hook)(struct client *);
void client_on_teardown(client_hook);
/* Run when a connection's memory is freed, after its last reference (a session's owner frees it). */
void client_on_free(client_hook);

/* The periodic liveness job: deadlines, pings, half-open sockets. */
void client_init(void);
/* Send close 1001 to everyone and close HTTP connections (shutdown). */
void client_close_all(int code, const char *reason);

#endif

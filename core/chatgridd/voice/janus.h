/*
 * janus.h: a client of one Janus instance's HTTP API, on the event loop.
 * It keeps one Janus session (created when the instance answers, kept alive
 * by a long poll and keepalives), attaches VideoRoom handles, sends plugin
 * messages and trickled candidates, and delivers what comes back: the
 * answer to a request (synchronous ones in the HTTP reply, asynchronous
 * ones as the event carrying the request's transaction) and every other
 * event of a handle. Nothing here blocks; nothing decides who hears whom.
 */
#ifndef CG_JANUS_H
#define CG_JANUS_H

#include <stdint.h>

struct janus;
struct json_object;

/*
 * The answer to one request: reply is the plugin's data object (the
 * "plugindata.data" of Janus's answer or event; for attach, {"id": handle}),
 * jsep the SDP that came with it (or NULL); on failure both are NULL and
 * error says why (the instance went down, Janus refused, a timeout). Runs
 * exactly once, always later, never after janus_free. The objects belong to
 * janus.c and are valid during the call only.
 */
typedef void (*janus_cb)(struct janus *, struct json_object *reply, struct json_object *jsep,
    const char *error, uint64_t cookie);

struct janus_ops {
	/* The instance came up (a new session) or went down (every handle lost). */
	void (*state)(struct janus *, int up);
	/*
	 * An event of a handle that answers no request of ours: kind is
	 * Janus's "janus" field ("event", "webrtcup", "hangup", "detached",
	 * "media", "slowlink"), data the plugin's data for "event" (else
	 * NULL), jsep any SDP with it.
	 */
	void (*event)(struct janus *, uint64_t handle, const char *kind, struct json_object *data,
	    struct json_object *jsep);
};

/* An instance at url (http://host:port/path); starts connecting at once. Returns NULL for a bad URL. */
struct janus *janus_new(const char *url, int index, const struct janus_ops *);
void janus_free(struct janus *);
int janus_index(const struct janus *);
const char *janus_url(const struct janus *);
/* Is there a session (the instance answered and has not failed since)? */
int janus_up(const struct janus *);
/* A count that grows each time the instance comes up: handles from an older one are stale. */
uint64_t janus_epoch(const struct janus *);

/* Attach a VideoRoom handle; the reply is {"id": handle}. */
void janus_attach(struct janus *, janus_cb, uint64_t cookie);
/*
 * A VideoRoom request on a handle (handle 0: on a handle of janus.c's own,
 * for room management). body is consumed; jsep (may be NULL) is consumed.
 */
void janus_message(struct janus *, uint64_t handle, struct json_object *body, struct json_object *jsep,
    janus_cb, uint64_t cookie);
/* A candidate from the browser ({candidate, sdpMid, sdpMLineIndex}, or NULL for the end); consumed. */
void janus_trickle(struct janus *, uint64_t handle, struct json_object *candidate);
/* Hang up and detach a handle; nothing more is delivered for it. */
void janus_detach(struct janus *, uint64_t handle);
/* Treat the instance as failed now (after a request the caller judged broken). */
void janus_fail(struct janus *, const char *why);

#endif

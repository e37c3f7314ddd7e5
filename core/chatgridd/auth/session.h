/*
 * session.h: who is behind a WebSocket: the account, its role and
 * permissions, the state restored at login and the timed mutes. Owned by
 * the auth part: made when the WebSocket opens, filled when it
 * authenticates, freed with the connection. Every WebSocket has one
 * (c->session); a plain HTTP connection has none.
 */
#ifndef CG_SESSION_H
#define CG_SESSION_H

#include <stdint.h>

struct session {
	int authed;
	int64_t account_id;
	char username[129];
	char role[33];
	uint64_t perms;			/* PERM() bits */
	char token_hash[65];		/* the session token in use, for logout */
	char saved_nickname[129];	/* restored at login */
	int saved_x, saved_y, has_saved_pos;
	int account_deleted;		/* nothing of it may be saved any more */
	uint64_t mute_chat_until_ms;	/* wall clock; 0 = not muted */
	uint64_t mute_voice_until_ms;

	void *auth_req;			/* the authentication in flight; not owned */
};

#endif

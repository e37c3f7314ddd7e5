/* uuid.h: random (version 4) UUIDs, for connection, item and instance ids. */
#ifndef CG_UUID_H
#define CG_UUID_H

#define UUID_STR_LEN 37		/* 36 characters and the NUL */

/* A new random UUID in out, lowercase; exits when no randomness is available. */
void uuid_make(char out[UUID_STR_LEN]);

#endif

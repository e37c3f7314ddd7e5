/* media.h: GET /media?url=<stream>, a relay of audio streams for logged-in browsers. */
#ifndef CG_MEDIA_H
#define CG_MEDIA_H

struct event_base;

void media_init(struct event_base *);
/* Streams being relayed now (for /healthz and tests). */
int media_streams(void);

#endif

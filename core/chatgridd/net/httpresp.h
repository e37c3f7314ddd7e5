/*
 * httpresp.h: reading the head of an HTTP response from a stream server
 * (HTTP/1.x or SHOUTcast's "ICY 200 OK"). Pure functions on a
 * NUL-terminated head; unit tested and fuzzed.
 */
#ifndef CG_HTTPRESP_H
#define CG_HTTPRESP_H

#include <stddef.h>

/* The status code, or -1 when the status line is not HTTP/1.x or ICY. */
int httpresp_status(const char *head);
/* The first value of a header (name case-insensitive), trimmed, into out; NULL if absent. */
const char *httpresp_header(const char *head, const char *name, char *out, size_t len);

#endif

/* http-session.h: the session cookie endpoints. */
#ifndef CG_HTTP_SESSION_H
#define CG_HTTP_SESSION_H

void http_session_init(void);

#endif

/* net.h: listeners on every configured address, plain or TLS. */
#ifndef CG_NET_H
#define CG_NET_H

struct event_base;
struct config;

/* Bind every listen address; returns -1 (logged) if one cannot be bound. */
int net_start(struct event_base *, const struct config *);
/* Stop accepting (shutdown). */
void net_stop(void);
/* Load the certificate and key into a new TLS context; -1 (logged) on failure. */
int net_tls_load(const struct config *);

#endif

/* health.h: GET /healthz. */
#ifndef CG_HEALTH_H
#define CG_HEALTH_H

void health_init(void);
/* The metrics_listen listener, if configured; -1 (logged) if it cannot bind. */
struct event_base;
int health_metrics_listen(struct event_base *);
/* The database layer reports its state ("up", "connecting", "down") here. */
void health_set_db_state(const char *(*fn)(void));

#endif

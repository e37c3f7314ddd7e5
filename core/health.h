/* health.h: GET /healthz. */
#ifndef CG_HEALTH_H
#define CG_HEALTH_H

void health_init(void);
/* The database layer reports its state ("up", "connecting", "down") here. */
void health_set_db_state(const char *(*fn)(void));

#endif

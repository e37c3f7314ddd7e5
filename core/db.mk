# core/db.mk: the database pool, the worker threads and the migrations, for
# core/local.mk to use (CORE_SOURCES += $(DB_SOURCES), and so on) if it
# includes this file; sql/local.mk generates sql/migrations.c.
DB_SOURCES = \
	core/db.c core/db.h \
	core/migrate.c core/migrate.h \
	core/worker.c core/worker.h
# The migrations, compiled in (see sql/local.mk).
DB_NODIST_SOURCES = sql/migrations.c
DB_CFLAGS = $(LIBPQ_CFLAGS) $(LIBEVENT_CFLAGS)
DB_LIBS = $(LIBPQ_LIBS) $(LIBEVENT_LIBS) $(PTHREAD_LIBS)

# tests/db.mk: migrations, the libpq pool (outages included) and the worker
# pool, against a private PostgreSQL cluster made for the run by
# tests/lib/pgtest.c: never a mock. About 15 s. Included from tests/local.mk.
if HAVE_CHECK
check_PROGRAMS += tests/integration/test_db
TESTS += tests/integration/test_db

# cfg.c is not linked: the test defines the `cfg` that db-conn.c and db-exec.c read.
tests_integration_test_db_SOURCES = \
	tests/integration/test_db.c \
	tests/lib/pgtest.c tests/lib/pgtest.h \
	core/chatgridd/db/db.c core/chatgridd/db/db.h core/chatgridd/db/db-conn.c \
	core/chatgridd/db/db-exec.c core/chatgridd/db/db-int.h core/chatgridd/db/db-req.c \
	core/lib/migrate.c core/lib/migrate.h \
	core/chatgridd/worker.c core/chatgridd/worker.h \
	core/lib/log.c core/lib/log.h \
	core/chatgridd/metrics.c core/chatgridd/metrics.h \
	core/chatgridd/tick.c core/chatgridd/tick.h \
	core/lib/clock.c core/lib/clock.h \
	core/lib/xmalloc.c core/lib/xmalloc.h
nodist_tests_integration_test_db_SOURCES = sql/migrations.c
tests_integration_test_db_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_db_CFLAGS = $(TEST_CFLAGS) $(LIBPQ_CFLAGS)
tests_integration_test_db_LDADD = $(CHECK_LIBS) $(LIBPQ_LIBS) $(LIBEVENT_LIBS) $(PTHREAD_LIBS) -lm
endif

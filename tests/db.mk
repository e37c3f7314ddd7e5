# tests/db.mk: migrations, the libpq pool (outages included) and the worker
# pool, against a private PostgreSQL cluster made for the run by
# tests/lib/pgtest.c: never a mock. About 15 s. Included from tests/local.mk.
if HAVE_CHECK
check_PROGRAMS += tests/integration/test_db
TESTS += tests/integration/test_db

# cfg.c is not linked: the test defines the `cfg` that db.c reads.
tests_integration_test_db_SOURCES = \
	tests/integration/test_db.c \
	tests/lib/pgtest.c tests/lib/pgtest.h \
	core/db.c core/db.h \
	core/migrate.c core/migrate.h \
	core/worker.c core/worker.h \
	core/log.c core/log.h \
	core/metrics.c core/metrics.h \
	core/tick.c core/tick.h \
	core/xmalloc.c core/xmalloc.h
nodist_tests_integration_test_db_SOURCES = sql/migrations.c
tests_integration_test_db_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_db_CFLAGS = $(TEST_CFLAGS) $(LIBPQ_CFLAGS)
tests_integration_test_db_LDADD = $(CHECK_LIBS) $(LIBPQ_LIBS) $(LIBEVENT_LIBS) $(PTHREAD_LIBS) -lm
endif

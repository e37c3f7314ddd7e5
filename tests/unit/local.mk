# tests/unit: one Check program per core module, each a TAP test.
if HAVE_CHECK
# The core (all but main.c) once more as a convenience archive: a test pulls
# in only the objects it needs (daemon.c is there; main.c is not).
check_LTLIBRARIES += tests/unit/libcgcore.la
tests_unit_libcgcore_la_SOURCES = $(CORE_SOURCES)
nodist_tests_unit_libcgcore_la_SOURCES = sql/migrations.c
tests_unit_libcgcore_la_CFLAGS = $(CORE_CFLAGS)

UNIT_LDADD = tests/unit/libcgcore.la $(CHECK_LIBS) $(CORE_LIBS)

check_PROGRAMS += tests/unit/test_ws tests/unit/test_http tests/unit/test_cfg tests/unit/test_proto \
	tests/unit/test_regressions tests/unit/test_fetch tests/unit/test_casefold tests/unit/test_interest \
	tests/unit/test_items_jobs
TESTS += tests/unit/test_ws tests/unit/test_http tests/unit/test_cfg tests/unit/test_proto \
	tests/unit/test_regressions tests/unit/test_fetch tests/unit/test_casefold tests/unit/test_interest \
	tests/unit/test_items_jobs

# Interest management on its own: players that are only positions (no daemon).
tests_unit_test_interest_SOURCES = tests/unit/test_interest.c
tests_unit_test_interest_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_interest_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_interest_LDADD = $(UNIT_LDADD)

# The item job runner (items/jobs.c) with the real item store, this test as the plugin.
tests_unit_test_items_jobs_SOURCES = tests/unit/test_items_jobs.c
tests_unit_test_items_jobs_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_items_jobs_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_items_jobs_LDADD = $(UNIT_LDADD)

# Nickname tables: hidden code points, confusable skeletons, name keys.
tests_unit_test_casefold_SOURCES = tests/unit/test_casefold.c
tests_unit_test_casefold_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_casefold_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_casefold_LDADD = $(UNIT_LDADD)

tests_unit_test_fetch_SOURCES = tests/unit/test_fetch.c
tests_unit_test_fetch_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_fetch_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_fetch_LDADD = $(UNIT_LDADD)

tests_unit_test_ws_SOURCES = tests/unit/test_ws.c
tests_unit_test_ws_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_ws_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_ws_LDADD = $(UNIT_LDADD)

tests_unit_test_http_SOURCES = tests/unit/test_http.c
tests_unit_test_http_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_http_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_http_LDADD = $(UNIT_LDADD)

tests_unit_test_cfg_SOURCES = tests/unit/test_cfg.c
tests_unit_test_cfg_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_cfg_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_cfg_LDADD = $(UNIT_LDADD)

tests_unit_test_proto_SOURCES = tests/unit/test_proto.c
tests_unit_test_proto_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_proto_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_proto_LDADD = $(UNIT_LDADD)

# Core bugs found by the unit tests, kept fixed (one test each).
tests_unit_test_regressions_SOURCES = tests/unit/test_regressions.c
tests_unit_test_regressions_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_regressions_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_regressions_LDADD = $(UNIT_LDADD)
endif

# tests/lib: libtclient, the C protocol test client and daemon harness.
#   wsframe  pure RFC 6455 frame codec and UTF-8 checker (no I/O; the load
#            generator will reuse it)
#   tclient  blocking HTTP/1.1 + WebSocket client over TCP or TLS
#   tdaemon  starts chatgridd on a free port for an integration test
#   tassert  Check assertions over the client
# and libitest, the one helper library of the integration tests (with libpq):
#   itest    web root, start/stop a daemon, run a suite, WebSocket probe (it_)
#   pgtest   a private PostgreSQL cluster
#   tauth    accounts, sessions, SQL, HTTP, main with a cluster (ag_)
#   tworld   players, waiting for messages, JSON access, time, roles (tw_)
# A check-only convenience library: built by `make check`, never installed.
# Whatever links only wsframe.o/tclient.o (a load generator) does not pull in Check.
if HAVE_CHECK
check_LTLIBRARIES += tests/lib/libtclient.la
tests_lib_libtclient_la_SOURCES = \
	tests/lib/wsframe.c tests/lib/wsframe.h \
	tests/lib/tclient.c tests/lib/tclient.h \
	tests/lib/tdaemon.c tests/lib/tdaemon.h \
	tests/lib/tassert.c tests/lib/tassert.h
tests_lib_libtclient_la_CPPFLAGS = $(TEST_CPPFLAGS)
tests_lib_libtclient_la_CFLAGS = $(TEST_CFLAGS)
tests_lib_libtclient_la_LIBADD = $(CHECK_LIBS) $(JSONC_LIBS) $(OPENSSL_LIBS)

check_LTLIBRARIES += tests/lib/libitest.la
tests_lib_libitest_la_SOURCES = \
	tests/lib/itest.c tests/lib/itest.h \
	tests/lib/pgtest.c tests/lib/pgtest.h \
	tests/lib/tauth.c tests/lib/tauth.h \
	tests/lib/tworld.c tests/lib/tworld.h
tests_lib_libitest_la_CPPFLAGS = $(TEST_CPPFLAGS)
tests_lib_libitest_la_CFLAGS = $(TEST_CFLAGS) $(LIBPQ_CFLAGS)
tests_lib_libitest_la_LIBADD = $(CHECK_LIBS) $(JSONC_LIBS) $(OPENSSL_LIBS) $(LIBPQ_LIBS)
# What every integration program links: libitest before the client it uses.
IT_LDADD = tests/lib/libitest.la tests/lib/libtclient.la $(CHECK_LIBS) $(JSONC_LIBS) \
	$(OPENSSL_LIBS) $(LIBPQ_LIBS)
IT_CFLAGS = $(TEST_CFLAGS) $(LIBPQ_CFLAGS)

# The client's own codec, against RFC 6455's worked examples.
check_PROGRAMS += tests/lib/test_wsframe
TESTS += tests/lib/test_wsframe
tests_lib_test_wsframe_SOURCES = tests/lib/test_wsframe.c
tests_lib_test_wsframe_CPPFLAGS = $(TEST_CPPFLAGS)
tests_lib_test_wsframe_CFLAGS = $(TEST_CFLAGS)
tests_lib_test_wsframe_LDADD = tests/lib/libtclient.la $(CHECK_LIBS) $(JSONC_LIBS) \
	$(OPENSSL_LIBS)
endif

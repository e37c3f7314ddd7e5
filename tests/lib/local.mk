# tests/lib: libtclient, the C protocol test client and daemon harness.
#   wsframe  pure RFC 6455 frame codec and UTF-8 checker (no I/O; the load
#            generator will reuse it)
#   tclient  blocking HTTP/1.1 + WebSocket client over TCP or TLS
#   tdaemon  starts chatgridd on a free port for an integration test
#   tassert  Check assertions over the client
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

# The client's own codec, against RFC 6455's worked examples.
check_PROGRAMS += tests/lib/test_wsframe
TESTS += tests/lib/test_wsframe
tests_lib_test_wsframe_SOURCES = tests/lib/test_wsframe.c
tests_lib_test_wsframe_CPPFLAGS = $(TEST_CPPFLAGS)
tests_lib_test_wsframe_CFLAGS = $(TEST_CFLAGS)
tests_lib_test_wsframe_LDADD = tests/lib/libtclient.la $(CHECK_LIBS) $(JSONC_LIBS) \
	$(OPENSSL_LIBS)
endif

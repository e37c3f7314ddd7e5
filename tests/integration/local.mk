# tests/integration: the real chatgridd on a free loopback port, driven by
# tests/lib's client. Each test case starts (and stops) its own daemon.
if HAVE_CHECK
IT_SOURCES = tests/integration/itest.c tests/integration/itest.h
IT_LDADD = tests/lib/libtclient.la $(CHECK_LIBS) $(JSONC_LIBS) $(OPENSSL_LIBS)
# Programs whose tests log in (ping needs authentication, issue 3): one private
# PostgreSQL cluster per program (tests/lib/pgtest.c) and the account helpers
# of the test_auth_* programs (test_auth_common.c, as tests/auth.mk links it).
IT_DB_SOURCES = $(IT_SOURCES) \
	tests/integration/test_auth_common.c tests/integration/test_auth_common.h \
	tests/lib/pgtest.c tests/lib/pgtest.h
IT_DB_CFLAGS = $(TEST_CFLAGS) $(LIBPQ_CFLAGS)
IT_DB_LDADD = $(IT_LDADD) $(LIBPQ_LIBS)

check_PROGRAMS += \
	tests/integration/test_foundation_config \
	tests/integration/test_foundation_http \
	tests/integration/test_foundation_ws \
	tests/integration/test_foundation_ops
TESTS += \
	tests/integration/test_foundation_config \
	tests/integration/test_foundation_http \
	tests/integration/test_foundation_ws \
	tests/integration/test_foundation_ops

# Flags and the configuration file (chatgridd -v, -n).
tests_integration_test_foundation_config_SOURCES = \
	tests/integration/test_foundation_config.c $(IT_SOURCES)
tests_integration_test_foundation_config_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_foundation_config_CFLAGS = $(TEST_CFLAGS)
tests_integration_test_foundation_config_LDADD = $(IT_LDADD)

# Static files and HTTP errors.
tests_integration_test_foundation_http_SOURCES = \
	tests/integration/test_foundation_http.c $(IT_SOURCES)
tests_integration_test_foundation_http_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_foundation_http_CFLAGS = $(TEST_CFLAGS)
tests_integration_test_foundation_http_LDADD = $(IT_LDADD)

# WebSocket handshake, foundation messages, RFC 6455 frame rules, the auth
# gate on ping (with a database).
tests_integration_test_foundation_ws_SOURCES = \
	tests/integration/test_foundation_ws.c $(IT_DB_SOURCES)
tests_integration_test_foundation_ws_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_foundation_ws_CFLAGS = $(IT_DB_CFLAGS)
tests_integration_test_foundation_ws_LDADD = $(IT_DB_LDADD)

# Limits and timeouts, TLS, signals, hostile bytes (with a database).
tests_integration_test_foundation_ops_SOURCES = \
	tests/integration/test_foundation_ops.c $(IT_DB_SOURCES)
tests_integration_test_foundation_ops_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_foundation_ops_CFLAGS = $(IT_DB_CFLAGS)
tests_integration_test_foundation_ops_LDADD = $(IT_DB_LDADD)
endif

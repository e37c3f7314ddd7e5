# tests/integration: the real chatgridd on a free loopback port, driven by
# tests/lib's client. Each test case starts (and stops) its own daemon.
if HAVE_CHECK
# Every program links tests/lib/libitest.la (IT_LDADD, IT_CFLAGS in
# tests/lib/local.mk); those whose tests log in (ping needs authentication,
# issue 3) start one private PostgreSQL cluster per program (ag_main).

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
	tests/integration/test_foundation_config.c
tests_integration_test_foundation_config_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_foundation_config_CFLAGS = $(IT_CFLAGS)
tests_integration_test_foundation_config_LDADD = $(IT_LDADD)

# Static files and HTTP errors.
tests_integration_test_foundation_http_SOURCES = \
	tests/integration/test_foundation_http.c
tests_integration_test_foundation_http_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_foundation_http_CFLAGS = $(IT_CFLAGS)
tests_integration_test_foundation_http_LDADD = $(IT_LDADD)

# WebSocket handshake, foundation messages, RFC 6455 frame rules, the auth
# gate on ping (with a database).
tests_integration_test_foundation_ws_SOURCES = \
	tests/integration/test_foundation_ws.c
tests_integration_test_foundation_ws_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_foundation_ws_CFLAGS = $(IT_CFLAGS)
tests_integration_test_foundation_ws_LDADD = $(IT_LDADD)

# Limits and timeouts, TLS, signals, hostile bytes (with a database).
tests_integration_test_foundation_ops_SOURCES = \
	tests/integration/test_foundation_ops.c
tests_integration_test_foundation_ops_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_foundation_ops_CFLAGS = $(IT_CFLAGS)
tests_integration_test_foundation_ops_LDADD = $(IT_LDADD)
endif

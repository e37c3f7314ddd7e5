# tests/auth.mk: integration tests of accounts and sessions (reference §3):
# the WebSocket auth flows, the session cookie endpoints, rate limits and
# jitter, admission to hashing (floods), database outages and concurrent
# start-up, and a login storm.
# Every program starts one private PostgreSQL cluster (tests/lib/pgtest.c)
# and a fresh chatgridd per test case. Included from tests/local.mk.
if HAVE_CHECK
AUTH_IT_CPPFLAGS = $(TEST_CPPFLAGS)
AUTH_IT_CFLAGS = $(IT_CFLAGS)
AUTH_IT_LDADD = $(IT_LDADD)

check_PROGRAMS += \
	tests/integration/test_auth_flows \
	tests/integration/test_auth_http \
	tests/integration/test_auth_limits \
	tests/integration/test_auth_flood \
	tests/integration/test_auth_db
TESTS += \
	tests/integration/test_auth_flows \
	tests/integration/test_auth_http \
	tests/integration/test_auth_limits \
	tests/integration/test_auth_flood \
	tests/integration/test_auth_db

# auth_required and the gate, register, login, resume, logout, cookie
# resume, persistence, hostile input.
tests_integration_test_auth_flows_SOURCES = \
	tests/integration/test_auth_flows.c
tests_integration_test_auth_flows_CPPFLAGS = $(AUTH_IT_CPPFLAGS)
tests_integration_test_auth_flows_CFLAGS = $(AUTH_IT_CFLAGS)
tests_integration_test_auth_flows_LDADD = $(AUTH_IT_LDADD)

# GET /auth/session/{set,clear,check}: headers, cookies, Secure, origins.
tests_integration_test_auth_http_SOURCES = \
	tests/integration/test_auth_http.c
tests_integration_test_auth_http_CPPFLAGS = $(AUTH_IT_CPPFLAGS)
tests_integration_test_auth_http_CFLAGS = $(AUTH_IT_CFLAGS)
tests_integration_test_auth_http_LDADD = $(AUTH_IT_LDADD)

# Failure rate limits (identity, address, forwarded address), jitter, and
# a login storm with default Argon2id costs while pings keep flowing.
tests_integration_test_auth_limits_SOURCES = \
	tests/integration/test_auth_limits.c
tests_integration_test_auth_limits_CPPFLAGS = $(AUTH_IT_CPPFLAGS)
tests_integration_test_auth_limits_CFLAGS = $(AUTH_IT_CFLAGS)
tests_integration_test_auth_limits_LDADD = $(AUTH_IT_LDADD)

# Admission to password hashing: registrations and hashes per address, a
# registration flood beside a real login, work of clients that have gone,
# busy answers, auth_queued and pings while waiting, the dummy after a reload.
tests_integration_test_auth_flood_SOURCES = \
	tests/integration/test_auth_flood.c
tests_integration_test_auth_flood_CPPFLAGS = $(AUTH_IT_CPPFLAGS)
tests_integration_test_auth_flood_CFLAGS = $(AUTH_IT_CFLAGS)
tests_integration_test_auth_flood_LDADD = $(AUTH_IT_LDADD)

# PostgreSQL outage and recovery; two daemons migrating one empty database.
tests_integration_test_auth_db_SOURCES = \
	tests/integration/test_auth_db.c
tests_integration_test_auth_db_CPPFLAGS = $(AUTH_IT_CPPFLAGS)
tests_integration_test_auth_db_CFLAGS = $(AUTH_IT_CFLAGS)
tests_integration_test_auth_db_LDADD = $(AUTH_IT_LDADD)
endif

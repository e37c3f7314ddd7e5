# tests/media.mk: the media proxy against a stream server run by the test,
# and the web client's endpoints under base paths (web_base_paths).
if HAVE_CHECK
check_PROGRAMS += tests/integration/test_media tests/integration/test_base_paths
TESTS += tests/integration/test_media tests/integration/test_base_paths
tests_integration_test_media_SOURCES = tests/integration/test_media.c
tests_integration_test_media_CPPFLAGS = $(AUTH_IT_CPPFLAGS)
tests_integration_test_media_CFLAGS = $(AUTH_IT_CFLAGS)
tests_integration_test_media_LDADD = $(AUTH_IT_LDADD) -lpthread
tests_integration_test_base_paths_SOURCES = tests/integration/test_base_paths.c
tests_integration_test_base_paths_CPPFLAGS = $(AUTH_IT_CPPFLAGS)
tests_integration_test_base_paths_CFLAGS = $(AUTH_IT_CFLAGS)
tests_integration_test_base_paths_LDADD = $(AUTH_IT_LDADD)
endif

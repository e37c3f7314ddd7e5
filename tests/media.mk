# tests/media.mk: the media proxy against a stream server run by the test.
if HAVE_CHECK
check_PROGRAMS += tests/integration/test_media
TESTS += tests/integration/test_media
tests_integration_test_media_SOURCES = tests/integration/test_media.c $(AUTH_IT_SOURCES)
tests_integration_test_media_CPPFLAGS = $(AUTH_IT_CPPFLAGS)
tests_integration_test_media_CFLAGS = $(AUTH_IT_CFLAGS)
tests_integration_test_media_LDADD = $(AUTH_IT_LDADD) -lpthread
endif

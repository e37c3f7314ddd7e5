# tests/voice.mk: SFU voice (issue 18): the voice_* messages against the real
# daemon, in mesh mode and with a real Janus on loopback (skipped without
# janus). The media are tested by tests/browser/voice-sfu*.test.mjs.
# Included from tests/local.mk.
if HAVE_CHECK
check_PROGRAMS += tests/integration/test_voice
TESTS += tests/integration/test_voice
tests_integration_test_voice_SOURCES = \
	tests/integration/test_voice.c
tests_integration_test_voice_CPPFLAGS = $(WORLD_IT_CPPFLAGS)
tests_integration_test_voice_CFLAGS = $(WORLD_IT_CFLAGS)
tests_integration_test_voice_LDADD = $(WORLD_IT_LDADD)
endif

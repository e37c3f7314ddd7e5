# tests/items-radio.mk: the radio_station item type through the real daemon
# and its plugin (included from tests/local.mk; the shared ITEMS_IT_*
# variables are in tests/items.mk).
if HAVE_CHECK
# Parameters and messages, use and secondary use, and the metadata poller
# against a real Icecast fed by ffmpeg (TAP skips where they are missing)
# and a scripted HTTP server: listeners, private addresses, redirects,
# https with certificate checks, failures keeping the last values; one
# poll per URL for 1,000 radios, a slow URL alone, backoff across URL
# edits, the per-account and per-server poll budgets (issue 19).
check_PROGRAMS += tests/integration/test_items_radio
TESTS += tests/integration/test_items_radio
tests_integration_test_items_radio_SOURCES = tests/integration/test_items_radio.c $(ITEMS_IT_SOURCES)
tests_integration_test_items_radio_CPPFLAGS = $(ITEMS_IT_CPPFLAGS)
tests_integration_test_items_radio_CFLAGS = $(ITEMS_IT_CFLAGS)
tests_integration_test_items_radio_LDADD = $(ITEMS_IT_LDADD) $(PTHREAD_LIBS)
endif

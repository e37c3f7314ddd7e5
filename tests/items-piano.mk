# tests/items-piano.mk: the piano item type (reference §6.4, §6.9): its
# parameters, live notes relayed to listeners, held keys, recordings saved
# as songs in PostgreSQL, timed playback, and cleanup when pianos are
# deleted or players leave. Included from tests/local.mk.
if HAVE_CHECK
check_PROGRAMS += tests/integration/test_items_piano
TESTS += tests/integration/test_items_piano
tests_integration_test_items_piano_SOURCES = tests/integration/test_items_piano.c $(ITEMS_IT_SOURCES)
tests_integration_test_items_piano_CPPFLAGS = $(ITEMS_IT_CPPFLAGS)
tests_integration_test_items_piano_CFLAGS = $(ITEMS_IT_CFLAGS)
tests_integration_test_items_piano_LDADD = $(ITEMS_IT_LDADD)
endif

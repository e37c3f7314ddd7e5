# tests/items-clock.mk: the clock item type through the real daemon and its
# plugin (included from tests/local.mk; the shared ITEMS_IT_* variables are
# in tests/items.mk).
if HAVE_CHECK
# Parameters and messages, spoken times in several zones, the top of the
# hour and the alarm with a test clock, no repeat after a host restart.
check_PROGRAMS += tests/integration/test_items_clock
TESTS += tests/integration/test_items_clock
tests_integration_test_items_clock_SOURCES = tests/integration/test_items_clock.c $(ITEMS_IT_SOURCES)
tests_integration_test_items_clock_CPPFLAGS = $(ITEMS_IT_CPPFLAGS)
tests_integration_test_items_clock_CFLAGS = $(ITEMS_IT_CFLAGS)
tests_integration_test_items_clock_LDADD = $(ITEMS_IT_LDADD)
endif

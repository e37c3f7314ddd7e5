# tests/items.mk: item plugins and items (issue 6; reference §6): the frame
# reader (unit test and fuzz target in tests/fuzz), misbehaving test
# plugins, and integration tests that run the real chatgridd with the real
# plugin hosts and plugins against a private PostgreSQL cluster. Included
# from tests/local.mk.
if HAVE_CHECK
# ---- test plugins (tests/plugins): ones that misbehave on purpose, and one
# that exercises the rest of the ABI ----
TEST_PLUGIN_LDFLAGS = -module -avoid-version -shared -rpath /nowhere -export-symbols-regex '^cg_plugin_'
check_LTLIBRARIES += tests/plugins/crash.la tests/plugins/hang.la tests/plugins/garbage.la \
	tests/plugins/badinit.la tests/plugins/badabi.la tests/plugins/ticker.la

tests_plugins_crash_la_SOURCES = tests/plugins/misbehave.c
tests_plugins_crash_la_CPPFLAGS = $(AM_CPPFLAGS) -DBEHAVIOUR=1
tests_plugins_crash_la_LDFLAGS = $(AM_LDFLAGS) $(TEST_PLUGIN_LDFLAGS)
tests_plugins_hang_la_SOURCES = tests/plugins/misbehave.c
tests_plugins_hang_la_CPPFLAGS = $(AM_CPPFLAGS) -DBEHAVIOUR=2
tests_plugins_hang_la_LDFLAGS = $(AM_LDFLAGS) $(TEST_PLUGIN_LDFLAGS)
tests_plugins_garbage_la_SOURCES = tests/plugins/misbehave.c
tests_plugins_garbage_la_CPPFLAGS = $(AM_CPPFLAGS) -DBEHAVIOUR=3
tests_plugins_garbage_la_LDFLAGS = $(AM_LDFLAGS) $(TEST_PLUGIN_LDFLAGS)
tests_plugins_badinit_la_SOURCES = tests/plugins/misbehave.c
tests_plugins_badinit_la_CPPFLAGS = $(AM_CPPFLAGS) -DBEHAVIOUR=4
tests_plugins_badinit_la_LDFLAGS = $(AM_LDFLAGS) $(TEST_PLUGIN_LDFLAGS)
tests_plugins_badabi_la_SOURCES = tests/plugins/badabi.c
tests_plugins_badabi_la_LDFLAGS = $(AM_LDFLAGS) $(TEST_PLUGIN_LDFLAGS)
# Options, ticks, timers, unsolicited effects and events.
tests_plugins_ticker_la_SOURCES = tests/plugins/ticker.c
tests_plugins_ticker_la_LDFLAGS = $(AM_LDFLAGS) $(TEST_PLUGIN_LDFLAGS)

# ---- the frame reader ----
check_PROGRAMS += tests/unit/test_ipc
TESTS += tests/unit/test_ipc
tests_unit_test_ipc_SOURCES = tests/unit/test_ipc.c
tests_unit_test_ipc_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_ipc_CFLAGS = $(TEST_CFLAGS) $(MSGPACK_CFLAGS)
tests_unit_test_ipc_LDADD = $(UNIT_LDADD)

# ---- integration ----
ITEMS_IT_SOURCES = tests/integration/test_items_common.c tests/integration/test_items_common.h
ITEMS_IT_CPPFLAGS = $(TEST_CPPFLAGS)
ITEMS_IT_CFLAGS = $(IT_CFLAGS)
ITEMS_IT_LDADD = $(IT_LDADD)

ITEMS_TESTS = \
	tests/integration/test_items_dice \
	tests/integration/test_items_wheel \
	tests/integration/test_items_widget \
	tests/integration/test_items_actions \
	tests/integration/test_items_persist \
	tests/integration/test_items_plugins \
	tests/integration/test_items_example \
	tests/integration/test_world_large
check_PROGRAMS += $(ITEMS_TESTS)
TESTS += $(ITEMS_TESTS)

# dice: parameters, validation messages, rolls, sound, cooldown.
tests_integration_test_items_dice_SOURCES = tests/integration/test_items_dice.c $(ITEMS_IT_SOURCES)
tests_integration_test_items_dice_CPPFLAGS = $(ITEMS_IT_CPPFLAGS)
tests_integration_test_items_dice_CFLAGS = $(ITEMS_IT_CFLAGS)
tests_integration_test_items_dice_LDADD = $(ITEMS_IT_LDADD)

# wheel: spaces validation, the spin and its landing 3 s later, the 4 s cooldown.
tests_integration_test_items_wheel_SOURCES = tests/integration/test_items_wheel.c $(ITEMS_IT_SOURCES)
tests_integration_test_items_wheel_CPPFLAGS = $(ITEMS_IT_CPPFLAGS)
tests_integration_test_items_wheel_CFLAGS = $(ITEMS_IT_CFLAGS)
tests_integration_test_items_wheel_LDADD = $(ITEMS_IT_LDADD)

# widget: the thirteen parameters and their messages, toggling, use sounds.
tests_integration_test_items_widget_SOURCES = tests/integration/test_items_widget.c $(ITEMS_IT_SOURCES)
tests_integration_test_items_widget_CPPFLAGS = $(ITEMS_IT_CPPFLAGS)
tests_integration_test_items_widget_CFLAGS = $(ITEMS_IT_CFLAGS)
tests_integration_test_items_widget_LDADD = $(ITEMS_IT_LDADD)

# add, pickup, drop, delete, update, transfer: check order, permissions,
# limits, carried items following and leaving with their carriers,
# uiDefinitions and display values.
tests_integration_test_items_actions_SOURCES = tests/integration/test_items_actions.c $(ITEMS_IT_SOURCES)
tests_integration_test_items_actions_CPPFLAGS = $(ITEMS_IT_CPPFLAGS)
tests_integration_test_items_actions_CFLAGS = $(ITEMS_IT_CFLAGS)
tests_integration_test_items_actions_LDADD = $(ITEMS_IT_LDADD)

# Restarts, kill -9, coalesced writes, items of a type without a plugin.
tests_integration_test_items_persist_SOURCES = tests/integration/test_items_persist.c $(ITEMS_IT_SOURCES)
tests_integration_test_items_persist_CPPFLAGS = $(ITEMS_IT_CPPFLAGS)
tests_integration_test_items_persist_CFLAGS = $(ITEMS_IT_CFLAGS)
tests_integration_test_items_persist_LDADD = $(ITEMS_IT_LDADD)

# Plugins that crash, hang, send garbage, fail init or declare another ABI;
# SIGHUP loading new plugins.
tests_integration_test_items_plugins_SOURCES = tests/integration/test_items_plugins.c $(ITEMS_IT_SOURCES)
tests_integration_test_items_plugins_CPPFLAGS = $(ITEMS_IT_CPPFLAGS)
tests_integration_test_items_plugins_CFLAGS = $(ITEMS_IT_CFLAGS)
tests_integration_test_items_plugins_LDADD = $(ITEMS_IT_LDADD)

# make install into a DESTDIR, build docs/examples/counter with pkg-config
# against it, drop it in, SIGHUP, use the new type.
tests_integration_test_items_example_SOURCES = tests/integration/test_items_example.c $(ITEMS_IT_SOURCES)
tests_integration_test_items_example_CPPFLAGS = $(ITEMS_IT_CPPFLAGS)
tests_integration_test_items_example_CFLAGS = $(ITEMS_IT_CFLAGS)
tests_integration_test_items_example_LDADD = $(ITEMS_IT_LDADD)

# A world of 20,000 items (issue 19): bounded welcomes, items in range
# following in batches, items coming into and going out of view on moves.
tests_integration_test_world_large_SOURCES = tests/integration/test_world_large.c $(ITEMS_IT_SOURCES)
tests_integration_test_world_large_CPPFLAGS = $(ITEMS_IT_CPPFLAGS)
tests_integration_test_world_large_CFLAGS = $(ITEMS_IT_CFLAGS)
tests_integration_test_world_large_LDADD = $(ITEMS_IT_LDADD)
endif

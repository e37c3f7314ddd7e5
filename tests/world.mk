# tests/world.mk: integration tests of the world (issue 5; reference §5 and
# §1.3-§1.7): the welcome, presence, movement and teleport rules, interest
# management, nicknames, chat and its commands, the signalling relay, TURN
# credentials and account state. Every program starts one private
# PostgreSQL cluster and a fresh chatgridd per test case, through tests/lib's
# libitest (tworld.c, tauth.c). Included from tests/local.mk.
if HAVE_CHECK
WORLD_IT_CPPFLAGS = $(TEST_CPPFLAGS)
WORLD_IT_CFLAGS = $(IT_CFLAGS)
WORLD_IT_LDADD = $(IT_LDADD)

check_PROGRAMS += \
	tests/integration/test_world_presence \
	tests/integration/test_world_move \
	tests/integration/test_world_nick \
	tests/integration/test_world_chat \
	tests/integration/test_world_signal
TESTS += \
	tests/integration/test_world_presence \
	tests/integration/test_world_move \
	tests/integration/test_world_nick \
	tests/integration/test_world_chat \
	tests/integration/test_world_signal

# welcome, spawn restore, user_joined / user_left, one presence per account,
# half-open connections, account_state write-behind and SIGTERM flush.
tests_integration_test_world_presence_SOURCES = \
	tests/integration/test_world_presence.c
tests_integration_test_world_presence_CPPFLAGS = $(WORLD_IT_CPPFLAGS)
tests_integration_test_world_presence_CFLAGS = $(WORLD_IT_CFLAGS)
tests_integration_test_world_presence_LDADD = $(WORLD_IT_LDADD)

# update_position (bounds, movement windows, diagonal cost, corrections),
# teleport_complete and its rule, interest_radius on and off.
tests_integration_test_world_move_SOURCES = \
	tests/integration/test_world_move.c
tests_integration_test_world_move_CPPFLAGS = $(WORLD_IT_CPPFLAGS)
tests_integration_test_world_move_CFLAGS = $(WORLD_IT_CFLAGS)
tests_integration_test_world_move_LDADD = $(WORLD_IT_LDADD)

# update_nickname: trimming, case folding, control characters, permission,
# login collisions, persistence.
tests_integration_test_world_nick_SOURCES = \
	tests/integration/test_world_nick.c
tests_integration_test_world_nick_CPPFLAGS = $(WORLD_IT_CPPFLAGS)
tests_integration_test_world_nick_CFLAGS = $(WORLD_IT_CFLAGS)
tests_integration_test_world_nick_LDADD = $(WORLD_IT_LDADD)

# chat_message and the slash commands, /reboot, chat.send, the chat rate limit.
tests_integration_test_world_chat_SOURCES = \
	tests/integration/test_world_chat.c
tests_integration_test_world_chat_CPPFLAGS = $(WORLD_IT_CPPFLAGS)
tests_integration_test_world_chat_CFLAGS = $(WORLD_IT_CFLAGS)
tests_integration_test_world_chat_LDADD = $(WORLD_IT_LDADD)

# The signal relay and its errors; iceServers and TURN REST credentials.
tests_integration_test_world_signal_SOURCES = \
	tests/integration/test_world_signal.c
tests_integration_test_world_signal_CPPFLAGS = $(WORLD_IT_CPPFLAGS)
tests_integration_test_world_signal_CFLAGS = $(WORLD_IT_CFLAGS)
tests_integration_test_world_signal_LDADD = $(WORLD_IT_LDADD)
endif

# core: the daemon.
sbin_PROGRAMS += core/chatgridd

# Everything but main.c, shared with unit tests and fuzzers.
CORE_SOURCES = \
	core/auth.c core/auth.h \
	core/authq.c core/authq.h \
	core/bucket.c core/bucket.h \
	core/casefold.c core/casefold.h core/casefold-table.c core/confusable-table.c \
	core/cfg.c core/cfg.h \
	core/db.c core/db.h \
	core/http-session.c core/http-session.h \
	core/httpresp.c core/httpresp.h \
	core/media.c core/media.h \
	core/migrate.c core/migrate.h \
	core/netaddr.c core/netaddr.h \
	core/password.c core/password.h \
	core/perm.c core/perm.h \
	core/policy.c core/policy.h \
	core/ratelimit.c core/ratelimit.h \
	core/sweep.c core/sweep.h \
	core/seed.c core/seed.h \
	core/strmap.c core/strmap.h \
	core/worker.c core/worker.h \
	core/client.c core/client.h \
	core/health.c core/health.h \
	core/http.c core/http.h \
	core/ipc.c core/ipc.h \
	core/items.c core/items.h core/items-db.c core/items-db.h \
	core/items-near.c core/items-near.h \
	core/plugin.c core/plugin.h core/plugin-types.c core/plugin-types.h \
	include/chatgrid/plugin.h \
	core/log.c core/log.h \
	core/main.h \
	core/metrics.c core/metrics.h \
	core/net.c core/net.h \
	core/proto.c core/proto.h \
	core/proto-admin.c \
	core/proto-chat.c \
	core/proto-item.c \
	core/proto-signal.c \
	core/proto-sys.c \
	core/proto-voice.c \
	core/proto-world.c \
	core/state.c core/state.h \
	core/tick.c core/tick.h \
	core/turn.c core/turn.h \
	core/upgrade.c core/upgrade.h \
	core/utf8.c core/utf8.h \
	core/voice.c core/voice.h core/voice-int.h core/vpc.c \
	core/webver.c core/webver.h \
	core/janus.c core/janus.h \
	core/world.c core/world.h \
	core/ws.c core/ws.h \
	core/xmalloc.c core/xmalloc.h

CORE_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS) $(LIBPQ_CFLAGS) \
	$(JSONC_CFLAGS) $(MSGPACK_CFLAGS) $(ARGON2_CFLAGS)
CORE_LIBS = $(LIBEVENT_LIBS) $(OPENSSL_LIBS) $(LIBPQ_LIBS) $(JSONC_LIBS) \
	$(MSGPACK_LIBS) $(ARGON2_LIBS) -lpthread -lm

core_chatgridd_SOURCES = core/main.c $(CORE_SOURCES)
nodist_core_chatgridd_SOURCES = sql/migrations.c
BUILT_SOURCES = sql/migrations.c
core_chatgridd_CFLAGS = $(CORE_CFLAGS)
core_chatgridd_LDADD = $(CORE_LIBS)

include $(srcdir)/core/ctl.mk

# The plugin host: runs one item plugin in its own process (core/plugin.c
# starts one per .so in plugin_dir).
pkglibexec_PROGRAMS += core/chatgrid-itemhost
core_chatgrid_itemhost_SOURCES = core/itemhost.c core/itemhost-api.c core/itemhost.h \
	core/ipc.c core/ipc.h include/chatgrid/plugin.h
core_chatgrid_itemhost_CFLAGS = $(AM_CFLAGS) $(MSGPACK_CFLAGS)
core_chatgrid_itemhost_LDADD = $(MSGPACK_LIBS)

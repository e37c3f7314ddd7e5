# core/: the server's C code. One folder per program and a library they share:
#   core/lib        libcgutil: logging, memory, clocks, UTF-8 and name folding,
#                   maps, addresses, plugin IPC frames, configuration, roles and
#                   permissions, passwords, migrations and seeding
#   core/chatgridd  the daemon: main.c (the composition root), daemon.c (the
#                   event base, shutdown holds, instance id), tick, worker and
#                   metrics, and one folder per part (net db proto auth world
#                   voice pluginhost items media admin ops)
#   core/itemhost   chatgrid-itemhost, which runs one item plugin
#   core/ctl        chatgridctl, one-shot administration
# scripts/check-layering (run by make check) keeps the parts free of circles.

CGUTIL_SOURCES = \
	core/lib/casefold-table.c core/lib/casefold.c core/lib/casefold.h core/lib/cfg.c \
	core/lib/cfg.h core/lib/clock.c core/lib/clock.h core/lib/confusable-table.c \
	core/lib/ipc.c core/lib/ipc.h core/lib/log.c core/lib/log.h core/lib/migrate.c \
	core/lib/migrate.h core/lib/netaddr.c core/lib/netaddr.h core/lib/password.c \
	core/lib/password.h core/lib/perm.c core/lib/perm.h core/lib/policy.c core/lib/policy.h \
	core/lib/seed.c core/lib/seed.h core/lib/strmap.c core/lib/strmap.h core/lib/utf8.c \
	core/lib/utf8.h core/lib/uuid.c core/lib/uuid.h core/lib/xmalloc.c core/lib/xmalloc.h

CORE_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS) $(LIBPQ_CFLAGS) \
	$(JSONC_CFLAGS) $(MSGPACK_CFLAGS) $(ARGON2_CFLAGS)
CORE_LIBS = $(LIBEVENT_LIBS) $(OPENSSL_LIBS) $(LIBPQ_LIBS) $(JSONC_LIBS) \
	$(MSGPACK_LIBS) $(ARGON2_LIBS) -lpthread -lm

# The shared library, linked into each program (only the objects it uses).
noinst_LTLIBRARIES += core/lib/libcgutil.la
core_lib_libcgutil_la_SOURCES = $(CGUTIL_SOURCES)
core_lib_libcgutil_la_CFLAGS = $(CORE_CFLAGS)

# The daemon: its own files and parts (everything but main.c), shared with
# the unit tests and the fuzzers.
sbin_PROGRAMS += core/chatgridd/chatgridd
CHATGRIDD_SOURCES = \
	core/chatgridd/daemon.c core/chatgridd/daemon.h core/chatgridd/metrics.c core/chatgridd/metrics.h \
	core/chatgridd/tick.c core/chatgridd/tick.h core/chatgridd/worker.c \
	core/chatgridd/worker.h
CHATGRIDD_SOURCES += \
	core/chatgridd/net/bucket.c core/chatgridd/net/bucket.h core/chatgridd/net/client.c \
	core/chatgridd/net/client.h core/chatgridd/net/http.c core/chatgridd/net/http.h \
	core/chatgridd/net/httpresp.c core/chatgridd/net/httpresp.h core/chatgridd/net/net.c \
	core/chatgridd/net/net.h core/chatgridd/net/ratelimit.c core/chatgridd/net/ratelimit.h \
	core/chatgridd/net/upgrade.c core/chatgridd/net/upgrade.h core/chatgridd/net/webver.c \
	core/chatgridd/net/webver.h core/chatgridd/net/ws.c core/chatgridd/net/ws.h
CHATGRIDD_SOURCES += \
	core/chatgridd/db/db.c core/chatgridd/db/db.h core/chatgridd/db/db-conn.c \
	core/chatgridd/db/db-exec.c core/chatgridd/db/db-int.h core/chatgridd/db/db-req.c
CHATGRIDD_SOURCES += \
	core/chatgridd/proto/proto-sys.c core/chatgridd/proto/proto.c core/chatgridd/proto/proto.h
CHATGRIDD_SOURCES += \
	core/chatgridd/auth/auth-flows.c core/chatgridd/auth/auth-int.h \
	core/chatgridd/auth/auth-req.c core/chatgridd/auth/auth-web.c \
	core/chatgridd/auth/auth.c core/chatgridd/auth/auth.h core/chatgridd/auth/authq.c \
	core/chatgridd/auth/authq.h core/chatgridd/auth/http-session.c \
	core/chatgridd/auth/http-session.h core/chatgridd/auth/session.h core/chatgridd/auth/sweep.c core/chatgridd/auth/sweep.h
CHATGRIDD_SOURCES += \
	core/chatgridd/world/interest.c core/chatgridd/world/interest.h core/chatgridd/world/proto-chat.c core/chatgridd/world/proto-world.c \
	core/chatgridd/world/state.c core/chatgridd/world/state.h core/chatgridd/world/world.c \
	core/chatgridd/world/world.h
CHATGRIDD_SOURCES += \
	core/chatgridd/voice/janus.c core/chatgridd/voice/janus.h \
	core/chatgridd/voice/proto-signal.c core/chatgridd/voice/proto-voice.c \
	core/chatgridd/voice/turn.c core/chatgridd/voice/turn.h core/chatgridd/voice/voice-int.h \
	core/chatgridd/voice/voice.c core/chatgridd/voice/voice.h core/chatgridd/voice/vpc.c
CHATGRIDD_SOURCES += \
	core/chatgridd/pluginhost/host-int.h core/chatgridd/pluginhost/plugin-types.c \
	core/chatgridd/pluginhost/plugin-types.h core/chatgridd/pluginhost/pluginhost.c \
	core/chatgridd/pluginhost/pluginhost.h core/chatgridd/pluginhost/rpc.c \
	core/chatgridd/pluginhost/songs.c core/chatgridd/pluginhost/supervise.c
CHATGRIDD_SOURCES += \
	core/chatgridd/items/items-alias.c core/chatgridd/items/items-alias.h \
	core/chatgridd/items/items-db.c core/chatgridd/items/items-db.h \
	core/chatgridd/items/items-edit.c core/chatgridd/items/items-effects.c \
	core/chatgridd/items/items-int.h core/chatgridd/items/items-json.c \
	core/chatgridd/items/items-near.c core/chatgridd/items/items-near.h \
	core/chatgridd/items/items-plugin.c \
	core/chatgridd/items/items.c core/chatgridd/items/items.h \
	core/chatgridd/items/jobs.c core/chatgridd/items/jobs.h \
	core/chatgridd/items/proto-item.c
CHATGRIDD_SOURCES += \
	core/chatgridd/media/media.c core/chatgridd/media/media.h
CHATGRIDD_SOURCES += \
	core/chatgridd/admin/admin-int.h core/chatgridd/admin/admin.c core/chatgridd/admin/admin.h \
	core/chatgridd/admin/audit.c core/chatgridd/admin/moderation.c core/chatgridd/admin/roles.c \
	core/chatgridd/admin/sync.c
CHATGRIDD_SOURCES += \
	core/chatgridd/ops/health.c core/chatgridd/ops/health.h
CHATGRIDD_SOURCES += include/chatgrid/plugin.h
# Everything the daemon is made of but main.c, for tests and fuzzers.
CORE_SOURCES = $(CGUTIL_SOURCES) $(CHATGRIDD_SOURCES)

core_chatgridd_chatgridd_SOURCES = core/chatgridd/main.c $(CHATGRIDD_SOURCES)
nodist_core_chatgridd_chatgridd_SOURCES = sql/migrations.c
BUILT_SOURCES = sql/migrations.c
core_chatgridd_chatgridd_CFLAGS = $(CORE_CFLAGS)
core_chatgridd_chatgridd_LDADD = core/lib/libcgutil.la $(CORE_LIBS)

# The plugin host: runs one item plugin in its own process (the daemon's
# pluginhost part starts one per .so in plugin_dir).
pkglibexec_PROGRAMS += core/itemhost/chatgrid-itemhost
core_itemhost_chatgrid_itemhost_SOURCES = core/itemhost/itemhost.c core/itemhost/itemhost-api.c \
	core/itemhost/itemhost.h include/chatgrid/plugin.h
core_itemhost_chatgrid_itemhost_CFLAGS = $(AM_CFLAGS) $(MSGPACK_CFLAGS)
core_itemhost_chatgrid_itemhost_LDADD = core/lib/libcgutil.la $(MSGPACK_LIBS)

# chatgridctl(8): one-shot administration on chatgridd's database; the
# library's configuration, migrations, seeding, policy and password hashing,
# not the daemon's event loop.
sbin_PROGRAMS += core/ctl/chatgridctl
core_ctl_chatgridctl_SOURCES = \
	core/ctl/chatgridctl.c core/ctl/ctl-admin.c core/ctl/ctl-audit.c core/ctl/ctl-common.h \
	core/ctl/ctl-db.c core/ctl/ctl-pass.c core/ctl/ctl-role.c core/ctl/ctl-session.c \
	core/ctl/ctl-table.c core/ctl/ctl-user.c
# Generated by sql/local.mk from the migration files.
nodist_core_ctl_chatgridctl_SOURCES = sql/migrations.c
core_ctl_chatgridctl_CFLAGS = $(CORE_CFLAGS)
core_ctl_chatgridctl_LDADD = core/lib/libcgutil.la $(CORE_LIBS)

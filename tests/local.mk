# Tests: Check programs speak TAP (CK_TAP_LOG_FILE_NAME=-) to automake's TAP driver,
# so every test case is counted in tests/*.log and test-suite.log.
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
SH_LOG_DRIVER = $(LOG_DRIVER)
TEST_EXTENSIONS = .sh
AM_TESTS_ENVIRONMENT = \
	CK_TAP_LOG_FILE_NAME=-; CK_VERBOSITY=silent; CK_DEFAULT_TIMEOUT=60; \
	CG_BUILDDIR='$(abs_top_builddir)'; CG_SRCDIR='$(abs_top_srcdir)'; CG_VERSION='$(PACKAGE_VERSION)'; \
	export CK_TAP_LOG_FILE_NAME CK_VERBOSITY CK_DEFAULT_TIMEOUT CG_BUILDDIR CG_SRCDIR CG_VERSION;

TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/lib
TEST_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JSONC_CFLAGS) $(OPENSSL_CFLAGS) $(LIBEVENT_CFLAGS)

include $(srcdir)/tests/lib/local.mk
include $(srcdir)/tests/unit/local.mk
include $(srcdir)/tests/integration/local.mk
include $(srcdir)/tests/fuzz/local.mk
include $(srcdir)/tests/db.mk
include $(srcdir)/tests/ctl.mk
include $(srcdir)/tests/auth.mk
include $(srcdir)/tests/media.mk
include $(srcdir)/tests/admin.mk
include $(srcdir)/tests/world.mk
include $(srcdir)/tests/voice.mk

# The layering of core/ (scripts/check-layering, issue 16): the checker on its
# own fixtures, then no dependency circle between core/'s part folders.
TESTS += tests/layering/check.sh
EXTRA_DIST += tests/layering/check.sh tests/layering/fixtures

# The web client: its types and version, docs/controls.md against its key
# table (scripts/controls-table.mjs), its module graph (no import cycle, the
# layer order: scripts/check-imports.mjs), then the browser tests (real Chromium,
# chatgridd and PostgreSQL in a private network namespace; they skip
# themselves, with a reason, where Chromium, npm packages or root are missing).
TESTS += tests/browser/typecheck.sh tests/browser/controls.sh tests/browser/imports.sh tests/browser/run.sh
EXTRA_DIST += tests/browser package.json package-lock.json tsconfig.json
include $(srcdir)/tests/bench.mk
include $(srcdir)/tests/items.mk
include $(srcdir)/tests/items-clock.mk
include $(srcdir)/tests/items-radio.mk
include $(srcdir)/tests/items-piano.mk
include $(srcdir)/tests/ops.mk

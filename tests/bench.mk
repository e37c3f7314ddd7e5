# tests/bench.mk: the load generator (chatgrid-bench), `make bench`, and the
# abuse tests (slowloris, max_connections, a client that stops reading,
# malformed-frame floods, connection churn). Included from tests/local.mk.
# See docs/benchmarks.md.

# chatgrid-bench: one libevent loop, many non-blocking WebSocket clients;
# reuses the test client's frame codec (tests/lib/wsframe.c) and not Check.
noinst_PROGRAMS += tests/bench/chatgrid-bench
tests_bench_chatgrid_bench_SOURCES = \
	tests/bench/bench.c tests/bench/bench.h \
	tests/bench/bconn.c tests/bench/bstats.c tests/bench/bsetup.c \
	tests/lib/wsframe.c tests/lib/wsframe.h
tests_bench_chatgrid_bench_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/lib
tests_bench_chatgrid_bench_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS) \
	$(JSONC_CFLAGS) $(LIBPQ_CFLAGS) $(ARGON2_CFLAGS)
tests_bench_chatgrid_bench_LDADD = $(LIBEVENT_LIBS) $(OPENSSL_LIBS) $(JSONC_LIBS) \
	$(LIBPQ_LIBS) $(ARGON2_LIBS) -lm

EXTRA_DIST += tests/bench/run-bench tests/bench/baseline/relay.mjs \
	tests/bench/baseline/package.json tests/bench/baseline/package-lock.json

# `make bench`: every scenario against the baseline relay and chatgridd,
# alternating, with a side-by-side table (BENCH_OPTS, e.g. "--only crowd
# --quick", go to the script). Results land in tests/bench/results/.
.PHONY: bench
bench: core/chatgridd/chatgridd tests/bench/chatgrid-bench
	CG_BUILDDIR='$(abs_top_builddir)' CG_SRCDIR='$(abs_top_srcdir)' \
	    $(SHELL) $(top_srcdir)/tests/bench/run-bench $(BENCH_OPTS)

# Abuse tests: the real daemon under hostile or careless clients; bounded
# in count and time, loopback only.
if HAVE_CHECK
check_PROGRAMS += tests/integration/test_abuse
TESTS += tests/integration/test_abuse
tests_integration_test_abuse_SOURCES = \
	tests/integration/test_abuse.c
tests_integration_test_abuse_CPPFLAGS = $(WORLD_IT_CPPFLAGS)
tests_integration_test_abuse_CFLAGS = $(WORLD_IT_CFLAGS)
tests_integration_test_abuse_LDADD = $(WORLD_IT_LDADD)
endif

# `make bench-voice`: N Chromium pages on one square, mesh then a Janus SFU
# (tests/bench/voice.bench.mjs, inside the browser tests' network namespace);
# CG_VOICE_BENCH_N (6) pages, CG_VOICE_BENCH_SECONDS (20) measured.
.PHONY: bench-voice
bench-voice: core/chatgridd/chatgridd core/ctl/chatgridctl
	CG_BUILDDIR='$(abs_top_builddir)' CG_TEST_TIMEOUT_MS=1500000 CG_RUN_LIMIT_S=3600 \
	    $(SHELL) $(top_srcdir)/tests/browser/run.sh $(top_srcdir)/tests/bench/voice.bench.mjs
EXTRA_DIST += tests/bench/voice.bench.mjs

# `make bench-idle-items`: the CPU an idle world costs (10,000 radios and
# 10,000 clocks, nobody online): chatgridd and its plugin hosts over a
# minute (BENCH_OPTS, e.g. "--items 1000 --seconds 20", go to the script).
.PHONY: bench-idle-items
bench-idle-items: core/chatgridd/chatgridd core/itemhost/chatgrid-itemhost
	CG_BUILDDIR='$(abs_top_builddir)' CG_SRCDIR='$(abs_top_srcdir)' \
	    $(SHELL) $(top_srcdir)/tests/bench/idle-items $(BENCH_OPTS)
EXTRA_DIST += tests/bench/idle-items

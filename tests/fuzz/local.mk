# tests/fuzz: libFuzzer targets for the parsers of network input, built
# with ./configure CC=clang --enable-fuzzing; smoke.sh runs each briefly.
EXTRA_DIST += tests/fuzz/smoke.sh tests/fuzz/corpus tests/fuzz/fuzz_http.dict \
	tests/fuzz/fuzz_proto.dict

if ENABLE_FUZZING
FUZZ_SANITIZE = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer -g

# The core instrumented for coverage, as an archive: each target links only
# the objects it uses; stands in for main.c.
noinst_LTLIBRARIES += tests/fuzz/libcgfuzz.la
tests_fuzz_libcgfuzz_la_SOURCES = $(CORE_SOURCES)
nodist_tests_fuzz_libcgfuzz_la_SOURCES = sql/migrations.c
tests_fuzz_libcgfuzz_la_CFLAGS = $(CORE_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer -g

FUZZ_LDADD = tests/fuzz/libcgfuzz.la $(CORE_LIBS)

noinst_PROGRAMS += tests/fuzz/fuzz_ws tests/fuzz/fuzz_http tests/fuzz/fuzz_proto tests/fuzz/fuzz_fetch \
	tests/fuzz/fuzz_ipc tests/fuzz/fuzz_icy

tests_fuzz_fuzz_ws_SOURCES = tests/fuzz/fuzz_ws.c
tests_fuzz_fuzz_ws_CFLAGS = $(CORE_CFLAGS) $(FUZZ_SANITIZE)
tests_fuzz_fuzz_ws_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_SANITIZE)
tests_fuzz_fuzz_ws_LDADD = $(FUZZ_LDADD)

tests_fuzz_fuzz_http_SOURCES = tests/fuzz/fuzz_http.c
tests_fuzz_fuzz_http_CFLAGS = $(CORE_CFLAGS) $(FUZZ_SANITIZE)
tests_fuzz_fuzz_http_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_SANITIZE)
tests_fuzz_fuzz_http_LDADD = $(FUZZ_LDADD)

tests_fuzz_fuzz_proto_SOURCES = tests/fuzz/fuzz_proto.c
tests_fuzz_fuzz_proto_CFLAGS = $(CORE_CFLAGS) $(FUZZ_SANITIZE)
tests_fuzz_fuzz_proto_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_SANITIZE)
tests_fuzz_fuzz_proto_LDADD = $(FUZZ_LDADD)

tests_fuzz_fuzz_fetch_SOURCES = tests/fuzz/fuzz_fetch.c
tests_fuzz_fuzz_fetch_CFLAGS = $(CORE_CFLAGS) $(FUZZ_SANITIZE)
tests_fuzz_fuzz_fetch_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_SANITIZE)
tests_fuzz_fuzz_fetch_LDADD = $(FUZZ_LDADD)

# Plugin frames and their msgpack bodies (core/lib/ipc.c), as the core reads a host.
tests_fuzz_fuzz_ipc_SOURCES = tests/fuzz/fuzz_ipc.c
tests_fuzz_fuzz_ipc_CFLAGS = $(CORE_CFLAGS) $(FUZZ_SANITIZE)
tests_fuzz_fuzz_ipc_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_SANITIZE)
tests_fuzz_fuzz_ipc_LDADD = $(FUZZ_LDADD)

# What a stream server answers the radio plugin's metadata fetch, served over
# loopback to the real fetch code (compiled in, with the address rules).
tests_fuzz_fuzz_icy_SOURCES = tests/fuzz/fuzz_icy.c plugins/radio_station/icy.c core/lib/netaddr.c \
	core/lib/clock.c plugins/common/coerce.c
tests_fuzz_fuzz_icy_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(FUZZ_SANITIZE)
tests_fuzz_fuzz_icy_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_SANITIZE)
tests_fuzz_fuzz_icy_LDADD = $(OPENSSL_LIBS) $(PTHREAD_LIBS) -lm
endif

# tests/ctl.mk: chatgridctl(8) run for real against a private PostgreSQL
# cluster (tests/lib/pgtest.c). Included from tests/local.mk.
if HAVE_CHECK
check_PROGRAMS += tests/integration/test_chatgridctl
TESTS += tests/integration/test_chatgridctl

tests_integration_test_chatgridctl_SOURCES = tests/integration/test_chatgridctl.c \
	tests/lib/pgtest.c tests/lib/pgtest.h core/lib/password.c core/lib/password.h
tests_integration_test_chatgridctl_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_chatgridctl_CFLAGS = $(TEST_CFLAGS) $(LIBPQ_CFLAGS) $(ARGON2_CFLAGS)
tests_integration_test_chatgridctl_LDADD = $(CHECK_LIBS) $(LIBPQ_LIBS) $(ARGON2_LIBS) \
	$(OPENSSL_LIBS)
# It runs $(CG_BUILDDIR)/core/ctl/chatgridctl.
EXTRA_tests_integration_test_chatgridctl_DEPENDENCIES = core/ctl/chatgridctl$(EXEEXT)
endif

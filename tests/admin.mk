# tests/admin.mk: integration tests of roles, permissions and moderation
# (reference §4, issue 4): every permission key denied and allowed, the
# admin messages with their exact replies, live auth_permissions pushes,
# bans, deletion, kick, mute, the audit log and the admin menu. Every program
# starts one private PostgreSQL cluster; every test case gets its own
# database in it and a fresh chatgridd. Included from tests/local.mk.
if HAVE_CHECK
ADMIN_IT_SOURCES = tests/integration/test_admin_common.c
ADMIN_IT_CPPFLAGS = $(TEST_CPPFLAGS)
ADMIN_IT_CFLAGS = $(IT_CFLAGS)
ADMIN_IT_LDADD = $(IT_LDADD)

check_PROGRAMS += \
	tests/integration/test_admin_perms \
	tests/integration/test_admin_roles \
	tests/integration/test_admin_users
TESTS += \
	tests/integration/test_admin_perms \
	tests/integration/test_admin_roles \
	tests/integration/test_admin_users

# Each permission key denied without it and allowed with it (flipped live
# through a custom role), the denial replies, adminMenuActions.
tests_integration_test_admin_perms_SOURCES = \
	tests/integration/test_admin_perms.c $(ADMIN_IT_SOURCES)
tests_integration_test_admin_perms_CPPFLAGS = $(ADMIN_IT_CPPFLAGS)
tests_integration_test_admin_perms_CFLAGS = $(ADMIN_IT_CFLAGS)
tests_integration_test_admin_perms_LDADD = $(ADMIN_IT_LDADD)

# admin_roles_list, admin_users_list, role create/update/delete with their
# live pushes, and role changes across a daemon restart.
tests_integration_test_admin_roles_SOURCES = \
	tests/integration/test_admin_roles.c $(ADMIN_IT_SOURCES)
tests_integration_test_admin_roles_CPPFLAGS = $(ADMIN_IT_CPPFLAGS)
tests_integration_test_admin_roles_CFLAGS = $(ADMIN_IT_CFLAGS)
tests_integration_test_admin_roles_LDADD = $(ADMIN_IT_LDADD)

# Set role, ban/unban, delete, kick, mute, the last active admin, the audit log.
tests_integration_test_admin_users_SOURCES = \
	tests/integration/test_admin_users.c $(ADMIN_IT_SOURCES)
tests_integration_test_admin_users_CPPFLAGS = $(ADMIN_IT_CPPFLAGS)
tests_integration_test_admin_users_CFLAGS = $(ADMIN_IT_CFLAGS)
tests_integration_test_admin_users_LDADD = $(ADMIN_IT_LDADD)
endif

# tests/ops.mk: what an operator meets. GET /metrics in Prometheus's text
# format, checked by promtool and by the counters a scenario moves (a real
# daemon, PostgreSQL cluster and dice plugin); another web client served from
# www_root (its version reported, its later messages accepted). Included from
# tests/local.mk after items.mk (it uses the items tests' helpers).
if HAVE_CHECK
check_PROGRAMS += tests/integration/test_metrics tests/integration/test_webclient
TESTS += tests/integration/test_metrics tests/integration/test_webclient
tests_integration_test_metrics_SOURCES = tests/integration/test_metrics.c $(ITEMS_IT_SOURCES)
tests_integration_test_metrics_CPPFLAGS = $(ITEMS_IT_CPPFLAGS)
tests_integration_test_metrics_CFLAGS = $(ITEMS_IT_CFLAGS)
tests_integration_test_metrics_LDADD = $(ITEMS_IT_LDADD)
tests_integration_test_webclient_SOURCES = tests/integration/test_webclient.c $(ITEMS_IT_SOURCES)
tests_integration_test_webclient_CPPFLAGS = $(ITEMS_IT_CPPFLAGS)
tests_integration_test_webclient_CFLAGS = $(ITEMS_IT_CFLAGS)
tests_integration_test_webclient_LDADD = $(ITEMS_IT_LDADD)
endif

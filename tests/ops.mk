# tests/ops.mk: what an operator watches. GET /metrics in Prometheus's text
# format, checked by promtool and by the counters a scenario moves (a real
# daemon, PostgreSQL cluster and dice plugin). Included from tests/local.mk
# after items.mk (it uses the items tests' helpers).
if HAVE_CHECK
check_PROGRAMS += tests/integration/test_metrics
TESTS += tests/integration/test_metrics
tests_integration_test_metrics_SOURCES = tests/integration/test_metrics.c $(ITEMS_IT_SOURCES)
tests_integration_test_metrics_CPPFLAGS = $(ITEMS_IT_CPPFLAGS)
tests_integration_test_metrics_CFLAGS = $(ITEMS_IT_CFLAGS)
tests_integration_test_metrics_LDADD = $(ITEMS_IT_LDADD)
endif

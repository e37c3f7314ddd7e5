# plugins/clock/local.mk: the clock item type (included from plugins/local.mk).
plugin_LTLIBRARIES += plugins/clock/clock.la
plugins_clock_clock_la_SOURCES = plugins/clock/clock.c $(PLUGIN_COMMON)
plugins_clock_clock_la_LDFLAGS = $(AM_LDFLAGS) $(PLUGIN_LDFLAGS)
plugins_clock_clock_la_LIBADD = -lm

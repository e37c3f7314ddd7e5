# plugins/piano/local.mk: the piano item type: live notes relayed to
# listeners, recordings kept as songs by the core, timed playback.
plugin_LTLIBRARIES += plugins/piano/piano.la
plugins_piano_piano_la_SOURCES = plugins/piano/piano.c plugins/piano/piano.h \
	plugins/piano/keys.c plugins/piano/record.c plugins/piano/play.c \
	plugins/piano/song.c plugins/piano/params.c \
	core/lib/clock.c core/lib/clock.h $(PLUGIN_COMMON)
plugins_piano_piano_la_LDFLAGS = $(AM_LDFLAGS) $(PLUGIN_LDFLAGS)
plugins_piano_piano_la_LIBADD = -lm

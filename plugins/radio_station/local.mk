# plugins/radio_station/local.mk: the radio_station item type and its ICY
# metadata poller (a worker thread; https through OpenSSL), included from
# plugins/local.mk. core/lib/netaddr.c (address classes, URL parsing) and
# core/lib/clock.c (the monotonic clock) are compiled in: they need only libc.
plugin_LTLIBRARIES += plugins/radio_station/radio_station.la
plugins_radio_station_radio_station_la_SOURCES = plugins/radio_station/radio.c \
	plugins/radio_station/icy.c plugins/radio_station/icy.h \
	plugins/radio_station/poller.c plugins/radio_station/poller.h \
	plugins/radio_station/htab.c plugins/radio_station/htab.h \
	core/lib/clock.c core/lib/clock.h core/lib/netaddr.c core/lib/netaddr.h $(PLUGIN_COMMON)
plugins_radio_station_radio_station_la_CPPFLAGS = $(AM_CPPFLAGS) $(OPENSSL_CFLAGS)
plugins_radio_station_radio_station_la_LDFLAGS = $(AM_LDFLAGS) $(PLUGIN_LDFLAGS)
plugins_radio_station_radio_station_la_LIBADD = $(OPENSSL_LIBS) $(PTHREAD_LIBS) -lm

# man pages; chatgridd.conf(5) takes its key list from the table in core/lib/cfg.c.
noinst_PROGRAMS += man/cfgdoc
man_cfgdoc_SOURCES = man/cfgdoc.c core/lib/cfg.c core/lib/log.c core/lib/xmalloc.c
man_cfgdoc_CFLAGS = $(CORE_CFLAGS)
man_cfgdoc_LDADD = $(CORE_LIBS)

dist_man_MANS = man/chatgridd.8 man/chatgridctl.8 man/chatgrid-plugin.3
man_MANS += man/chatgridd.conf.5
EXTRA_DIST += man/chatgridd.conf.5.in
CLEANFILES += man/chatgridd.conf.5 man/keys.tmp

man/chatgridd.conf.5: man/chatgridd.conf.5.in man/cfgdoc$(EXEEXT)
	$(AM_V_GEN)$(MKDIR_P) man && ./man/cfgdoc$(EXEEXT) man > man/keys.tmp && \
	sed -e '/@KEYS@/{r man/keys.tmp' -e 'd}' $(srcdir)/man/chatgridd.conf.5.in > $@ && \
	rm -f man/keys.tmp

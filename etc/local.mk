# The default configuration (every key, commented, from core/lib/cfg.c's table)
# and the systemd unit. Installing never overwrites an existing config.
confdir = $(sysconfdir)/chatgrid
systemdunitdir = $(prefix)/lib/systemd/system
systemdunit_DATA = etc/chatgridd.service
EXTRA_DIST += etc/chatgridd.service.in
CLEANFILES += etc/chatgridd.service etc/chatgridd.service-t etc/chatgridd.conf.sample

# The [@] keep configure from substituting the placeholders in this rule
# itself (it did: the installed unit ran "@sbindir@/chatgridd").
etc/chatgridd.service: etc/chatgridd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc && sed -e 's|[@]sbindir[@]|$(sbindir)|g' \
	    -e 's|[@]sysconfdir[@]|$(sysconfdir)|g' $(srcdir)/etc/chatgridd.service.in > $@-t && \
	if grep -n '@[a-z]*@' $@-t; then echo "$@: placeholders left" >&2; rm -f $@-t; exit 1; fi && \
	mv -f $@-t $@

etc/chatgridd.conf.sample: man/cfgdoc$(EXEEXT)
	$(AM_V_GEN)$(MKDIR_P) etc && ./man/cfgdoc$(EXEEXT) sample > $@

all-local: etc/chatgridd.conf.sample

install-data-local: etc/chatgridd.conf.sample install-www
	$(MKDIR_P) '$(DESTDIR)$(confdir)'
	$(INSTALL_DATA) etc/chatgridd.conf.sample '$(DESTDIR)$(confdir)/chatgridd.conf.sample'
	@if test -f '$(DESTDIR)$(confdir)/chatgridd.conf'; then \
	  echo "keeping the existing $(DESTDIR)$(confdir)/chatgridd.conf"; \
	else \
	  $(INSTALL_DATA) etc/chatgridd.conf.sample '$(DESTDIR)$(confdir)/chatgridd.conf'; \
	fi

uninstall-local: uninstall-www
	@if cmp -s '$(DESTDIR)$(confdir)/chatgridd.conf' '$(DESTDIR)$(confdir)/chatgridd.conf.sample'; then \
	  rm -f '$(DESTDIR)$(confdir)/chatgridd.conf'; \
	else \
	  test ! -f '$(DESTDIR)$(confdir)/chatgridd.conf' || \
	    echo "keeping the edited $(DESTDIR)$(confdir)/chatgridd.conf"; \
	fi
	rm -f '$(DESTDIR)$(confdir)/chatgridd.conf.sample'

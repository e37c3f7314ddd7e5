# The web client: installed as a tree under $(pkgdatadir)/www.
wwwdir = $(pkgdatadir)/www
EXTRA_DIST += www

install-www:
	$(MKDIR_P) '$(DESTDIR)$(wwwdir)'
	cd '$(srcdir)/www' && find . -type d ! -name . -exec $(MKDIR_P) '$(DESTDIR)$(wwwdir)/{}' \;
	cd '$(srcdir)/www' && find . -type f ! -name local.mk ! -name '*.d.ts' \
	  -exec $(INSTALL_DATA) '{}' '$(DESTDIR)$(wwwdir)/{}' \;

uninstall-www:
	rm -rf '$(DESTDIR)$(wwwdir)'

# The web client: www/ is installed as it is, under $(pkgdatadir)/www. The
# daemon serves that directory whole (scripts/quickstart serves the source
# tree's www/ itself), so www/ holds only files a browser loads; these rules
# live outside it. tests/integration/test_foundation_http.c checks that.
wwwdir = $(pkgdatadir)/www
EXTRA_DIST += www

install-www:
	$(MKDIR_P) '$(DESTDIR)$(wwwdir)'
	cd '$(srcdir)/www' && find . -type d ! -name . -exec $(MKDIR_P) '$(DESTDIR)$(wwwdir)/{}' \;
	cd '$(srcdir)/www' && find . -type f -exec $(INSTALL_DATA) '{}' '$(DESTDIR)$(wwwdir)/{}' \;

uninstall-www:
	rm -rf '$(DESTDIR)$(wwwdir)'

# sql: numbered migrations NNN_name.sql, applied in order at start-up by
# core/lib/migrate.c. They are compiled into chatgridd as sql/migrations.c
# (generated below), so an installed daemon needs no sql directory.
# Add new files at the end of the list; never edit a released one.
SQL_MIGRATIONS = \
	sql/001_accounts.sql \
	sql/002_seed_marks.sql \
	sql/003_mutes.sql \
	sql/004_items.sql \
	sql/005_songs.sql

EXTRA_DIST += $(SQL_MIGRATIONS)
CLEANFILES += sql/migrations.c sql/migrations.c-t

# Each line becomes a C string line: backslashes and quotes escaped, and
# every ? as \? so that no ??x trigraph can appear under -std=c11.
sql/migrations.c: $(SQL_MIGRATIONS) $(srcdir)/sql/local.mk
	$(AM_V_GEN)$(MKDIR_P) sql && { \
	  echo '/* Generated from $(SQL_MIGRATIONS) by sql/local.mk: do not edit. */'; \
	  echo '#include "migrate.h"'; \
	  i=0; for f in $(SQL_MIGRATIONS); do \
	    echo "static const char m$$i[] ="; \
	    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' \
	      -e 's/^/"/' -e 's/$$/\\n"/' $(srcdir)/$$f || exit 1; \
	    echo ';'; i=`expr $$i + 1`; \
	  done; \
	  echo 'const struct migration migrate_list[] = {'; \
	  i=0; for f in $(SQL_MIGRATIONS); do \
	    b=`basename $$f .sql`; \
	    case $$b in [0-9][0-9][0-9]_*) ;; \
	      *) echo "$$f: a migration is named NNN_name.sql" >&2; exit 1;; esac; \
	    v=`echo $$b | sed -e 's/_.*//' -e 's/^0*//'`; \
	    echo "{ $$v, \"$$b\", m$$i },"; i=`expr $$i + 1`; \
	  done; \
	  echo '};'; \
	  echo "const int migrate_count = $$i;"; \
	} > $@-t && mv -f $@-t $@

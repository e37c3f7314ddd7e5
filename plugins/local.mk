# plugins: the bundled item types, each a libtool module that
# chatgrid-itemhost loads from plugin_dir (chatgrid-plugin(3)); plus the
# installed plugin ABI header and its pkg-config file.
plugindir = $(pkglibdir)/plugins
plugin_LTLIBRARIES = plugins/dice/dice.la plugins/wheel/wheel.la plugins/widget/widget.la

# Only the ABI's three symbols leave a plugin.
PLUGIN_LDFLAGS = -module -avoid-version -shared -export-symbols-regex '^cg_plugin_'
PLUGIN_COMMON = plugins/common/coerce.c plugins/common/coerce.h plugins/common/params.c \
	plugins/common/params.h include/chatgrid/plugin.h

plugins_dice_dice_la_SOURCES = plugins/dice/dice.c $(PLUGIN_COMMON)
plugins_dice_dice_la_LDFLAGS = $(AM_LDFLAGS) $(PLUGIN_LDFLAGS)
plugins_dice_dice_la_LIBADD = -lm

plugins_wheel_wheel_la_SOURCES = plugins/wheel/wheel.c $(PLUGIN_COMMON)
plugins_wheel_wheel_la_LDFLAGS = $(AM_LDFLAGS) $(PLUGIN_LDFLAGS)
plugins_wheel_wheel_la_LIBADD = -lm

plugins_widget_widget_la_SOURCES = plugins/widget/widget.c $(PLUGIN_COMMON)
plugins_widget_widget_la_LDFLAGS = $(AM_LDFLAGS) $(PLUGIN_LDFLAGS)
plugins_widget_widget_la_LIBADD = -lm

# The clock, the radio station and the piano each keep their own fragment.
include $(srcdir)/plugins/clock/local.mk
include $(srcdir)/plugins/radio_station/local.mk
include $(srcdir)/plugins/piano/local.mk

# The ABI, for plugins built out of tree: pkg-config --cflags chatgrid-plugin.
chatgridincludedir = $(includedir)/chatgrid
chatgridinclude_HEADERS = include/chatgrid/plugin.h
pkgconfig_DATA = chatgrid-plugin.pc
EXTRA_DIST += chatgrid-plugin.pc.in

# The out-of-tree example (built by tests/integration/test_items_example)
# and the item types' documentation.
EXTRA_DIST += docs/examples/counter/counter.c docs/examples/counter/Makefile \
	docs/examples/counter/README.md
dist_doc_DATA += docs/item-types.md

# plugins/piano/local.mk: the piano item type (filled in with its plugin).

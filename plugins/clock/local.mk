# plugins/clock/local.mk: the clock item type (filled in with its plugin).

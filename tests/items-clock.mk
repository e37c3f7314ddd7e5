# tests/items-clock.mk: tests of the clock item type (filled in with them).

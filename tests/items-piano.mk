# tests/items-piano.mk: tests of the piano item type (filled in with them).

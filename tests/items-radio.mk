# tests/items-radio.mk: tests of the radio item type (filled in with them).

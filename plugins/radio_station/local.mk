# plugins/radio_station/local.mk: the radio_station item type (filled in with its plugin).

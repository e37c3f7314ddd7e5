-- 005_songs: timed event data that item plugins keep (a piano's
-- recordings), saved through the plugin ABI's song_save and read back with
-- song_load. A song belongs to one item and goes with it; only plugins of
-- the type that wrote a song may read or replace it.
--
-- No foreign key on items: items are written behind, so a song may be saved
-- before its item's row exists. Songs of deleted items are removed when the
-- item is, and any left over are swept at start-up.

CREATE TABLE songs (
	id text PRIMARY KEY,
	item_id uuid NOT NULL,
	type text NOT NULL,			-- the item type whose plugin wrote it
	body jsonb NOT NULL,
	events integer NOT NULL DEFAULT 0,	-- length of body.events, for listings
	length_ms integer,			-- body.meta.recordingLengthMs, when given
	saved_by bigint,			-- account id of who caused the save; NULL for the system
	saved_at timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT songs_id_check CHECK (length(id) BETWEEN 1 AND 200),
	CONSTRAINT songs_body_check CHECK (jsonb_typeof(body) = 'object')
);
CREATE INDEX songs_item_id_idx ON songs (item_id);

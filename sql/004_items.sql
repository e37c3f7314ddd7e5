-- 004_items: the world's items. The core owns them; plugins only see an
-- item's state with each request. Written behind (item_save_debounce_ms /
-- item_save_max_delay_ms), one transaction per batch.
--
-- No foreign keys on accounts: an item outlives its owner's account (the
-- owner's name is kept in created_by_name), and a write-behind batch must
-- never fail because an account went away meanwhile.

CREATE TABLE items (
	id uuid PRIMARY KEY,
	type text NOT NULL,
	title text NOT NULL,
	x integer NOT NULL,
	y integer NOT NULL,
	carrier_account_id bigint,		-- carried by this account; NULL when on the ground
	params jsonb NOT NULL DEFAULT '{}',
	encoding_version integer NOT NULL DEFAULT 1,	-- of params, as the type's plugin wrote them
	created_by bigint,			-- the owner's account id; NULL for the system
	created_by_name text NOT NULL,
	updated_by bigint,			-- NULL for the system
	updated_by_name text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	version bigint NOT NULL DEFAULT 1,
	CONSTRAINT items_type_check CHECK (type ~ '^[a-z0-9_]{1,32}$'),
	CONSTRAINT items_params_check CHECK (jsonb_typeof(params) = 'object'),
	CONSTRAINT items_encoding_version_check CHECK (encoding_version >= 1)
);
-- Per-account limits and transfers count an owner's items.
CREATE INDEX items_created_by_idx ON items (created_by);

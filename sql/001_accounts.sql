-- 001_accounts: roles and permissions, accounts, sessions, per-account state,
-- the audit log and server secrets.
--
-- Migrations run in one transaction each (core/migrate.c wraps them in
-- BEGIN/COMMIT and records them in schema_version): no BEGIN/COMMIT here,
-- and nothing that cannot run in a transaction (CREATE INDEX CONCURRENTLY).
-- Never edit a migration once released; add a new numbered file.
--
-- Roles and permissions are not seeded here: a later migration does it from
-- the permission table in the code.
--
-- Constraint and index names are spelled out: the code maps some of them to
-- user messages (accounts_username_key -> "Username is already taken.").

CREATE TABLE roles (
	id serial PRIMARY KEY,
	name text NOT NULL,
	is_system boolean NOT NULL DEFAULT false,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT roles_name_key UNIQUE (name),
	CONSTRAINT roles_name_check CHECK (name <> '')
);

CREATE TABLE permissions (
	key text PRIMARY KEY,
	description text NOT NULL
);

CREATE TABLE role_permissions (
	role_id integer NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
	permission_key text NOT NULL
	    REFERENCES permissions (key) ON DELETE CASCADE ON UPDATE CASCADE,
	PRIMARY KEY (role_id, permission_key)
);
-- The primary key serves lookups by role; this one serves deletes of a permission.
CREATE INDEX role_permissions_permission_key_idx ON role_permissions (permission_key);

-- role_id has no ON DELETE: deleting a role that still has accounts is
-- refused; the role-delete action moves its accounts to a replacement first.
CREATE TABLE accounts (
	id bigserial PRIMARY KEY,
	username text NOT NULL,
	email text,
	password_hash text NOT NULL,		-- PHC string: $argon2id$v=19$m=...,t=...,p=...$salt$hash
	role_id integer NOT NULL REFERENCES roles (id),
	status text NOT NULL DEFAULT 'active',
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	last_login_at timestamptz,
	CONSTRAINT accounts_username_check CHECK (username <> ''),
	CONSTRAINT accounts_email_check CHECK (email <> ''),
	CONSTRAINT accounts_status_check CHECK (status IN ('active', 'disabled'))
);
-- Case-insensitive uniqueness, whatever case the code stores.
CREATE UNIQUE INDEX accounts_username_key ON accounts (lower(username));
CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email)) WHERE email IS NOT NULL;
-- Role user counts, reassignment on role delete, and the FK check on role delete.
CREATE INDEX accounts_role_id_idx ON accounts (role_id);

-- Only the HMAC of a session token is stored, never the token.
CREATE TABLE sessions (
	id bigserial PRIMARY KEY,
	account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	token_hash text NOT NULL,		-- HMAC-SHA256(secret, token), lowercase hex
	created_at timestamptz NOT NULL DEFAULT now(),
	last_seen_at timestamptz NOT NULL DEFAULT now(),
	expires_at timestamptz NOT NULL,
	revoked_at timestamptz,
	ip inet,
	user_agent text,
	CONSTRAINT sessions_token_hash_key UNIQUE (token_hash),
	CONSTRAINT sessions_token_hash_check CHECK (token_hash ~ '^[0-9a-f]{64}$')
);
CREATE INDEX sessions_account_id_idx ON sessions (account_id);
-- For purging expired sessions.
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- Written behind (debounced) from the loop; one row per account.
CREATE TABLE account_state (
	account_id bigint PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	last_nickname text,
	last_x integer,
	last_y integer,
	updated_at timestamptz NOT NULL DEFAULT now(),
	-- A position is both coordinates or none.
	CONSTRAINT account_state_position_check CHECK ((last_x IS NULL) = (last_y IS NULL))
);

-- History outlives its actors: actor_account_id is deliberately not a
-- foreign key, and actor_name keeps the name as it was.
CREATE TABLE audit_log (
	id bigserial PRIMARY KEY,
	at timestamptz NOT NULL DEFAULT now(),
	actor_account_id bigint,
	actor_name text,
	action text NOT NULL,
	target text,
	detail jsonb,
	ok boolean NOT NULL DEFAULT true,
	message text
);
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- Generated once by the first chatgridd (e.g. the session HMAC key), so
-- every daemon on this database shares it and it survives restarts.
CREATE TABLE server_secrets (
	name text PRIMARY KEY,
	value bytea NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now()
);

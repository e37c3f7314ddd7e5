-- 002_seed_marks: which system roles have had their default permissions
-- seeded. Seeding happens once per role (core/seed.c), so a role an admin
-- has emptied on purpose stays empty across restarts.
CREATE TABLE schema_seed (
	role_name text PRIMARY KEY,
	seeded_at timestamptz NOT NULL DEFAULT now()
);

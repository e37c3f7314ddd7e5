-- 003_mutes: timed mutes of an account's chat or voice, set by moderators
-- (admin_user_mute). Kept on the account so that reconnecting does not
-- lift them.
ALTER TABLE accounts
	ADD COLUMN mute_chat_until timestamptz,
	ADD COLUMN mute_voice_until timestamptz;

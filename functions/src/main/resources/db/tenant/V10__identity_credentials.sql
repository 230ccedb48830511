-- Identity: enrollment tokens, refresh tokens. ${flyway:defaultSchema} is the tenant's schema.
-- Credentials are stored only as SHA-256 hashes of their random part: they carry >= 256 bits
-- of entropy, so a fast hash is enough and lets us look them up by hash.

CREATE TABLE ${flyway:defaultSchema}.posduif_enrollment_tokens (
    token_hash     text PRIMARY KEY,
    created_by     uuid NOT NULL REFERENCES ${flyway:defaultSchema}.posduif_users (id),
    -- when set, the token enrolls a device for this existing or to-be-created mobile username only
    bound_username text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz,
    used_by_device text,
    revoked_at     timestamptz
);

CREATE TABLE ${flyway:defaultSchema}.posduif_refresh_tokens (
    token_hash  text PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES ${flyway:defaultSchema}.posduif_users (id) ON DELETE CASCADE,
    -- all tokens descending from one login; reuse of a rotated token revokes the whole family
    family_id   uuid NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX posduif_refresh_tokens_family ON ${flyway:defaultSchema}.posduif_refresh_tokens (family_id);

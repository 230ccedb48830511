-- Engine tables of one tenant. ${flyway:defaultSchema} is the tenant's schema (tenant_<id>).
-- Every engine table carries the posduif_ prefix; tenant-declared tables may not use it.

CREATE TABLE ${flyway:defaultSchema}.posduif_users (
    id            uuid PRIMARY KEY,
    username      text NOT NULL,
    user_type     text NOT NULL CHECK (user_type IN ('web', 'mobile')),
    roles         text[] NOT NULL DEFAULT '{}',
    password_hash text,
    oidc_subject  text,
    attributes    jsonb NOT NULL DEFAULT '{}'::jsonb,
    last_seen     timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT posduif_users_username_key UNIQUE (username),
    CONSTRAINT posduif_users_oidc_subject_key UNIQUE (oidc_subject)
);

CREATE TABLE ${flyway:defaultSchema}.posduif_devices (
    device_id          text PRIMARY KEY,
    user_id            uuid NOT NULL REFERENCES ${flyway:defaultSchema}.posduif_users (id),
    secret_hash        text NOT NULL,
    -- hashes of secrets rotated away: presenting one again means the secret leaked
    previous_secret_hashes text[] NOT NULL DEFAULT '{}',
    device_info        jsonb NOT NULL DEFAULT '{}'::jsonb,
    revoked_at         timestamptz,
    revoked_reason     text,
    online             boolean NOT NULL DEFAULT false,
    last_seen          timestamptz,
    last_sync_at       timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX posduif_devices_user ON ${flyway:defaultSchema}.posduif_devices (user_id);

CREATE TABLE ${flyway:defaultSchema}.posduif_schema_versions (
    version     integer PRIMARY KEY,
    checksum    text NOT NULL,
    source      text NOT NULL,
    plan        jsonb NOT NULL DEFAULT '[]'::jsonb,
    applied_by  text,
    applied_at  timestamptz NOT NULL DEFAULT now()
);

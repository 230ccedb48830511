-- The control schema: which tenants this deployment hosts. Tenant data never lives here.
CREATE TABLE IF NOT EXISTS posduif_control.tenants (
    id          text PRIMARY KEY,
    schema_name text NOT NULL UNIQUE,
    role_name   text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);

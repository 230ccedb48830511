-- When the device secret last rotated: a retry of an exchange whose answer was lost presents the
-- secret just rotated away; within a short grace that is a retry, not theft.
ALTER TABLE ${flyway:defaultSchema}.posduif_devices ADD COLUMN secret_rotated_at timestamptz;

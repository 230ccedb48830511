-- Realtime (relay developer, V40-V49).

-- The scope (bucket keys) each device subscribes to, as last computed by functions from the
-- tenant's filters and the device's principal parameters. The relay routes sync_required by
-- it without knowing the filter language; a device without a row gets every sync_required
-- (a superset is safe: an extra pull returns nothing).
CREATE TABLE ${flyway:defaultSchema}.posduif_device_scopes (
    device_id  text PRIMARY KEY REFERENCES ${flyway:defaultSchema}.posduif_devices (device_id) ON DELETE CASCADE,
    buckets    text[] NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Scope keys touched by transactions that functions did not announce itself (plain SQL,
-- scripts, other services). The one relay that leads the tenant publishes them and deletes
-- them in the same transaction, so they survive relay restarts; one row per transaction and
-- key keeps a bulk UPDATE cheap.
CREATE TABLE ${flyway:defaultSchema}.posduif_realtime_pending (
    txid   xid8 NOT NULL,
    bucket text NOT NULL,
    PRIMARY KEY (txid, bucket)
);

-- Called by posduif_capture (sync) for every captured row change. Transactions that mark
-- themselves with posduif.realtime_origin = 'functions' publish after commit on their own.
CREATE FUNCTION ${flyway:defaultSchema}.posduif_realtime_capture(p_old_buckets text[], p_new_buckets text[])
RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    IF current_setting('posduif.realtime_origin', true) IS NOT DISTINCT FROM 'functions' THEN
        RETURN;
    END IF;
    INSERT INTO ${flyway:defaultSchema}.posduif_realtime_pending (txid, bucket)
    SELECT pg_current_xact_id(), b
      FROM unnest(coalesce(p_old_buckets, '{}'::text[]) || coalesce(p_new_buckets, '{}'::text[])) AS b
     WHERE b IS NOT NULL
    ON CONFLICT DO NOTHING;
    -- identical payloads within one transaction are folded by PostgreSQL: one wake-up per commit
    PERFORM pg_notify('posduif_changes', '${flyway:defaultSchema}');
END
$fn$;

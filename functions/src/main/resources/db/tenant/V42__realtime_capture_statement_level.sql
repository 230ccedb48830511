-- Realtime hook on the change log, per statement instead of per row (sync, with the relay's
-- V41 semantics unchanged): every entry the capture path writes queues its scope keys
-- (removed = keys the row left, buckets = keys it is in) for the relay's out-of-band publisher,
-- unless the transaction marked itself with posduif.realtime_origin = 'functions' (it publishes
-- after commit on its own). Capture writes a whole statement's entries with one INSERT, so one
-- set-based insert and one NOTIFY per statement replace a plpgsql call per row.
DROP TRIGGER posduif_realtime ON ${flyway:defaultSchema}.posduif_changes;
DROP FUNCTION ${flyway:defaultSchema}.posduif_realtime_on_change();

CREATE FUNCTION ${flyway:defaultSchema}.posduif_realtime_on_changes() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF current_setting('posduif.realtime_origin', true) IS NOT DISTINCT FROM 'functions' THEN
        RETURN NULL;
    END IF;
    INSERT INTO ${flyway:defaultSchema}.posduif_realtime_pending (txid, bucket)
    SELECT DISTINCT pg_current_xact_id(), u.b
      FROM posduif_new n, unnest(n.removed || n.buckets) AS u(b)
     WHERE u.b IS NOT NULL
    ON CONFLICT DO NOTHING;
    IF EXISTS (SELECT 1 FROM posduif_new) THEN
        -- identical payloads within one transaction are folded by PostgreSQL: one wake-up per commit
        PERFORM pg_notify('posduif_changes', '${flyway:defaultSchema}');
    END IF;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER posduif_realtime AFTER INSERT ON ${flyway:defaultSchema}.posduif_changes
    REFERENCING NEW TABLE AS posduif_new
    FOR EACH STATEMENT EXECUTE FUNCTION ${flyway:defaultSchema}.posduif_realtime_on_changes();

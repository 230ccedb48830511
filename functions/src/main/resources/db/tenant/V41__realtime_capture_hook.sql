-- Realtime (relay developer): every entry the capture path writes to the change log also
-- queues its scope keys for the relay's out-of-band publisher (posduif_realtime_capture skips
-- transactions that functions announces itself). A trigger on the change log, so the capture
-- function itself (sync) needs no change: removed = keys the row left, buckets = keys it is in.
CREATE FUNCTION ${flyway:defaultSchema}.posduif_realtime_on_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM ${flyway:defaultSchema}.posduif_realtime_capture(NEW.removed, NEW.buckets);
    RETURN NULL;
END
$fn$;

CREATE TRIGGER posduif_realtime AFTER INSERT ON ${flyway:defaultSchema}.posduif_changes
    FOR EACH ROW EXECUTE FUNCTION ${flyway:defaultSchema}.posduif_realtime_on_change();

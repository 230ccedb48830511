-- posduif_capture (V30) stays for hand-written capture triggers. plpgsql plans its statements
-- once per connection and keeps the plans; made while the log was small, a lookup can be a
-- sequential scan that every later write on that connection repeats over the grown log. Its
-- lookups are all meant to be index probes (see CaptureTriggers, which sets the same).
ALTER FUNCTION ${flyway:defaultSchema}.posduif_capture(text, text, jsonb, jsonb, text[], text[]) SET enable_seqscan = off;

-- The conflict clock of a row moves into its change-log entry (posduif_changes.clock), written by
-- capture from what the push hands over in the transaction setting posduif.clocks.
--
-- Why: posduif_row_clocks cost every pushed row one more heap row, one more (tbl, pk) index
-- insert and two more jsonb index probes, about a fifth of a push's PostgreSQL time, and it grew
-- forever (tombstone clocks were never purged). The entry already exists once per row, is read
-- by the same probe that finds whether a device has seen the row, and is purged with the
-- tombstone retention like every other trace of a deleted row.
--
-- clock: JSON text [ts_micros, device_id, op_id, {field: [ts_micros, device_id, op_id]}];
-- NULL for writes of the web API or SQL, whose clock is their commit time (changed_at).
ALTER TABLE ${flyway:defaultSchema}.posduif_changes ADD COLUMN clock text;

UPDATE ${flyway:defaultSchema}.posduif_changes c
   SET clock = json_build_array((extract(epoch FROM m.ts) * 1000000)::bigint, m.device_id, m.op_id, m.field_clocks)::text
  FROM ${flyway:defaultSchema}.posduif_row_clocks m
 WHERE m.tbl = c.tbl AND m.pk = c.pk;

-- Clocks of rows without an entry (tombstones past retention, deletes of rows never held) go:
-- the retention is the documented horizon of a tombstone.
DROP TABLE ${flyway:defaultSchema}.posduif_row_clocks;

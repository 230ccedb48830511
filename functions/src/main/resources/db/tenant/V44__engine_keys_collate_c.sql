-- Engine text keys compare byte-wise. Under the database's default collation (often a libc
-- locale such as C.UTF-8 or en_US.UTF-8) every btree comparison of these columns went through
-- strcoll: about 7% of a push's PostgreSQL CPU. They are identifiers, table names and bucket
-- keys, only ever compared for equality or ordered for lock order, so byte order is all they
-- need. Only the collation changes: the indexes are rebuilt, the tables are not rewritten.
ALTER TABLE ${flyway:defaultSchema}.posduif_op_ledger
    ALTER COLUMN device_id TYPE text COLLATE "C",
    ALTER COLUMN op_id TYPE text COLLATE "C";
ALTER TABLE ${flyway:defaultSchema}.posduif_change_scope ALTER COLUMN bucket TYPE text COLLATE "C";
ALTER TABLE ${flyway:defaultSchema}.posduif_changes ALTER COLUMN tbl TYPE text COLLATE "C";
ALTER TABLE ${flyway:defaultSchema}.posduif_row_clocks ALTER COLUMN tbl TYPE text COLLATE "C";
ALTER TABLE ${flyway:defaultSchema}.posduif_sync_devices ALTER COLUMN device_id TYPE text COLLATE "C";
ALTER TABLE ${flyway:defaultSchema}.posduif_realtime_pending ALTER COLUMN bucket TYPE text COLLATE "C";

-- A push whose ops all applied, whose op ids are UUIDs in canonical text (lowercase, hyphens),
-- increase, and are all above every op id the device recorded before, is recorded in the op
-- ledger as one row (posduif_op_batches) instead of one row per op (posduif_op_ledger). The SDK
-- sends such batches (UUIDv7 ids, increasing per device), so this is nearly every push.
--
-- Why: a row per op was a heap row, a (device_id, op_id) index entry and their WAL for every
-- pushed row, about a tenth of a push's PostgreSQL time, and the table grew by a row per op
-- forever. A batch row holds the same facts: the op ids, and each op's payload hash.
--
-- posduif_sync_devices.op_mark is the highest op id (byte order) the device has recorded in
-- either table, maintained by every push in the transaction that records its ops. An op id
-- above the mark is certainly new; at or below it, the push looks it up in both tables. A push
-- changes the mark only if it is still the value the push read (or leaves the push's ops
-- unrecorded), so two deliveries that both took the same op for new cannot both commit.
CREATE TABLE ${flyway:defaultSchema}.posduif_op_batches (
    device_id   text COLLATE "C" NOT NULL,
    -- the batch's highest op id (its last): a batch row holds only ids above the mark before it,
    -- so batch rows never overlap, and the one that may hold an op id is the first whose last_op
    -- is at or above it
    last_op     text COLLATE "C" NOT NULL,
    -- uuid, not text: 16 bytes an id instead of 37, which keeps a batch of 100 small enough that
    -- PostgreSQL writes little more than the row (the row's size was most of its cost)
    op_ids      uuid[] NOT NULL,
    -- the ops' payload hashes: the first 16 bytes of each SHA-256 (posduif_op_ledger keeps all
    -- 32), in op_ids order. A device can only ever match its own op ids, so 128 bits are plenty.
    hashes      bytea NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, last_op),
    CHECK (octet_length(hashes) = 16 * cardinality(op_ids))
);

ALTER TABLE ${flyway:defaultSchema}.posduif_sync_devices ADD COLUMN op_mark text COLLATE "C";

-- every device with ledger rows gets its mark (a device row is written with every push's
-- ledger rows, but one written by some other path must not be left without a mark)
INSERT INTO ${flyway:defaultSchema}.posduif_sync_devices (device_id, op_mark)
SELECT l.device_id, max(l.op_id) FROM ${flyway:defaultSchema}.posduif_op_ledger l GROUP BY l.device_id
ON CONFLICT (device_id) DO UPDATE SET op_mark = EXCLUDED.op_mark;

-- Rows per op raise the mark whoever writes them: an instance still running the code from before
-- this migration (a rolling upgrade) records ops without knowing the mark, and a push that read
-- the mark before such a commit must not take those ops for new. The push's own finish statement
-- has already raised the mark to its ops when this runs, so for it this changes nothing.
CREATE FUNCTION ${flyway:defaultSchema}.posduif_op_ledger_mark() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO ${flyway:defaultSchema}.posduif_sync_devices AS sd (device_id, op_mark)
    SELECT n.device_id, max(n.op_id) FROM posduif_new n GROUP BY n.device_id
    ON CONFLICT (device_id) DO UPDATE SET op_mark = EXCLUDED.op_mark
    WHERE sd.op_mark IS NULL OR sd.op_mark < EXCLUDED.op_mark;
    RETURN NULL;
END
$fn$;
CREATE TRIGGER posduif_op_ledger_mark AFTER INSERT ON ${flyway:defaultSchema}.posduif_op_ledger
    REFERENCING NEW TABLE AS posduif_new FOR EACH STATEMENT EXECUTE FUNCTION ${flyway:defaultSchema}.posduif_op_ledger_mark();

-- Every recorded op, whichever table holds it: for operators and tests (a batch row's hashes are
-- the 32-hex-digit prefix of the op's hash). A push reads the two
-- tables itself (a batch row is found by its last_op, which a view over op_ids cannot use).
CREATE VIEW ${flyway:defaultSchema}.posduif_ops AS
SELECT l.device_id, l.op_id, l.payload_hash, l.status, l.code, l.message, l.recorded_at
  FROM ${flyway:defaultSchema}.posduif_op_ledger l
UNION ALL
SELECT b.device_id, u.op_id::text COLLATE "C", encode(substring(b.hashes FROM (u.i::int - 1) * 16 + 1 FOR 16), 'hex'), 'applied', NULL, NULL, b.recorded_at
  FROM ${flyway:defaultSchema}.posduif_op_batches b, unnest(b.op_ids) WITH ORDINALITY AS u(op_id, i);

-- Change capture (DESIGN.md "Change capture and the pull cursor"). Owner: sync.
--
-- The change log holds at most ONE entry per row (tbl, pk): every write replaces the row's
-- previous entry (inline compaction). That is not only about size: positions are ordered by
-- (txid, seq) and a transaction with a smaller txid can write a row after a larger one
-- committed; if both entries stayed, a device would apply the older data last. With one entry
-- per row the surviving entry always carries the latest committed state, and its position is
-- at or above pg_snapshot_xmin at the time of writing, i.e. above every cursor already served.

CREATE SEQUENCE ${flyway:defaultSchema}.posduif_change_seq;

CREATE TABLE ${flyway:defaultSchema}.posduif_changes (
    txid       xid8 NOT NULL DEFAULT pg_current_xact_id(),
    seq        bigint NOT NULL,
    tbl        text NOT NULL,
    pk         jsonb NOT NULL,
    deleted    boolean NOT NULL,
    -- the row in wire form as JSON text (rendered once at capture, served verbatim); NULL for deletes
    data       text,
    -- buckets the row is in now (empty for deletes)
    buckets    text[] NOT NULL,
    -- buckets the row left (since an entry older than the tombstone retention): holders get a removal
    removed    text[] NOT NULL,
    -- device whose push wrote it (transaction setting posduif.origin); NULL for web/SQL writes
    origin     text,
    changed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (txid, seq),
    CONSTRAINT posduif_changes_row_key UNIQUE (tbl, pk)
);
CREATE INDEX posduif_changes_tombstones ON ${flyway:defaultSchema}.posduif_changes (changed_at) WHERE deleted OR removed <> '{}';

-- One row per (bucket, entry): a device's scope is served by range scans per bucket key.
CREATE TABLE ${flyway:defaultSchema}.posduif_change_scope (
    bucket text NOT NULL,
    txid   xid8 NOT NULL,
    seq    bigint NOT NULL,
    PRIMARY KEY (bucket, txid, seq)
);

-- Log identity and horizon. log_id changes if the log is ever rebuilt, so old cursors reset.
CREATE TABLE ${flyway:defaultSchema}.posduif_sync_state (
    id           integer PRIMARY KEY CHECK (id = 1),
    log_id       bigint NOT NULL,
    horizon_txid xid8 NOT NULL DEFAULT '0'::xid8,
    horizon_seq  bigint NOT NULL DEFAULT 0
);
INSERT INTO ${flyway:defaultSchema}.posduif_sync_state (id, log_id)
VALUES (1, (floor(random() * 9.0e15))::bigint + 1);

-- Per device: the cursor it last presented (everything before it is applied on the device).
CREATE TABLE ${flyway:defaultSchema}.posduif_sync_devices (
    device_id    text PRIMARY KEY,
    cursor_txid  xid8 NOT NULL DEFAULT '0'::xid8,
    cursor_seq   bigint NOT NULL DEFAULT 0,
    last_pull_at timestamptz,
    last_push_at timestamptz
);

CREATE FUNCTION ${flyway:defaultSchema}.posduif_capture(p_table text, p_op text, p_pk jsonb, p_row jsonb,
                                                     p_old_buckets text[], p_new_buckets text[])
RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    prev    record;
    v_seq   bigint := nextval('${flyway:defaultSchema}.posduif_change_seq');
    v_txid  xid8 := pg_current_xact_id();
    v_new   text[];
    v_gone  text[];
    v_left  text[];
BEGIN
    IF p_op NOT IN ('INSERT', 'UPDATE', 'DELETE') THEN
        RAISE EXCEPTION 'posduif_capture: bad op %', p_op;
    END IF;
    v_new := CASE WHEN p_op = 'DELETE' THEN '{}'::text[] ELSE coalesce(p_new_buckets, '{}'::text[]) END;
    v_gone := coalesce(p_old_buckets, '{}'::text[]);

    DELETE FROM ${flyway:defaultSchema}.posduif_changes c
     WHERE c.tbl = p_table AND c.pk = p_pk
    RETURNING c.txid, c.seq, c.buckets, c.removed INTO prev;
    IF FOUND THEN
        DELETE FROM ${flyway:defaultSchema}.posduif_change_scope s
         WHERE s.bucket = ANY (prev.buckets || prev.removed) AND s.txid = prev.txid AND s.seq = prev.seq;
        -- holders of any bucket the row was in since its last served entry must still hear it left
        v_gone := v_gone || prev.buckets || prev.removed;
    END IF;
    IF v_gone = '{}'::text[] THEN
        v_left := '{}'::text[];
    ELSE
        SELECT coalesce(array_agg(DISTINCT b), '{}'::text[]) INTO v_left
          FROM unnest(v_gone) AS b WHERE b <> ALL (v_new);
    END IF;

    INSERT INTO ${flyway:defaultSchema}.posduif_changes (txid, seq, tbl, pk, deleted, data, buckets, removed, origin)
    VALUES (v_txid, v_seq, p_table, p_pk, p_op = 'DELETE',
            CASE WHEN p_op = 'DELETE' THEN NULL ELSE p_row::text END,
            v_new, v_left, nullif(current_setting('posduif.origin', true), ''));
    INSERT INTO ${flyway:defaultSchema}.posduif_change_scope (bucket, txid, seq)
    SELECT DISTINCT b, v_txid, v_seq FROM unnest(v_new || v_left) AS b;
END
$fn$;

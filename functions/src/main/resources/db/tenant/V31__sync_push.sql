-- Push: op ledger, conflict clocks, manual conflicts (DESIGN.md "Push"). Owner: sync.

-- (device, op_id) → payload hash and result: a replay answers "duplicate" and applies nothing,
-- the same op_id with another payload is OP_ID_REUSED. The primary key also serialises
-- concurrent replays: the second waits for the first to commit, then sees its row.
CREATE TABLE ${flyway:defaultSchema}.posduif_op_ledger (
    device_id    text NOT NULL,
    op_id        text NOT NULL,
    payload_hash text NOT NULL,
    status       text,
    code         text,
    message      text,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, op_id)
);

-- The clock of the last device write of a row: (client_ts, device, op_id), and per field for
-- field-lww. deleted = a tombstone that beats older upserts. Writes from the web API or SQL
-- have no row here; their clock is the change log's changed_at (origin NULL).
CREATE TABLE ${flyway:defaultSchema}.posduif_row_clocks (
    tbl          text NOT NULL,
    pk           jsonb NOT NULL,
    ts           timestamptz NOT NULL,
    device_id    text NOT NULL,
    op_id        text NOT NULL,
    field_clocks jsonb NOT NULL DEFAULT '{}'::jsonb,
    deleted      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tbl, pk)
);

-- Device writes parked by the manual policy until a web user resolves them.
CREATE TABLE ${flyway:defaultSchema}.posduif_conflicts (
    id           uuid PRIMARY KEY,
    tbl          text NOT NULL,
    pk           jsonb NOT NULL,
    op           text NOT NULL CHECK (op IN ('upsert', 'delete')),
    device_id    text NOT NULL,
    user_id      uuid NOT NULL,
    op_id        text NOT NULL,
    client_ts    timestamptz NOT NULL,
    client_row   jsonb,
    server_row   jsonb,
    status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    resolution   text CHECK (resolution IN ('server', 'client', 'merged')),
    resolved_by  uuid,
    resolved_at  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX posduif_conflicts_open ON ${flyway:defaultSchema}.posduif_conflicts (created_at) WHERE status = 'open';

-- Capture also tells the relay's out-of-band path (V40, posduif_realtime_capture) about
-- writes that functions does not announce itself; it returns at once for pushes.
CREATE OR REPLACE FUNCTION ${flyway:defaultSchema}.posduif_capture(p_table text, p_op text, p_pk jsonb, p_row jsonb,
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

    IF current_setting('posduif.realtime_origin', true) IS DISTINCT FROM 'functions' THEN
        PERFORM ${flyway:defaultSchema}.posduif_realtime_capture(v_left, v_new);
    END IF;
END
$fn$;

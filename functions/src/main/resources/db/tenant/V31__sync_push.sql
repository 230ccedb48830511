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

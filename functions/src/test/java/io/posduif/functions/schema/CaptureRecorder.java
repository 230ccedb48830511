package io.posduif.functions.schema;

import io.posduif.functions.db.Db;
import io.posduif.functions.tenant.TenantId;

import java.sql.Statement;

/**
 * Replaces the tenant's {@code posduif_capture} with one that records its arguments, so that
 * tests of trigger generation see exactly what the trigger passes (the real function belongs
 * to the sync feature and is tested there).
 */
final class CaptureRecorder {

    private CaptureRecorder() {
    }

    static void install(Db db, TenantId t) {
        db.withConnection(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS " + t.schema() + ".posduif_test_captured (seq bigserial, p_table text, p_op text, p_pk jsonb, "
                        + "p_row jsonb, p_old_buckets text[], p_new_buckets text[])");
                s.execute("DROP FUNCTION IF EXISTS " + t.schema() + ".posduif_capture(text, text, jsonb, jsonb, text[], text[]) CASCADE");
                s.execute("CREATE FUNCTION " + t.schema() + ".posduif_capture(p_table text, p_op text, p_pk jsonb, p_row jsonb, "
                        + "p_old_buckets text[], p_new_buckets text[]) RETURNS void LANGUAGE sql AS $$ INSERT INTO " + t.schema()
                        + ".posduif_test_captured (p_table, p_op, p_pk, p_row, p_old_buckets, p_new_buckets) VALUES "
                        + "(p_table, p_op, p_pk, p_row, p_old_buckets, p_new_buckets) $$");
            }
            return null;
        });
    }
}

package io.posduif.functions.tenant;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.support.StackTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest
class TenantCreationIsIdempotentAndIsolatedTest extends StackTest {

    @Inject
    Tenants tenants;

    @Test
    void creatingTwiceIsANoOpAndMigratesEngineTables() throws SQLException {
        TenantId id = new TenantId("idem_" + System.nanoTime() % 100000);
        assertTrue(tenants.create(id));
        assertFalse(tenants.create(id));
        assertTrue(tenants.list().stream().anyMatch(t -> t.id().equals(id.value())));
        try (Connection c = stack().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM information_schema.tables WHERE table_schema = '"
                     + id.schema() + "' AND table_name IN ('posduif_users','posduif_devices','posduif_schema_versions')")) {
            rs.next();
            assertEquals(3, rs.getInt(1));
        }
    }

    @Test
    void roleOfOneTenantCannotTouchAnotherTenantsSchema() throws SQLException {
        TenantId a = new TenantId("iso_a_" + System.nanoTime() % 100000);
        TenantId b = new TenantId("iso_b_" + System.nanoTime() % 100000);
        tenants.create(a);
        tenants.create(b);
        try (Connection c = stack().connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SET LOCAL ROLE " + a.role());
            s.executeQuery("SELECT count(*) FROM " + a.schema() + ".posduif_users").close();
            SQLException denied = assertThrows(SQLException.class,
                    () -> s.executeQuery("SELECT count(*) FROM " + b.schema() + ".posduif_users"));
            assertEquals("42501", denied.getSQLState(), "insufficient_privilege");
            c.rollback();
        }
    }

    @Test
    void dropNeedsTheTenantIdAsConfirmation() {
        TenantId id = new TenantId("drop_" + System.nanoTime() % 100000);
        tenants.create(id);
        assertThrows(IllegalArgumentException.class, () -> tenants.drop(id, "yes"));
        assertTrue(tenants.exists(id.value()));
        assertTrue(tenants.drop(id, id.value()));
        assertFalse(tenants.find(id.value()).isPresent());
    }

    @Test
    void invalidTenantIdsAreRefused() {
        for (String bad : new String[]{"", "A", "1abc", "a-b", "a\"b", "x; drop schema public", "a".repeat(41)}) {
            assertThrows(IllegalArgumentException.class, () -> new TenantId(bad), bad);
        }
    }
}

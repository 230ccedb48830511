package io.posduif.functions.tables;

import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.schema.SchemaApplier;
import io.posduif.functions.schema.SchemaParser;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The attacker is a logged-in web user of tenant A who tries to reach other tables, other
 * tenants' schemas and the engine's own tables through the names the tables API accepts.
 */
@MicronautTest
class TablesApiResistsIdentifierInjectionTest extends StackTest {

    static final Argument<Map<String, Object>> MAP = Argument.mapOf(String.class, Object.class);
    static final String SCHEMA = """
            tables:
              items:
                sync: web-only
                columns:
                  id: { type: integer, primary_key: true }
                  name: { type: text }
                  secret_note: { type: text }
            """;

    @Inject
    @Client("/")
    HttpClient http;
    @Inject
    Fixtures fixtures;
    @Inject
    SchemaApplier applier;

    TenantId a;
    TenantId b;
    Fixtures.User attacker;

    @BeforeAll
    void setUp() throws Exception {
        a = fixtures.newTenant("inja");
        b = fixtures.newTenant("injb");
        applier.apply(a, SchemaParser.parse("a.yaml", SCHEMA), false, "test");
        applier.apply(b, SchemaParser.parse("b.yaml", SCHEMA), false, "test");
        try (Connection c = stack().connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO " + a.schema() + ".items VALUES (1, 'mine', 'a')");
            s.execute("INSERT INTO " + b.schema() + ".items VALUES (1, 'theirs', 'TENANT-B-SECRET')");
        }
        attacker = fixtures.webUser(a);
    }

    private HttpClientResponseException fails(URI uri) {
        return assertThrows(HttpClientResponseException.class,
                () -> http.toBlocking().exchange(HttpRequest.GET(uri).bearerAuth(attacker.token()), String.class), uri.toString());
    }

    @SuppressWarnings("unchecked")
    private static String code(HttpClientResponseException e) {
        return (String) ((Map<String, Object>) e.getResponse().getBody(MAP).orElseThrow().get("error")).get("code");
    }

    @Test
    void craftedTableNamesAreUnknown() throws Exception {
        for (String table : List.of("posduif_users", "posduif_devices", "posduif_schema_versions", "posduif_changes",
                b.schema() + ".items", "\"items\"", "ITEMS", "items;drop table items", "items--", "іtems" /* Cyrillic і */,
                "items\u0000", "items ", "..", "pg_catalog.pg_tables", "information_schema.tables", "items\"; DROP TABLE items; --")) {
            URI uri = URI.create("/api/tables/" + segment(table) + "/rows");
            HttpClientResponseException e;
            try {
                e = fails(uri);
            } catch (AssertionError notEvenRouted) {
                throw new AssertionError("request for table " + table + " succeeded", notEvenRouted);
            }
            assertTrue(e.getStatus().getCode() >= 400 && e.getStatus().getCode() < 500, table + " → " + e.getStatus());
            assertFalse(e.getResponse().getBody(String.class).orElse("").contains("TENANT-B-SECRET"));
            if (e.getStatus() == HttpStatus.NOT_FOUND && e.getResponse().getBody(String.class).orElse("").contains("\"code\"")) {
                assertTrue(List.of("UNKNOWN_TABLE", "NOT_FOUND").contains(code(e)), table + ": " + code(e));
            }
        }
        assertTablesIntact();
    }

    @Test
    void craftedColumnNamesSortsAndOperatorsAreRefused() throws Exception {
        List<String> queries = List.of(
                "sort=id;drop table items", "sort=id desc", "sort=\"secret_note\"", "sort=(select 1)", "sort=1", "sort=-",
                "sort=name,secret_note;--", "sort=іd",
                "where.\"name\"=x", "where.name or 1=1=x", "where.id;drop table items=1", "where.name.eq;drop=x",
                "where.іd=1", "where.posduif_users.id=1",  "where.xmin=1", "where.ctid=1", "where.tableoid=1");
        for (String q : queries) {
            URI uri = URI.create("/api/tables/items/rows?" + encodeQuery(q));
            HttpClientResponseException e = fails(uri);
            assertEquals(HttpStatus.BAD_REQUEST, e.getStatus(), q);
            assertTrue(List.of("UNKNOWN_COLUMN", "INVALID_VALUE", "VALIDATION_ERROR").contains(code(e)), q + ": " + code(e));
        }
        // values are bound, never spliced: a quote in a value is just a value
        Map<String, Object> page = http.toBlocking().retrieve(HttpRequest.GET(URI.create("/api/tables/items/rows?" + "where.name=" + segment("mine' OR '1'='1")))
                .bearerAuth(attacker.token()), MAP);
        assertEquals(0, ((List<?>) page.get("rows")).size());
        Map<String, Object> in = http.toBlocking().retrieve(HttpRequest.GET(URI.create("/api/tables/items/rows?" + "where.name.in=" + segment("a'),('b")))
                .bearerAuth(attacker.token()), MAP);
        assertEquals(0, ((List<?>) in.get("rows")).size());
        assertTablesIntact();
    }

    @Test
    void anotherTenantsRowsAreNotReachable() {
        Map<String, Object> page = http.toBlocking().retrieve(HttpRequest.GET("/api/tables/items/rows").bearerAuth(attacker.token()), MAP);
        assertEquals(1, ((List<?>) page.get("rows")).size());
        assertFalse(page.toString().contains("TENANT-B-SECRET"));
        // a body naming the other schema is just an unknown column
        HttpClientResponseException e = assertThrows(HttpClientResponseException.class, () -> http.toBlocking().exchange(
                HttpRequest.POST("/api/tables/items/rows", Map.of("id", 2, b.schema() + ".items.name", "x")).bearerAuth(attacker.token()), String.class));
        assertEquals("UNKNOWN_COLUMN", code(e));
        HttpClientResponseException e2 = assertThrows(HttpClientResponseException.class, () -> http.toBlocking().exchange(
                HttpRequest.POST("/api/tables/items/rows", Map.of("id", 3, "\"name\"", "x")).bearerAuth(attacker.token()), String.class));
        assertEquals("UNKNOWN_COLUMN", code(e2));
    }

    static String segment(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String encodeQuery(String q) {
        int eq = q.lastIndexOf('=');
        String name = q.substring(0, eq);
        String value = q.substring(eq + 1);
        return java.net.URLEncoder.encode(name, java.nio.charset.StandardCharsets.UTF_8) + "="
                + java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8);
    }

    private void assertTablesIntact() throws Exception {
        try (Connection c = stack().connect(); Statement s = c.createStatement()) {
            for (TenantId t : List.of(a, b)) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + t.schema() + ".items")) {
                    rs.next();
                    assertEquals(1, rs.getInt(1), t.value());
                }
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + t.schema() + ".posduif_users")) {
                    rs.next();
                    assertEquals(t.equals(a) ? 1 : 0, rs.getInt(1), "engine tables untouched in " + t.value());
                }
            }
        }
    }
}

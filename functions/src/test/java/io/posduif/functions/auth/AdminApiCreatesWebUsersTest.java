package io.posduif.functions.auth;

import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.support.Api;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

@MicronautTest
class AdminApiCreatesWebUsersTest extends StackTest {

    @Inject
    @Client("/")
    HttpClient client;
    @Inject
    Fixtures fixtures;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("posduif.rate-limit.enabled", "false");
    }

    @Test
    void adminCreatesUsersInItsOwnTenantWhoCanSignIn() {
        Api api = new Api(client);
        TenantId tenant = fixtures.newTenant("adm");
        Fixtures.User admin = fixtures.webUser(tenant, "admin", "web");
        Api.Resp created = api.post("/api/admin/users", Map.of("username", "clerk", "password", "clerk password"), admin.token());
        assertEquals(201, created.status(), created.toString());
        assertEquals(List.of("web"), created.body().get("roles"));
        Api.Resp second = api.post("/api/admin/users", Map.of("username", "boss2", "password", "boss password", "admin", true), admin.token());
        assertEquals(List.of("admin", "web"), second.body().get("roles"));

        Api.Resp login = api.post("/api/auth/login", Map.of("username", "clerk", "password", "clerk password", "tenant", tenant.value()), null);
        assertEquals(200, login.status(), login.toString());
        Api.Resp clerkTries = api.post("/api/admin/users", Map.of("username", "x", "password", "password123"), login.str("token"));
        assertEquals(403, clerkTries.status());
        assertEquals("FORBIDDEN", clerkTries.code());

        assertEquals("USERNAME_TAKEN", api.post("/api/admin/users", Map.of("username", "clerk", "password", "another one"), admin.token()).code());
        assertEquals("VALIDATION_ERROR", api.post("/api/admin/users", Map.of("username", "short", "password", "1234567"), admin.token()).code());
        assertEquals("VALIDATION_ERROR", api.post("/api/admin/users", Map.of("username", " ", "password", "long enough"), admin.token()).code());
        assertEquals("VALIDATION_ERROR", api.post("/api/admin/users", Map.of("password", "long enough"), admin.token()).code());
        assertEquals(401, api.post("/api/admin/users", Map.of("username", "anon", "password", "long enough"), null).status());
    }
}

package io.posduif.functions.tenant;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.support.RawHttp;
import io.posduif.functions.support.StackTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.posduif.functions.support.RawHttp.bearer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

@MicronautTest
class AdminApiIsAbsentWithoutOperatorTokenTest extends StackTest {

    @Inject
    EmbeddedServer server;
    @Inject
    Tenants tenants;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("posduif.admin.token", "");
    }

    @Test
    void everyAdminCallIs404WhatEverTheToken() {
        RawHttp http = new RawHttp(server.getURI());
        for (Map<String, String> h : java.util.List.<Map<String, String>>of(Map.of(), bearer(""), bearer("anything"))) {
            RawHttp.Response r = http.postJson("/api/admin/tenants", h, "{\"id\":\"absent_admin\"}");
            assertEquals(404, r.status(), r.text());
            assertEquals("NOT_FOUND", http.errorCode(r));
            assertEquals(404, http.get("/api/admin/tenants", h).status());
        }
        assertFalse(tenants.exists("absent_admin"));
    }
}

package io.posduif.functions.enrollment;

import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.support.Api;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;

@MicronautTest
class ConcurrentCompletionOfOneTokenHasOneWinnerTest extends StackTest {

    static final int DEVICES = 8;

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
    void exactlyOneOfManySimultaneousCompletionsSucceeds() throws Exception {
        Api api = new Api(client);
        TenantId tenant = fixtures.newTenant("race");
        Fixtures.User web = fixtures.webUser(tenant);
        for (int round = 0; round < 3; round++) {
            String token = api.post("/api/enrollment/create", Map.of(), web.token()).str("token");
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(DEVICES);
            List<Future<Api.Resp>> results = new ArrayList<>();
            for (int i = 0; i < DEVICES; i++) {
                String deviceId = "racer-" + round + "-" + i;
                results.add(pool.submit(() -> {
                    start.await();
                    return api.post("/api/enrollment/complete", Map.of("token", token, "device_id", deviceId, "username", deviceId), null);
                }));
            }
            start.countDown();
            int won = 0;
            int used = 0;
            for (Future<Api.Resp> f : results) {
                Api.Resp r = f.get();
                if (r.status() == 200) {
                    won++;
                } else if (r.status() == 400 && "ENROLLMENT_USED".equals(r.code())) {
                    used++;
                } else {
                    throw new AssertionError("unexpected answer " + r);
                }
            }
            pool.shutdown();
            assertEquals(1, won, "round " + round);
            assertEquals(DEVICES - 1, used);
            try (Connection c = stack().connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM " + tenant.schema() + ".posduif_devices WHERE device_id LIKE 'racer-" + round + "-%'")) {
                rs.next();
                assertEquals(1, rs.getInt(1), "one device row, the losers left nothing");
            }
        }
    }
}

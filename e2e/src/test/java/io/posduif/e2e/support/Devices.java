package io.posduif.e2e.support;

import io.posduif.client.Backoff;
import io.posduif.client.DeviceInfo;
import io.posduif.client.PosduifDevice;
import io.posduif.client.sim.WebSession;
import io.posduif.client.transport.HttpTransport;
import io.posduif.client.transport.UnreliableTransport;
import io.posduif.functions.auth.WebUsers;
import io.posduif.functions.tenant.TenantId;

import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

/** Real devices (SQLite files, real HTTP) for a tenant, enrolled the way a phone does it. */
public final class Devices {
    private Devices() {
    }

    /** A device, its network (for going offline and losing acknowledgements) and its user. */
    public record Device(PosduifDevice sdk, UnreliableTransport network, String username) implements AutoCloseable {
        @Override
        public void close() {
            sdk.close();
        }
    }

    /** Creates a web user with a password and logs it in over HTTP. */
    public static WebSession webLogin(E2eServer server, TenantId tenant) throws Exception {
        String username = "web_" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        server.bean(WebUsers.class).create(tenant, username, password, true);
        return WebSession.login(server.url(), username, password, tenant.value());
    }

    /** Enrolls a device as {@code username} from the QR PNG the server renders. */
    public static Device enrollFromPng(E2eServer server, WebSession web, String username, Path dir, long seed) throws Exception {
        UnreliableTransport network = new UnreliableTransport(new HttpTransport(), seed);
        PosduifDevice sdk = PosduifDevice.open(dir.resolve(username + "-" + UUID.randomUUID() + ".db"),
                PosduifDevice.Options.defaults().withTransport(network)
                        .withBackoff(new Backoff(Duration.ofMillis(20), Duration.ofMillis(200), 2)));
        String token = web.createEnrollment(username).path("token").asText();
        sdk.enrollFromQrPng(web.qrPng(token), username, DeviceInfo.jvm());
        return new Device(sdk, network, username);
    }

    /** Enrolls from the QR payload (what a scanner hands over), quicker than rendering images. */
    public static Device enroll(E2eServer server, WebSession web, String username, Path dir, long seed) throws Exception {
        UnreliableTransport network = new UnreliableTransport(new HttpTransport(), seed);
        PosduifDevice sdk = PosduifDevice.open(dir.resolve(username + "-" + UUID.randomUUID() + ".db"),
                PosduifDevice.Options.defaults().withTransport(network).withBackoff(Backoff.NONE));
        sdk.enroll(web.createEnrollmentPayload(username), username, DeviceInfo.jvm());
        return new Device(sdk, network, username);
    }
}

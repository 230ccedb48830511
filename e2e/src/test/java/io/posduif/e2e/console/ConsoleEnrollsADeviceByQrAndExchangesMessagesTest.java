package io.posduif.e2e.console;

import io.posduif.client.DeviceInfo;
import io.posduif.client.OpResult;
import io.posduif.client.SyncListener;
import io.posduif.client.SyncReport;
import io.posduif.client.PosduifDevice;
import io.posduif.client.QrCodes;
import io.posduif.client.QrPayload;
import io.posduif.functions.tenant.TenantId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console's main journey in a real Chromium: an admin signs in, creates an enrollment, a
 * device reads the QR code off the screen and enrolls with the Java client, the console shows
 * the device, and messages travel both ways.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(ScreenshotOnFailure.class)
class ConsoleEnrollsADeviceByQrAndExchangesMessagesTest implements ScreenshotOnFailure.HasBrowser {

    private static final String PASSWORD = "correct horse battery staple";

    ConsoleStack stack;
    Browser browser;
    TenantId tenant;
    String admin;
    UUID adminId;
    PosduifDevice device;
    QrPayload scanned;
    final List<OpResult> refused = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public Browser browser() {
        return browser;
    }

    @BeforeAll
    void start() {
        stack = ConsoleStack.start();
        tenant = stack.newTenant("console");
        admin = "admin_" + System.nanoTime() % 100000;
        adminId = stack.webUser(tenant, admin, PASSWORD, true);
        // the product's demo data model: messages between web and mobile users, among others
        stack.applySchema(tenant, Path.of("..", "infra", "tenants", "demo.yaml"));
        stack.startRelay();
        browser = Browser.start(1280, 900);
    }

    @AfterAll
    void stop() {
        if (device != null) {
            device.close();
        }
        if (browser != null) {
            browser.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    @Order(1)
    void adminSignsInAndCreatesAnEnrollmentWithQrAndExpiry() {
        browser.driver.get(stack.baseUrl + "/");
        browser.await(ExpectedConditions.visibilityOfElementLocated(By.id("sign-in")));
        WebElement tenantField = browser.find("#tenant");
        tenantField.clear();
        tenantField.sendKeys(tenant.value());
        browser.find("#username").sendKeys(admin);
        browser.find("#password").sendKeys(PASSWORD);
        browser.find("#sign-in").click();
        browser.await(ExpectedConditions.textToBe(By.id("whoami"), admin));
        // the console's live stream to the relay (cross-origin fetch with the web token) is up
        browser.await(ExpectedConditions.attributeToBe(By.id("live-status"), "data-state", "open"));

        browser.find("#nav-enroll").click();
        browser.await(ExpectedConditions.elementToBeClickable(By.id("create-enrollment"))).click();
        browser.await(d -> Boolean.TRUE.equals(browser.js(
                "const i = document.getElementById('enrollment-qr'); return !!i && i.complete && i.naturalWidth > 0;")));
        assertEquals("waiting", browser.find("#enrollment-status").getDomAttribute("data-state"));
        String countdown = browser.find("#enrollment-countdown").getText();
        assertTrue(countdown.startsWith("in "), "expiry countdown shown: " + countdown);
        assertTrue(!browser.find("#enrollment-expires").getText().isBlank(), "absolute expiry shown");
    }

    @Test
    @Order(2)
    void deviceReadsTheQrFromTheScreenAndEnrollsWithTheJavaClient() throws Exception {
        byte[] png = browser.screenshotPng();
        Files.createDirectories(Browser.SCREENSHOTS);
        Files.write(Browser.SCREENSHOTS.resolve("console-enrollment-qr.png"), png);

        String text;
        try {
            text = Qr.decode(png);
        } catch (java.io.IOException misread) {
            // zxing's general detector misplaces its sampling grid on about 1 in 80 perfectly drawn
            // codes (see QrCodes in the SDK); a phone simply takes the next frame. Here: the code's
            // own pixels on the page, read as the SDK reads an image that is the code alone.
            byte[] code = browser.find("#enrollment-qr").getScreenshotAs(org.openqa.selenium.OutputType.BYTES);
            Files.write(Browser.SCREENSHOTS.resolve("console-enrollment-qr-element.png"), code);
            text = QrCodes.decodeText(javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(code)));
        }
        scanned = QrPayload.parse(text);
        assertEquals(browser.find("#enrollment-token").getText(), scanned.token(), "the QR carries the token shown");
        assertEquals(tenant.value(), scanned.tenantId());

        device = PosduifDevice.inMemory(PosduifDevice.Options.defaults().withBaseUrl(stack.baseUrl));
        device.addListener(new SyncListener() {
            @Override
            public void onOpResult(OpResult result) {
                refused.add(result);
            }
        });
        device.enroll(scanned, "alice_" + System.nanoTime() % 100000, DeviceInfo.jvm());
        assertTrue(device.isEnrolled());
        assertNotNull(device.deviceId());
    }

    @Test
    @Order(3)
    void theEnrollmentFlipsToEnrolledLiveAndTheDeviceAppears() {
        browser.await(ExpectedConditions.attributeToBe(By.id("enrollment-status"), "data-state", "enrolled"));
        // the relay's device_enrolled names the device; the fallback poll could not
        assertTrue(browser.find("#enrollment-status").getText().contains(device.deviceId()),
                "flipped by the live device_enrolled event: " + browser.find("#enrollment-status").getText());
        browser.screenshot("console-enrolled");

        browser.find("#nav-users").click();
        browser.await(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("tr[data-user-id='" + device.userId() + "']")));

        browser.find("#nav-devices").click();
        WebElement row = browser.await(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("tr[data-device-id='" + device.deviceId() + "']")));
        assertTrue(row.getText().contains(device.deviceId()));
        browser.screenshot("console-devices");
    }

    @Test
    @Order(4)
    void aMessageToTheDeviceGoesPendingSyncThenSyncedThenReadLive() throws Exception {
        browser.find("#nav-messages").click();
        WebElement contact = browser.await(ExpectedConditions.elementToBeClickable(
                By.cssSelector("#contacts button[data-user-id='" + device.userId() + "']")));
        contact.click();
        WebElement input = browser.await(ExpectedConditions.elementToBeClickable(By.id("message-input")));
        String text = "Hello from the console " + System.nanoTime() % 10000;
        input.sendKeys(text);
        input.sendKeys(org.openqa.selenium.Keys.ENTER);

        String bubble = "#thread li.bubble.out";
        browser.await(ExpectedConditions.attributeToBe(By.cssSelector(bubble), "data-status", "pending_sync"));
        String messageId = browser.find(bubble).getDomAttribute("data-message-id");
        assertEquals(text, browser.find(bubble + " .text").getText());

        device.sync();
        ObjectNode received = device.rows("messages").stream()
                .filter(r -> messageId.equals(r.path("id").asText())).findFirst().orElseThrow();
        assertEquals(text, received.path("content").asText(), "the device pulled the message");
        browser.await(ExpectedConditions.attributeToBe(By.cssSelector(bubble), "data-status", "synced"));

        Map<String, Object> read = new LinkedHashMap<>();
        read.put("id", messageId);
        read.put("status", "read");
        read.put("read_at", Instant.now().toString());
        device.update("messages", read);
        SyncReport pushed = device.sync();
        assertEquals(1, pushed.applied(), "the read receipt was applied: " + pushed + " " + refused);
        browser.await(ExpectedConditions.attributeToBe(By.cssSelector(bubble), "data-status", "read"));
        assertEquals("Read", browser.find(bubble + " .status").getText());
        browser.screenshot("console-message-read");
    }

    @Test
    @Order(5)
    void aReplyFromTheDeviceArrivesLiveWithAnUnreadBadge() throws Exception {
        browser.find("#nav-users").click();
        browser.await(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-user-id='" + device.userId() + "']")));
        assertTrue(!browser.find("#unread-badge").isDisplayed(), "nothing unread yet");

        String reply = "Reply from the phone " + System.nanoTime() % 10000;
        String replyId = UUID.randomUUID().toString();
        String now = Instant.now().toString();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", replyId);
        row.put("sender_id", device.userId());
        row.put("recipient_id", adminId.toString());
        row.put("content", reply);
        row.put("status", "pending_sync");
        row.put("created_at", now);
        row.put("updated_at", now);
        device.insert("messages", row);
        SyncReport pushed = device.sync();
        assertEquals(1, pushed.applied(), "the reply was applied: " + pushed + " " + refused);

        WebElement badge = browser.await(ExpectedConditions.visibilityOfElementLocated(By.id("unread-badge")));
        assertEquals("1", badge.getText(), "new_message's unread count");
        browser.screenshot("console-unread-badge");

        browser.find("#nav-messages").click();
        browser.await(ExpectedConditions.elementToBeClickable(
                By.cssSelector("#contacts button[data-user-id='" + device.userId() + "']"))).click();
        WebElement in = browser.await(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#thread li.bubble.in[data-message-id='" + replyId + "']")));
        assertEquals(reply, in.findElement(By.cssSelector(".text")).getText());
        // reading it on screen marks it read: the badge goes and the phone learns it on its next pull
        browser.await(ExpectedConditions.invisibilityOfElementLocated(By.id("unread-badge")));
        browser.await(d -> {
            try {
                device.sync();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return device.rows("messages").stream().anyMatch(r -> replyId.equals(r.path("id").asText())
                    && "read".equals(r.path("status").asText()));
        });
        browser.screenshot("console-conversation");
    }

    @Test
    @Order(6)
    void presenceFlipsOnlineAndOfflineLiveAsTheDeviceConnects() {
        browser.find("#nav-users").click();
        String status = "tr[data-user-id='" + device.userId() + "'] [data-online]";
        browser.await(ExpectedConditions.attributeToBe(By.cssSelector(status), "data-online", "false"));

        device.start(); // opens the device's SSE stream to the relay: presence online
        browser.await(ExpectedConditions.attributeToBe(By.cssSelector(status), "data-online", "true"));
        assertEquals("Online", browser.find(status).getText());
        browser.screenshot("console-user-online");

        device.stop(); // stream closed: presence offline, last seen set
        browser.await(ExpectedConditions.attributeToBe(By.cssSelector(status), "data-online", "false"));
        String lastSeen = browser.find("tr[data-user-id='" + device.userId() + "'] td[data-label='Last seen']").getText();
        assertTrue(!lastSeen.equals("never"), "last seen recorded: " + lastSeen);
    }

    @Test
    @Order(7)
    void theSchemaViewShowsTablesSyncModesFiltersAndVersion() {
        browser.find("#nav-schema").click();
        browser.await(ExpectedConditions.textToBe(By.id("schema-version"), "1"));
        WebElement messages = browser.find("article[data-table='messages']");
        assertTrue(messages.getText().contains("mobile-synced"), messages.getText());
        assertTrue(messages.getText().contains("sender_id = :user_id OR recipient_id = :user_id"), messages.getText());
        assertTrue(browser.find("article[data-table='drafts']").getText().contains("mobile-only"));
        assertTrue(browser.find("article[data-table='inventory_counts']").getText().contains("conflict: manual"));
    }

    @Test
    @Order(8)
    void aManualConflictFromTheDeviceIsResolvedInTheConsole() throws Exception {
        String schema = tenant.schema();
        String sku = "sku-" + System.nanoTime() % 100000;
        try (java.sql.Connection c = io.posduif.devstack.EmbeddedStack.shared().connect();
             java.sql.Statement st = c.createStatement()) {
            // the device's user counts stock at location A1 (inventory_counts: location IN :user.locations)
            st.executeUpdate("UPDATE \"" + schema + "\".posduif_users SET attributes = '{\"locations\": [\"A1\"]}'::jsonb"
                    + " WHERE id = '" + device.userId() + "'");
            st.executeUpdate("INSERT INTO \"" + schema + "\".inventory_counts (location, sku, quantity) VALUES ('A1', '" + sku + "', 5)");
        }
        device.sync();
        assertTrue(device.rows("inventory_counts").stream().anyMatch(r -> sku.equals(r.path("sku").asText())),
                "the device pulled the row in its scope");
        try (java.sql.Connection c = io.posduif.devstack.EmbeddedStack.shared().connect();
             java.sql.Statement st = c.createStatement()) {
            // the office recounts meanwhile
            st.executeUpdate("UPDATE \"" + schema + "\".inventory_counts SET quantity = 6 WHERE location = 'A1' AND sku = '" + sku + "'");
        }
        Map<String, Object> recount = new LinkedHashMap<>();
        recount.put("location", "A1");
        recount.put("sku", sku);
        recount.put("quantity", 9);
        device.update("inventory_counts", recount);
        SyncReport pushed = device.sync();
        assertEquals(1, pushed.conflicts(), "manual policy parks the device's version: " + pushed + " " + refused);

        browser.find("#nav-conflicts").click();
        WebElement card = browser.await(ExpectedConditions.presenceOfElementLocated(
                By.xpath("//article[@data-conflict-id][.//code[contains(., '" + sku + "')]]")));
        String shown = card.getText().toLowerCase(java.util.Locale.ROOT); // headings are upper-cased by CSS
        assertTrue(shown.contains("server version (kept)") && shown.contains("device version"), shown);
        List<String> marked = card.findElements(By.cssSelector("tr.diff th")).stream().map(WebElement::getText).distinct().toList();
        assertEquals(List.of("quantity"), marked, "only the field both versions have and disagree on is marked");
        browser.screenshot("console-conflict");
        card.findElement(By.xpath(".//button[normalize-space()='Use device version']")).click();
        browser.await(ExpectedConditions.numberOfElementsToBe(
                By.xpath("//article[@data-conflict-id][.//code[contains(., '" + sku + "')]]"), 0));
        try (java.sql.Connection c = io.posduif.devstack.EmbeddedStack.shared().connect();
             java.sql.Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SELECT quantity FROM \"" + schema + "\".inventory_counts"
                     + " WHERE location = 'A1' AND sku = '" + sku + "'")) {
            assertTrue(rs.next());
            assertEquals(9, rs.getInt(1), "the device's count won by the web user's decision");
        }
    }

    @Test
    @Order(9)
    void revokingTheDeviceFromTheConsoleStopsItsSync() {
        browser.find("#nav-devices").click();
        WebElement revoke = browser.await(ExpectedConditions.elementToBeClickable(
                By.cssSelector("button[aria-label='Revoke device " + device.deviceId() + "']")));
        revoke.click();
        WebElement dialog = browser.await(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("dialog[open]")));
        assertEquals("Cancel", browser.driver.switchTo().activeElement().getText(), "the safe choice has focus");
        // keyboard only: Tab to the confirm button and press Enter
        new org.openqa.selenium.interactions.Actions(browser.driver).sendKeys(org.openqa.selenium.Keys.TAB).perform();
        assertEquals("Revoke device", browser.driver.switchTo().activeElement().getText());
        new org.openqa.selenium.interactions.Actions(browser.driver).sendKeys(org.openqa.selenium.Keys.ENTER).perform();
        browser.await(ExpectedConditions.invisibilityOf(dialog));

        String row = "tr[data-device-id='" + device.deviceId() + "']";
        browser.await(ExpectedConditions.numberOfElementsToBe(By.cssSelector(row), 0));
        browser.find("#show-revoked").click();
        assertTrue(browser.await(ExpectedConditions.presenceOfElementLocated(By.cssSelector(row))).getText().contains("Revoked"));

        org.junit.jupiter.api.Assertions.assertThrows(io.posduif.client.ApiException.class, device::sync,
                "a revoked device cannot sync");
    }
}

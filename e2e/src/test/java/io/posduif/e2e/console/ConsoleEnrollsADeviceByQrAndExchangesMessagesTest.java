package io.posduif.e2e.console;

import io.posduif.client.DeviceInfo;
import io.posduif.client.PosduifDevice;
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
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

import java.nio.file.Files;
import java.nio.file.Path;

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
    PosduifDevice device;
    QrPayload scanned;

    @Override
    public Browser browser() {
        return browser;
    }

    @BeforeAll
    void start() {
        stack = ConsoleStack.start();
        tenant = stack.newTenant("console");
        admin = "admin_" + System.nanoTime() % 100000;
        stack.webUser(tenant, admin, PASSWORD, true);
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

        String text = Qr.decode(png);
        scanned = QrPayload.parse(text);
        assertEquals(browser.find("#enrollment-token").getText(), scanned.token(), "the QR carries the token shown");
        assertEquals(tenant.value(), scanned.tenantId());

        device = PosduifDevice.inMemory(PosduifDevice.Options.defaults().withBaseUrl(stack.baseUrl));
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
}

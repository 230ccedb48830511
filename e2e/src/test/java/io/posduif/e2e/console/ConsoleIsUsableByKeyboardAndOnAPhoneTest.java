package io.posduif.e2e.console;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * People-facing qualities that break silently: every control has a label, the keyboard reaches
 * everything in a sensible order, and a phone-sized screen needs no sideways scrolling.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(ScreenshotOnFailure.class)
class ConsoleIsUsableByKeyboardAndOnAPhoneTest implements ScreenshotOnFailure.HasBrowser {

    /** Controls without an accessible name, as the page sees them. */
    static final String UNLABELLED = """
            const bad = [];
            for (const el of document.querySelectorAll('input, textarea, select, button, a[href]')) {
              if (el.type === 'hidden' || el.closest('[hidden]')) continue;
              const named = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label')
                || el.getAttribute('aria-labelledby') || (el.textContent || '').trim() || el.getAttribute('title');
              if (!named) bad.push(el.outerHTML.slice(0, 120));
            }
            return bad;""";

    private static final String PASSWORD = "a long enough password 42";

    ConsoleStack stack;
    Browser browser;
    io.posduif.functions.tenant.TenantId tenant;
    String user;

    @Override
    public Browser browser() {
        return browser;
    }

    @BeforeAll
    void start() {
        stack = ConsoleStack.start();
        tenant = stack.newTenant("usable");
        user = "web_" + System.nanoTime() % 100000;
        stack.webUser(tenant, user, PASSWORD, true);
        stack.applySchema(tenant, java.nio.file.Path.of("..", "infra", "tenants", "demo.yaml"));
        browser = Browser.start(1280, 900);
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    private void openFresh() {
        browser.driver.get(stack.baseUrl + "/");
        browser.js("sessionStorage.clear(); localStorage.clear();");
        browser.driver.navigate().refresh();
        browser.await(ExpectedConditions.visibilityOfElementLocated(By.id("sign-in")));
    }

    @Test
    void signInFormHasLabelledControlsAndTheKeyboardWalksIt() {
        browser.driver.manage().window().setSize(new Dimension(1280, 900));
        openFresh();
        @SuppressWarnings("unchecked")
        List<String> unlabelled = (List<String>) browser.js(UNLABELLED);
        assertEquals(List.of(), unlabelled, "controls without a label");
        assertEquals("Tenant", browser.driver.findElement(By.cssSelector("label[for=tenant]")).getText());

        // the first Tab stop is the skip link; then tenant, username, password, the button
        String first = browser.driver.switchTo().activeElement().getDomAttribute("id");
        assertTrue(List.of("tenant", "username").contains(first), "the form starts focused on its first empty field: " + first);
        browser.find("#tenant").click();
        Actions keys = new Actions(browser.driver);
        keys.keyDown(Keys.SHIFT).sendKeys(Keys.TAB).keyUp(Keys.SHIFT).perform();
        WebElement skip = browser.driver.switchTo().activeElement();
        assertEquals("#main", skip.getDomAttribute("href"), "the only Tab stop before the form is the skip link");
        assertTrue(skip.isDisplayed() && skip.getRect().getY() >= 0, "the skip link shows when focused");
        String[] order = {"tenant", "username", "password", "sign-in"};
        for (String id : order) {
            keys.sendKeys(Keys.TAB).perform();
            assertEquals(id, browser.driver.switchTo().activeElement().getDomAttribute("id"), "tab order");
        }
    }

    @Test
    void submittingEmptyFieldsExplainsWhatIsMissingWithoutCallingTheServer() {
        browser.driver.manage().window().setSize(new Dimension(1280, 900));
        openFresh();
        browser.find("#tenant").clear();
        browser.find("#sign-in").click();
        WebElement alert = browser.await(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("[role=alert]")));
        assertTrue(alert.getText().contains("Please enter your tenant"), alert.getText());
        assertEquals("tenant", browser.driver.switchTo().activeElement().getDomAttribute("id"), "focus goes to the missing field");
    }

    @Test
    void aPhoneSizedScreenNeedsNoSidewaysScrolling() {
        browser.driver.manage().window().setSize(new Dimension(390, 844));
        openFresh();
        long overflow = (Long) browser.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
        assertTrue(overflow <= 0, "sign-in page scrolls sideways by " + overflow + "px");
        WebElement button = browser.find("#sign-in");
        assertTrue(button.getRect().getWidth() >= 200, "the sign-in button spans the small screen");
        browser.screenshot("console-phone-sign-in");
    }

    private void signIn(String password) {
        WebElement t = browser.find("#tenant");
        t.clear();
        t.sendKeys(tenant.value());
        browser.find("#username").sendKeys(user);
        browser.find("#password").sendKeys(password);
        browser.find("#password").sendKeys(Keys.ENTER);
    }

    @Test
    void aWrongPasswordShowsTheServersErrorAndKeepsTheFormUsable() {
        browser.driver.manage().window().setSize(new Dimension(1280, 900));
        openFresh();
        signIn("not the password");
        WebElement alert = browser.await(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("form [role=alert]")));
        assertTrue(alert.getText().contains("INVALID_CREDENTIALS"), alert.getText());
        assertTrue(alert.getText().contains("Could not sign in"), alert.getText());
        assertEquals("password", browser.driver.switchTo().activeElement().getDomAttribute("id"), "focus back on the password");
        assertTrue(browser.all("#whoami").isEmpty(), "still signed out");
    }

    @Test
    void signedInScreensFitAPhoneAndTheMenuIsReachable() {
        browser.driver.manage().window().setSize(new Dimension(390, 844));
        openFresh();
        signIn(PASSWORD);
        browser.await(ExpectedConditions.presenceOfElementLocated(By.id("sign-out")));
        for (String screen : new String[]{"users", "enroll", "devices", "messages", "conflicts", "schema"}) {
            // located afresh each time: the header re-renders (the live-updates badge), which can replace the
            // link between finding and clicking it; a click that landed on a replaced link is clicked again
            By link = By.cssSelector("#nav-" + screen);
            browser.find("#nav-" + screen).click();
            try {
                browser.waiting(java.time.Duration.ofSeconds(3)).until(ExpectedConditions.attributeToBe(link, "aria-current", "page"));
            } catch (org.openqa.selenium.TimeoutException lost) {
                browser.find("#nav-" + screen).click();
                browser.await(ExpectedConditions.attributeToBe(link, "aria-current", "page"));
            }
            browser.await(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("main h1")));
            long overflow = (Long) browser.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
            assertTrue(overflow <= 0, screen + " scrolls sideways by " + overflow + "px");
            @SuppressWarnings("unchecked")
            List<String> unlabelled = (List<String>) browser.js(UNLABELLED);
            assertEquals(List.of(), unlabelled, "controls without a label on " + screen);
        }
        browser.find("#nav-schema").click();
        browser.await(ExpectedConditions.presenceOfElementLocated(By.cssSelector("article[data-table='messages']")));
        browser.screenshot("console-phone-schema");
        browser.find("#sign-out").click();
        browser.await(ExpectedConditions.visibilityOfElementLocated(By.id("sign-in")));
        assertEquals(0L, browser.js("return sessionStorage.length;"), "signing out forgets the tokens");
    }
}

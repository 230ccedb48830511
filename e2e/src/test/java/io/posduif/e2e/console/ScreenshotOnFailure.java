package io.posduif.e2e.console;

import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Files;
import java.nio.file.Path;

/** Keeps the evidence of a failed browser test: a screenshot, the page's HTML and its console log. */
final class ScreenshotOnFailure implements AfterTestExecutionCallback {

    interface HasBrowser {
        Browser browser();
    }

    @Override
    public void afterTestExecution(ExtensionContext context) {
        if (context.getExecutionException().isEmpty() || !(context.getTestInstance().orElse(null) instanceof HasBrowser t)) {
            return;
        }
        Browser b = t.browser();
        if (b == null) {
            return;
        }
        String name = context.getRequiredTestClass().getSimpleName() + "-" + context.getRequiredTestMethod().getName() + "-FAILED";
        Path shot = b.screenshot(name);
        try {
            Files.createDirectories(Browser.SCREENSHOTS);
            Files.writeString(Browser.SCREENSHOTS.resolve(name + ".html"), b.driver.getPageSource());
            Files.writeString(Browser.SCREENSHOTS.resolve(name + ".console.txt"), b.consoleLog());
        } catch (Exception ignored) {
            // the screenshot is the main evidence
        }
        System.err.println("browser test failed; screenshot: " + (shot == null ? "(none)" : shot.toAbsolutePath()));
    }
}

package dev.ccd.daemon.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Chromium (the Debian packages {@code chromium} and {@code chromium-driver}) driven
 * through {@code /usr/bin/chromedriver}, with a profile of its own. Closing quits the browser
 * and the driver, then ends whatever of theirs is still alive, found by the profile directory on
 * their command lines.
 */
public final class Browser implements AutoCloseable {
    public static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    private final Path profile;
    private final ChromeDriverService service;
    private final ChromeDriver driver;

    public Browser(Path profile) throws IOException {
        this.profile = Files.createDirectories(profile);
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1000", "--user-data-dir=" + profile);
        options.setCapability("goog:loggingPrefs", java.util.Map.of("browser", "ALL"));
        service = new ChromeDriverService.Builder().usingDriverExecutable(Path.of(CHROMEDRIVER).toFile())
                .usingAnyFreePort().withLogFile(profile.resolve("chromedriver.log").toFile()).build();
        ChromeDriver started = null;
        try {
            started = new ChromeDriver(service, options);
        } finally {
            if (started == null) {
                service.stop();
                killLeftovers();
            }
        }
        driver = started;
    }

    public ChromeDriver driver() {
        return driver;
    }

    public void open(String url) {
        driver.get(url);
    }

    /** Waits up to {@code seconds} (generous: a loaded 2-core machine) for the condition. */
    public void until(int seconds, java.util.function.Function<ChromeDriver, Boolean> condition) {
        try {
            new WebDriverWait(driver, Duration.ofSeconds(seconds), Duration.ofMillis(50))
                    .ignoring(StaleElementReferenceException.class).until(d -> condition.apply(driver));
        } catch (TimeoutException e) {
            throw new AssertionError("waited " + seconds + " s in vain on " + driver.getCurrentUrl() + "; the page says:\n"
                    + driver.findElement(By.tagName("body")).getText() + "\nits console:\n"
                    + String.join("\n", driver.manage().logs().get("browser").getAll().stream().map(Object::toString).toList()), e);
        }
    }

    public List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    public String text(String css) {
        return driver.findElement(By.cssSelector(css)).getText();
    }

    /** Keeps the page as {@code target/screenshots/NAME.png}. */
    public Path screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Path file = SCREENSHOTS.resolve(name + ".png");
        Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
        return file;
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
            killLeftovers();
        }
    }

    /** Chromium's helpers and the driver, if quitting left any: each has the profile on its command line. */
    private void killLeftovers() {
        ours().forEach(p -> {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        });
    }

    /** The processes of this browser still alive (none once {@link #close} returned and they were reaped). */
    public List<ProcessHandle> ours() {
        String marker = profile.toString();
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false)).toList();
    }
}

package dev.ccd.daemon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ccd.daemon.http.Browser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.openqa.selenium.By;
import org.openqa.selenium.WindowType;

/**
 * {@code scripts/bench dashboard}: what an open dashboard costs the daemon, and how soon its pages
 * show. A real daemon with {@code --http 0}, a headless Chromium. Rows/s of 60,000-iteration runs
 * (zero interval, timed from the rows' own timestamps as in {@link DaemonBenchmark}) alternate
 * between no page open and two pages streaming (the runs page and the run's own page, which gets
 * every event with its log line), so that the machine's drift hits both. Then the first render
 * of each page: from navigation start to the data drawn, as the page itself records it.
 */
public final class DashboardBenchmark {
    private static final int ROWS = 60_000;
    private static final int COLD = 20_000;
    private static final int PAIRS = 5;
    private static final int LOADS = 15;

    private DashboardBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]).toAbsolutePath();
        Path base = Files.createTempDirectory("ccd-bench-dashboard");
        Path home = base.resolve("home");
        try (BenchDaemon d = BenchDaemon.start(root, home, "--http", "0");
                Browser browser = new Browser(base.resolve("chromium"))) {
            // SIGTERM or Ctrl-C ends the daemon and the browser too
            Thread cleanup = new Thread(() -> {
                browser.close();
                try {
                    d.close();
                } catch (Exception e) {
                    System.err.println("closing the daemon: " + e);
                }
            }, "bench-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
            String url = Files.readString(home.resolve("run/http.addr")).strip();
            browser.open(url + "?token=" + Files.readString(home.resolve("run/http.token")).strip());
            String runsTab = browser.driver().getWindowHandle();
            browser.driver().switchTo().newWindow(WindowType.TAB);
            String runTab = browser.driver().getWindowHandle();
            run(d, "warm-up", false, browser, url, runsTab, runTab);
            List<Double> without = new ArrayList<>();
            List<Double> with = new ArrayList<>();
            for (int i = 0; i < PAIRS; i++) {
                without.add(run(d, "plain-" + i, false, browser, url, runsTab, runTab));
                with.add(run(d, "watched-" + i, true, browser, url, runsTab, runTab));
            }
            double a = Measure.median(without);
            double b = Measure.median(with);
            System.out.printf("rows/s after the first %,d, no page open:        median %.0f (%s)%n", COLD, a, list(without));
            System.out.printf("rows/s after the first %,d, two pages streaming: median %.0f (%s): %+.1f %%%n", COLD, b,
                    list(with), (b - a) * 100 / a);
            browser.driver().switchTo().window(runsTab);
            System.out.println("first render, runs page (" + d.count("SELECT count(*) FROM agent_runs") + " runs): "
                    + Measure.summary(renders(browser, url)));
            System.out.println("first render, run page (" + ROWS + " iterations, the last 1,000 and 200 events shown): "
                    + Measure.summary(renders(browser, url + "runs/watched-0")));
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }

    /** One run's rows/s after the cold part, with the pages streaming or closed. */
    private static double run(BenchDaemon d, String name, boolean watched, Browser browser, String url, String runsTab,
            String runTab) throws Exception {
        browser.driver().switchTo().window(runsTab);
        browser.open(watched ? url : "about:blank");
        if (watched) {
            browser.until(30, drv -> "live".equals(browser.text("#live")));
        }
        browser.driver().switchTo().window(runTab);
        browser.open("about:blank");
        JsonNode run = d.call("agent.start", d.startParams(name, d.script(name, ROWS), 0));
        String runId = run.path("id").asText();
        if (watched) {
            browser.open(url + "runs/" + name);
        }
        Measure.until(System.nanoTime(), () -> d.count("SELECT count(*) FROM agent_runs WHERE id = '" + runId
                + "' AND ended_at IS NOT NULL") == 1, 300_000, 100);
        if (watched) {
            browser.until(120, drv -> browser.text("#iterations-count").equals(Integer.toString(ROWS)));
            String events = browser.driver().findElement(By.tagName("body")).getAttribute("data-events");
            System.out.printf("  %s: the run page got %s events live, shows %s iterations%n", name, events,
                    browser.text("#iterations-count"));
        }
        return DaemonBenchmark.rowsPerSecond(d, runId, COLD, ROWS)[1];
    }

    private static List<Double> renders(Browser browser, String page) {
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < LOADS; i++) {
            browser.open("about:blank");
            browser.open(page);
            browser.until(30, drv -> "true".equals(drv.findElement(By.tagName("body")).getAttribute("data-loaded")));
            ms.add(Double.parseDouble(browser.driver().findElement(By.tagName("body")).getAttribute("data-rendered-ms")));
        }
        return ms;
    }

    private static String list(List<Double> values) {
        return String.join(", ", values.stream().map(v -> String.format("%.0f", v)).toList());
    }
}

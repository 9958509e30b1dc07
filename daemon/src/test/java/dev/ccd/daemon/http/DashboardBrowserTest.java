package dev.ccd.daemon.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.control.ControlClient;
import dev.ccd.daemon.testing.Cli;
import dev.ccd.daemon.testing.Db;
import dev.ccd.daemon.testing.RealDaemon;
import dev.ccd.runner.provider.FakeModelServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The dashboard in a real headless Chromium, against a real daemon started with {@code --http 0}
 * and real runner JVMs. Screenshots of the pages are kept under {@code target/screenshots}.
 */
class DashboardBrowserTest extends RealDaemon {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final List<Browser> browsers = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER).build();

    @AfterEach
    void quitBrowsers() {
        browsers.forEach(Browser::close);
        for (Browser b : browsers) {
            await().atMost(WAIT).untilAsserted(() -> assertThat(b.ours()).as("browser processes left").isEmpty());
        }
    }

    private Browser browser() throws IOException {
        Browser b = new Browser(tmp.resolve("chromium-" + browsers.size()));
        browsers.add(b);
        return b;
    }

    /** The URL {@code ccd dashboard} prints, with the token. */
    private String dashboardUrl() {
        Cli.Result r = ccd.run("dashboard");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r.out().strip();
    }

    private String base() {
        String url = dashboardUrl();
        return url.substring(0, url.indexOf('?'));
    }

    private String token() throws IOException {
        return Files.readString(home.resolve("run/http.token")).strip();
    }

    private Path script(String... lines) throws IOException {
        Path file = tmp.resolve("script-" + System.nanoTime() + ".jsonl");
        Files.write(file, List.of(lines), StandardCharsets.UTF_8);
        return file;
    }

    /** An --ask run of one iteration whose one tool call is {@code command}; waits in the daemon for an answer. */
    private void askingRun(String name, String command, Path work) throws IOException {
        ok("agent", "start", name, "--template", "hello", "--script", script(
                "{\"text\": \"I will run it.\", \"tool_calls\": [{\"name\": \"bash\", \"input\": {\"command\": \""
                        + command + "\"}}]}", "{\"text\": \"answered\"}").toString(),
                "--workdir", work.toString(), "--ask", "--max-iterations", "1");
    }

    /** A new browser that took the token from 'ccd dashboard', on the page of run {@code name}. */
    private Browser onRunPage(String name) throws IOException {
        Browser browser = browser();
        browser.open(dashboardUrl());
        browser.open(base() + "runs/" + name);
        return browser;
    }

    private Path workdir(String name) throws IOException {
        return Files.createDirectories(tmp.resolve("work-" + name));
    }

    private void ok(String... args) {
        Cli.Result r = ccd.run(args);
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }

    private String status(String name) throws Exception {
        return (String) Db.scalar(home.resolve("ccd.db"), "SELECT status FROM agent_runs WHERE name = '" + name + "'");
    }

    @Test
    void theRunsPageShowsARunStartedAfterItLoaded() throws Exception {
        startDaemon("--http", "0");
        Browser browser = browser();
        browser.open(dashboardUrl());
        browser.until(30, d -> "true".equals(d.findElement(By.tagName("body")).getAttribute("data-loaded")));
        browser.until(30, d -> browser.text("#live").equals("live"));
        assertThat(browser.driver().getCurrentUrl()).as("the token is not left in the address bar").doesNotContain("token");
        assertThat(browser.all("#runs tbody tr")).isEmpty();

        ok("agent", "start", "late", "--template", "hello", "--script", script(
                "{\"text\": \"one\", \"tool_calls\": [{\"name\": \"bash\", \"input\": {\"command\": \"echo one\"}}]}",
                "{\"text\": \"first done\"}", "{\"text\": \"second done\"}").toString(),
                "--workdir", workdir("late").toString(), "--max-iterations", "2", "--interval", "0.5");

        browser.until(30, d -> !browser.all("#runs tr[data-name='late']").isEmpty());
        browser.until(30, d -> browser.text("#runs tr[data-name='late'] .status").equals("completed"));
        WebElement row = browser.driver().findElement(By.cssSelector("#runs tr[data-name='late']"));
        assertThat(row.findElement(By.cssSelector(".iterations")).getText()).isEqualTo("2");
        long tokens = ((Number) Db.scalar(home.resolve("ccd.db"),
                "SELECT tokens_in + tokens_out FROM agent_runs WHERE name = 'late'")).longValue();
        assertThat(row.findElement(By.cssSelector(".tokens")).getText()).isEqualTo(Long.toString(tokens));
        assertThat(row.findElement(By.cssSelector(".ended")).getText()).isNotEmpty();
        browser.screenshot("runs");
    }

    @Test
    void anApprovalClickedInThePageLetsTheWaitingToolCallRun() throws Exception {
        startDaemon("--http", "0");
        Path work = workdir("asker");
        askingRun("asker", "echo yes > approved.txt", work);
        Browser browser = onRunPage("asker");

        browser.until(30, d -> !browser.all("#approvals button.approve").isEmpty());
        assertThat(browser.text("#status")).isEqualTo("waiting_permission");
        assertThat(browser.text("#approvals tbody")).contains("bash").contains("echo yes > approved.txt");
        assertThat(work.resolve("approved.txt")).doesNotExist();
        browser.screenshot("run-approval");
        browser.all("#approvals button.approve").get(0).click();

        await().atMost(WAIT).until(() -> Files.exists(work.resolve("approved.txt")));
        await().atMost(WAIT).until(() -> "completed".equals(status("asker")));
        assertThat(Db.scalar(home.resolve("ccd.db"), "SELECT status FROM permission_requests")).isEqualTo("approved");
        browser.until(30, d -> browser.text("#status").equals("completed"));
        browser.until(30, d -> browser.text("#logs").contains("permission approved"));
        assertThat(browser.all("#approvals button.approve")).isEmpty();
        assertThat(browser.text("#iterations tbody")).contains("answered");
    }

    @Test
    void aDenialClickedInThePageKeepsTheToolCallFromRunning() throws Exception {
        startDaemon("--http", "0");
        Path work = workdir("denied");
        askingRun("denied", "touch ran.txt", work);
        Browser browser = onRunPage("denied");
        browser.until(30, d -> !browser.all("#approvals button.deny").isEmpty());

        browser.all("#approvals button.deny").get(0).click();

        await().atMost(WAIT).until(() -> "completed".equals(status("denied")));
        assertThat(Db.scalar(home.resolve("ccd.db"), "SELECT status FROM permission_requests")).isEqualTo("denied");
        assertThat(work.resolve("ran.txt")).doesNotExist();
        browser.until(30, d -> browser.text("#logs").contains("permission denied"));
    }

    @Test
    void aRunPausedAtItsBudgetIsResumedFromThePage() throws Exception {
        startDaemon("--http", "0");
        ok("agent", "start", "budget", "--template", "hello", "--script", script(
                "{\"text\": \"one\", \"tool_calls\": [{\"name\": \"bash\", \"input\": {\"command\": \"echo one\"}}]}",
                "{\"text\": \"first done\"}", "{\"text\": \"second done\"}").toString(),
                "--workdir", workdir("budget").toString(), "--max-tokens", "300", "--max-iterations", "2");
        Browser browser = onRunPage("budget");
        browser.until(30, d -> browser.text("#status").equals("paused_budget"));
        assertThat(browser.driver().findElement(By.id("resume-form")).isDisplayed()).isTrue();

        browser.driver().findElement(By.id("resume-tokens")).sendKeys("1000000");
        browser.driver().findElement(By.id("resume")).click();

        await().atMost(WAIT).until(() -> "completed".equals(status("budget")));
        browser.until(30, d -> browser.text("#status").equals("completed") && browser.text("#iterations-count").equals("2"));
        assertThat(browser.text("#action-error")).isEmpty();
        assertThat(browser.driver().findElement(By.id("resume-force-label")).isDisplayed())
                .as("a completed run is resumed only with force").isTrue();
    }

    @Test
    void aStoppedRunResumedFromThePageRunsAgain() throws Exception {
        startDaemon("--http", "0");
        String sleeps = "{\"text\": \"waiting\", \"tool_calls\": [{\"name\": \"bash\", \"input\": {\"command\": \"sleep 60\"}}]}";
        ok("agent", "start", "again", "--template", "hello", "--script", script(sleeps, sleeps, sleeps, "{\"text\": \"never\"}")
                .toString(), "--workdir", workdir("again").toString());
        await().atMost(WAIT).until(() -> "running".equals(status("again")));
        ok("agent", "stop", "again");
        await().atMost(WAIT).until(() -> "stopped".equals(status("again")));
        Browser browser = onRunPage("again");
        browser.until(30, d -> browser.text("#status").equals("stopped") && browser.text("#live").equals("live"));
        assertThat(browser.text("#end-reason")).isEqualTo("stopped");
        assertThat(browser.driver().findElement(By.id("resume-form")).isDisplayed()).isTrue();
        assertThat(browser.driver().findElement(By.id("resume-force-label")).isDisplayed()).isFalse();
        assertThat(browser.all(".placement")).as("a local run has no placement to show").noneMatch(WebElement::isDisplayed);

        browser.driver().findElement(By.id("resume")).click();

        await().atMost(WAIT).until(() -> "running".equals(status("again")) && Db.count(home.resolve("ccd.db"),
                "SELECT count(*) FROM agent_iterations WHERE iteration = 2 AND status = 'running'") == 1);
        assertThat(Db.scalar(home.resolve("ccd.db"), "SELECT resume_count FROM agent_runs WHERE name = 'again'")).isEqualTo(1);
        browser.until(30, d -> browser.text("#status").equals("running"));
        assertThat(browser.text("#action-error")).isEmpty();
        assertThat(browser.driver().findElement(By.id("resume-form")).isDisplayed()).isFalse();
        assertThat(browser.driver().findElement(By.id("stop")).isDisplayed()).isTrue();
        Map<String, PrometheusText.Family> metrics = PrometheusText.parse(
                get(base() + "metrics", Map.of("Authorization", "Bearer " + token())).body());
        assertThat(value(metrics, "ccd_run_resumes_total", Map.of("run", "again", "provider", "scripted"))).isEqualTo(1);
    }

    @Test
    void theApiKeyOfARunIsInNoPageNoApiAnswerAndNoMetric() throws Exception {
        String key = "sk-ant-secret-" + UUID.randomUUID();
        startDaemon("--http", "0");
        try (FakeModelServer model = FakeModelServer.start()) {
            model.otherwise(FakeModelServer.Reply.json(200, "{\"id\": \"msg_1\", \"type\": \"message\", \"role\": \"assistant\","
                    + " \"model\": \"claude-fake\", \"content\": [{\"type\": \"text\", \"text\": \"done\"}],"
                    + " \"stop_reason\": \"end_turn\", \"stop_sequence\": null, \"usage\": {\"input_tokens\": 10,"
                    + " \"output_tokens\": 5, \"cache_read_input_tokens\": 40, \"cache_creation_input_tokens\": 20}}"));
            // As 'ccd agent start' passes on the key of its shell: in the request's env, to that runner only.
            ObjectNode params = JsonNodeFactory.instance.objectNode().put("name", "keyed").put("template", "hello")
                    .put("workdir", workdir("keyed").toString()).put("provider", "anthropic").put("max_iterations", 2);
            params.putObject("env").put("ANTHROPIC_API_KEY", key).put("ANTHROPIC_BASE_URL", model.baseUrl());
            try (ControlClient client = ControlClient.connect(home.resolve("run/ccd.sock"))) {
                client.call("agent.start", params);
            }
            await().atMost(WAIT).until(() -> "completed".equals(status("keyed")));
            assertThat(model.requests()).isNotEmpty().allSatisfy(r -> assertThat(r.header("x-api-key")).isEqualTo(key));
        }

        Browser browser = browser();
        browser.open(dashboardUrl());
        browser.until(30, d -> browser.text("#runs tr[data-name='keyed'] .status").equals("completed"));
        String runsPage = browser.driver().getPageSource();
        browser.open(base() + "runs/keyed");
        browser.until(30, d -> "true".equals(d.findElement(By.tagName("body")).getAttribute("data-loaded"))
                && browser.text("#live").equals("live"));
        String runPage = browser.driver().getPageSource();
        Map<String, String> auth = Map.of("Authorization", "Bearer " + token());
        Map<String, String> seen = new LinkedHashMap<>();
        seen.put("runs page", runsPage);
        seen.put("run page", runPage);
        for (String path : List.of("", "runs/keyed", "api/runs", "api/runs/keyed", "static/common.js", "static/run.js",
                "static/runs.js", "metrics")) {
            HttpResponse<String> r = get(base() + path, auth);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            seen.put(path, r.body());
        }
        seen.forEach((what, text) -> assertThat(text).as(what).doesNotContain(key).doesNotContain("sk-ant-secret"));
        assertThat(seen.get("api/runs/keyed")).contains("\"provider\":\"anthropic\"");

        Map<String, PrometheusText.Family> metrics = PrometheusText.parse(seen.get("metrics"));
        Map<String, Object> run = Db.query(home.resolve("ccd.db"), "SELECT * FROM agent_runs WHERE name = 'keyed'").get(0);
        assertThat(((Number) run.get("cache_read_tokens")).longValue()).isPositive();
        Map<String, String> labels = Map.of("run", "keyed", "provider", "anthropic");
        assertThat(value(metrics, "ccd_cache_read_tokens_total", labels))
                .isEqualTo(((Number) run.get("cache_read_tokens")).doubleValue());
        assertThat(value(metrics, "ccd_cache_write_tokens_total", labels))
                .isEqualTo(((Number) run.get("cache_write_tokens")).doubleValue());
        assertThat(metrics.get("ccd_cache_read_tokens_total").type()).isEqualTo("counter");
    }

    @Test
    void aRequestWithAForeignHostHeaderIsRefused() throws Exception {
        startDaemon("--http", "0");
        int port = URI.create(base()).getPort();
        String token = token();

        assertThat(rawGet(port, "rebound.example:" + port, "/api/runs", token)).startsWith("HTTP/1.1 421 ");
        assertThat(rawGet(port, "rebound.example", "/healthz", null)).startsWith("HTTP/1.1 421 ");
        assertThat(rawGet(port, "127.0.0.1.rebound.example:" + port, "/", token)).startsWith("HTTP/1.1 421 ");
        assertThat(rawGet(port, null, "/healthz", null)).startsWith("HTTP/1.1 421 ");
        assertThat(rawGet(port, "127.0.0.1:" + port, "/api/runs", token)).startsWith("HTTP/1.1 200 ");
        assertThat(rawGet(port, "localhost:" + port, "/api/runs", token)).startsWith("HTTP/1.1 200 ");
        assertThat(rawGet(port, "localhost:9000", "/healthz", null)).as("through a tunnel from another port")
                .startsWith("HTTP/1.1 200 ");
    }

    /** A GET written by hand: the JDK's client sets {@code Host} itself. Its whole answer. */
    private static String rawGet(int port, String host, String path, String token) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(30_000);
            String request = "GET " + path + " HTTP/1.1\r\n" + (host == null ? "" : "Host: " + host + "\r\n")
                    + (token == null ? "" : "Authorization: Bearer " + token + "\r\n") + "Connection: close\r\n\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void stopClickedInTheRunPageStopsTheRun() throws Exception {
        startDaemon("--http", "0");
        ok("agent", "start", "looper", "--template", "hello", "--script", script(
                "{\"text\": \"waiting\", \"tool_calls\": [{\"name\": \"bash\", \"input\": {\"command\": \"sleep 60\"}}]}",
                "{\"text\": \"never\"}").toString(), "--workdir", workdir("looper").toString());
        Browser browser = onRunPage("looper");
        browser.until(30, d -> browser.text("#status").equals("running") && browser.text("#live").equals("live"));

        browser.driver().findElement(By.id("stop")).click();

        await().atMost(WAIT).until(() -> "stopped".equals(status("looper")));
        browser.until(30, d -> browser.text("#status").equals("stopped"));
        assertThat(browser.driver().findElement(By.id("stop")).isDisplayed()).isFalse();
    }

    @Test
    void theChartOfAScriptedAutoresearchRunHasOnePointPerExperiment() throws Exception {
        startDaemon("--http", "0");
        Path work = workdir("research");
        String[][] rows = {{"a1", "0.95", "keep", "baseline"}, {"a2", "0.97", "discard", "LR 0.3"},
            {"a3", "0", "crash", "LR -1"}, {"a4", "0.91", "keep", "WIDTH 64"}, {"a5", "0.93", "discard", "DEPTH 8"}};
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            String command = (i == 0 ? "printf 'commit\\\\tmetric\\\\tstatus\\\\tdescription\\\\n' > results.tsv; " : "")
                    + "printf '" + String.join("\\\\t", rows[i]) + "\\\\n' >> results.tsv";
            lines.add("{\"text\": \"experiment " + (i + 1) + "\", \"tool_calls\": [{\"name\": \"bash\", \"input\": {\"command\": \""
                    + command + "\"}}]}");
            lines.add("{\"text\": \"" + rows[i][3] + " " + rows[i][2] + "\"}");
        }
        ok("agent", "start", "research", "--template", "autoresearch", "--script", script(lines.toArray(String[]::new)).toString(),
                "--workdir", work.toString(), "--max-iterations", "5", "--interval", "1.5",
                "--args", "command=./train.sh metric=val_loss direction=lower budget=60 file=params.env");
        await().atMost(WAIT).until(() -> Files.exists(work.resolve("results.tsv")));
        Browser browser = onRunPage("research");
        browser.until(30, d -> "true".equals(d.findElement(By.tagName("body")).getAttribute("data-loaded")));
        int shownAtLoad = browser.all("#chart .point").size();
        assertThat(shownAtLoad).as("the run is still appending rows when the page loads").isLessThan(rows.length);

        browser.until(60, d -> browser.all("#chart .point").size() == rows.length);
        await().atMost(WAIT).until(() -> "completed".equals(status("research")));
        assertThat(browser.all("#chart .point.keep")).hasSize(2);
        assertThat(browser.all("#chart .point.discard")).hasSize(2);
        assertThat(browser.all("#chart .point.crash")).hasSize(1);
        assertThat(browser.all("#chart polyline.best")).hasSize(1);
        assertThat(browser.text("#chart")).contains("val_loss").contains("lower is better").contains("best 0.91");
        browser.until(30, d -> browser.all("#iterations tbody tr").size() == rows.length);
        Object reason = Db.scalar(home.resolve("ccd.db"),
                "SELECT json_extract(payload_json, '$.reason') FROM daemon_events WHERE kind = 'run_ended'");
        browser.until(30, d -> browser.text("#end-reason").equals(reason));
        browser.screenshot("run-chart");

        Path svg = tmp.resolve("research.svg");
        ok("agent", "chart", "research", "-o", svg.toString());
        String served = http.send(HttpRequest.newBuilder(URI.create(base() + "api/runs/research/chart.svg"))
                .header("Authorization", "Bearer " + token()).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(Files.readString(svg)).isEqualTo(served).contains("class=\"point crash\"");
    }

    @Test
    void aRequestWithoutTheTokenGets401AndAnActionWithoutItsHeaderIsRefused() throws Exception {
        startDaemon("--http", "0");
        String base = base();
        for (String path : List.of("", "runs/x", "api/runs", "api/stream", "metrics", "static/dashboard.css",
                "?token=wrong")) {
            HttpResponse<String> r = get(base + path, Map.of());
            assertThat(r.statusCode()).as(path).isEqualTo(401);
            assertThat(r.body()).as(path).contains("ccd dashboard");
        }
        assertThat(get(base + "api/runs", Map.of("Cookie", "ccd_token=" + token() + "x")).statusCode()).isEqualTo(401);
        assertThat(get(base + "healthz", Map.of()).statusCode()).isEqualTo(200);

        HttpResponse<String> once = get(dashboardUrl(), Map.of());
        assertThat(once.statusCode()).isEqualTo(303);
        String cookie = once.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).contains("HttpOnly").contains("SameSite=Strict").startsWith("ccd_token=" + token() + ";");
        String session = cookie.substring(0, cookie.indexOf(';'));
        HttpResponse<String> page = get(base, Map.of("Cookie", session));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("ccd-action-key").doesNotContain(token());

        // A cross-site form can send the cookie, never the header: refused before anything is done.
        HttpRequest forged = HttpRequest.newBuilder(URI.create(base + "api/runs/x/stop")).header("Cookie", session)
                .POST(HttpRequest.BodyPublishers.noBody()).build();
        assertThat(http.send(forged, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(403);
        HttpRequest withHeader = HttpRequest.newBuilder(URI.create(base + "api/runs/x/stop")).header("Cookie", session)
                .header("X-CCD-Token", token()).POST(HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<String> notFound = http.send(withHeader, HttpResponse.BodyHandlers.ofString());
        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(notFound.body()).contains("no live agent named 'x'");

        Browser browser = browser();
        browser.open(base);
        assertThat(browser.text("body")).contains("401 unauthorized");
        browser.screenshot("unauthorized");
    }

    @Test
    void metricsParseAsPrometheusTextAndAgreeWithTheRecord() throws Exception {
        startDaemon("--http", "0");
        ok("agent", "start", "counted", "--template", "hello", "--script", script(
                "{\"text\": \"one\", \"tool_calls\": [{\"name\": \"bash\", \"input\": {\"command\": \"echo one\"}}]}",
                "{\"text\": \"first done\"}", "{\"text\": \"second done\"}", "{\"text\": \"third done\"}").toString(),
                "--workdir", workdir("counted").toString(), "--max-iterations", "3");
        await().atMost(WAIT).until(() -> "completed".equals(status("counted")));

        HttpResponse<String> r = get(base() + "metrics", Map.of("Authorization", "Bearer " + token()));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain; version=0.0.4");
        Map<String, PrometheusText.Family> metrics = PrometheusText.parse(r.body());
        assertThat(metrics.keySet()).allMatch(n -> n.startsWith("ccd_"));
        assertThat(value(metrics, "ccd_runs", Map.of("status", "completed"))).isEqualTo(1);
        assertThat(value(metrics, "ccd_runs", Map.of("status", "running"))).isZero();
        assertThat(value(metrics, "ccd_iterations_total", Map.of("run", "counted", "provider", "scripted", "status", "ok")))
                .isEqualTo(3);
        Map<String, Object> run = Db.query(home.resolve("ccd.db"), "SELECT * FROM agent_runs WHERE name = 'counted'").get(0);
        assertThat(value(metrics, "ccd_tokens_total", Map.of("run", "counted", "provider", "scripted", "direction", "input")))
                .isEqualTo(((Number) run.get("tokens_in")).doubleValue());
        assertThat(value(metrics, "ccd_tokens_total", Map.of("run", "counted", "provider", "scripted", "direction", "output")))
                .isEqualTo(((Number) run.get("tokens_out")).doubleValue());
        assertThat(metrics.get("ccd_iteration_duration_seconds").type()).isEqualTo("summary");
        assertThat(value(metrics, "ccd_iteration_duration_seconds_count", Map.of("run", "counted", "provider", "scripted")))
                .isEqualTo(3);
        assertThat(value(metrics, "ccd_runner_restarts_total", Map.of("run", "counted", "provider", "scripted"))).isZero();
        assertThat(value(metrics, "ccd_run_resumes_total", Map.of("run", "counted", "provider", "scripted"))).isZero();
        assertThat(value(metrics, "ccd_cache_read_tokens_total", Map.of("run", "counted", "provider", "scripted")))
                .isEqualTo(((Number) run.get("cache_read_tokens")).doubleValue());
        assertThat(value(metrics, "ccd_cache_write_tokens_total", Map.of("run", "counted", "provider", "scripted")))
                .isEqualTo(((Number) run.get("cache_write_tokens")).doubleValue());
        Map<String, String> counted = Map.of("run", "counted", "provider", "scripted");
        // four scripted replies over three iterations, each its first request's answer
        assertThat(((Number) run.get("model_calls")).longValue()).isEqualTo(4);
        assertThat(value(metrics, "ccd_model_calls_total", counted)).isEqualTo(4);
        assertThat(value(metrics, "ccd_model_retries_total", counted))
                .isEqualTo(((Number) run.get("model_retries")).doubleValue()).isZero();
        assertThat(value(metrics, "ccd_model_call_seconds_total", counted))
                .isCloseTo(((Number) run.get("model_seconds")).doubleValue(), within(1e-9))
                .isLessThanOrEqualTo(value(metrics, "ccd_iteration_duration_seconds_sum", counted));
        assertThat(value(metrics, "ccd_estimated_tokens_total", counted))
                .isEqualTo(((Number) run.get("estimated_tokens")).doubleValue()).isZero();
        assertThat(List.of("ccd_run_resumes_total", "ccd_cache_read_tokens_total", "ccd_cache_write_tokens_total",
                "ccd_model_calls_total", "ccd_model_retries_total", "ccd_model_call_seconds_total",
                "ccd_estimated_tokens_total"))
                .allMatch(name -> metrics.get(name).type().equals("counter"));
        assertThat(value(metrics, "ccd_record_healthy", Map.of())).isEqualTo(1);
        assertThat(metrics).containsKeys("ccd_record_writes_queued", "ccd_record_wal_bytes", "ccd_cost_dollars_total");
    }

    @Test
    void metricsOpenServesMetricsWithoutTheTokenAndNothingElse() throws Exception {
        startDaemon("--http", "0", "--metrics-open");
        String base = base();
        HttpResponse<String> metrics = get(base + "metrics", Map.of());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(PrometheusText.parse(metrics.body())).containsKey("ccd_runs");
        assertThat(get(base + "api/runs", Map.of()).statusCode()).isEqualTo(401);
    }

    private HttpResponse<String> get(String url, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static double value(Map<String, PrometheusText.Family> metrics, String sample, Map<String, String> labels) {
        return metrics.values().stream().flatMap(f -> f.samples().stream())
                .filter(s -> s.name().equals(sample) && s.labels().equals(labels)).findFirst()
                .orElseThrow(() -> new AssertionError("no sample " + sample + labels)).value();
    }
}

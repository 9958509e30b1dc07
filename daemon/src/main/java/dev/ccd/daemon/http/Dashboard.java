package dev.ccd.daemon.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ccd.daemon.CcdHome;
import dev.ccd.daemon.cli.Format;
import dev.ccd.daemon.control.ControlApi;
import dev.ccd.daemon.control.RpcException;
import dev.ccd.daemon.store.EventRow;
import dev.ccd.daemon.store.PermissionRow;
import dev.ccd.daemon.store.RunRow;
import dev.ccd.daemon.store.Store;
import dev.ccd.daemon.store.TaskRow;
import dev.ccd.protocol.MessageCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's web dashboard and {@code /metrics}, on the JDK's HTTP server: pages packaged under
 * {@code /dashboard/} in this jar, a JSON API over the control API's methods, server-sent event
 * streams from the store's listeners. Every path but {@code /healthz} needs the token
 * ({@link Access}); {@code /metrics} too unless {@code --metrics-open}. A request whose
 * {@code Host} is not one of the dashboard's ({@link HostHeader}) is refused before any of that.
 *
 * <p>Threading: the server's dispatcher accepts; requests run on a pool of at most
 * {@value #MAX_THREADS} {@code http-N} threads, of which at most {@value #MAX_STREAMS} hold event
 * streams (one more is refused with 503), so a page left open never starves the API. Closing
 * interrupts the streams and stops the server.
 */
public final class Dashboard implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Dashboard.class);
    static final int MAX_STREAMS = 32;
    static final int MAX_THREADS = 48;
    private static final ObjectMapper JSON = MessageCodec.mapper();
    private static final Pattern RUN_PATH = Pattern.compile("/api/runs/([^/]+)(/stream|/chart\\.svg|/stop|/resume)?");
    private static final Pattern PERMISSION_PATH = Pattern.compile("/api/permissions/([^/]+)/(approve|deny)");
    private static final int TAIL_BYTES = 4096;
    private static final Map<String, String> TYPES = Map.of("css", "text/css; charset=utf-8",
            "js", "text/javascript; charset=utf-8", "html", "text/html; charset=utf-8");

    private final HttpServer server;
    private final ExecutorService pool;
    private final Access access;
    private final HostHeader hosts;
    private final HttpSettings settings;
    private final Store store;
    private final ControlApi api;
    private final Metrics metrics;
    private final ChartWatch charts;
    private final CcdHome home;
    private final AtomicInteger streams = new AtomicInteger();

    private Dashboard(HttpServer server, ExecutorService pool, Access access, HttpSettings settings, Store store,
            ControlApi api, ChartWatch charts, CcdHome home) {
        this.server = server;
        this.pool = pool;
        this.access = access;
        this.hosts = new HostHeader(settings.bind());
        this.settings = settings;
        this.store = store;
        this.api = api;
        this.charts = charts;
        this.home = home;
        this.metrics = new Metrics(store, streams::get);
    }

    /**
     * Listens as {@code settings} say, writes {@code run/http.token} and {@code run/http.addr} (the
     * URL without the token, for {@code ccd dashboard}).
     */
    public static Dashboard start(CcdHome home, HttpSettings settings, Store store, ControlApi api) throws IOException {
        InetSocketAddress address = new InetSocketAddress(settings.bind(), settings.port());
        HttpServer server;
        try {
            if (address.isUnresolved()) {
                throw new IOException("no such address");
            }
            server = HttpServer.create(address, 64);
        } catch (IOException e) {
            throw new IOException("the dashboard cannot listen on " + settings.bind() + ":" + settings.port() + ": "
                    + e.getMessage() + " (see --http, --http-bind, or http_port and http_bind in config.json)", e);
        }
        AtomicInteger threads = new AtomicInteger();
        // A burst beyond the threads waits in the queue; the streams can hold only MAX_STREAMS of them.
        ThreadPoolExecutor pool = new ThreadPoolExecutor(MAX_THREADS, MAX_THREADS, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(256), r -> {
                    Thread t = new Thread(r, "http-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        server.setExecutor(pool);
        removeFiles(home);
        Access access = Access.create(home.runDir().resolve("http.token"));
        ChartWatch charts = new ChartWatch();
        Dashboard dashboard = new Dashboard(server, pool, access, settings, store, api, charts, home);
        server.createContext("/", dashboard::handle);
        server.start();
        String host = settings.bind().contains(":") ? "[" + settings.bind() + "]" : settings.bind();
        String url = "http://" + host + ":" + server.getAddress().getPort() + "/";
        Files.writeString(home.runDir().resolve("http.addr"), url + "\n", StandardCharsets.UTF_8);
        if (settings.loopback()) {
            log.info("dashboard at {}", url);
        } else {
            log.warn("dashboard at {}: listening on {}, reachable from other machines; the token is the only guard",
                    url, settings.bind());
        }
        return dashboard;
    }

    /** Removes the token and address a daemon killed before its shutdown may have left. */
    public static void removeFiles(CcdHome home) throws IOException {
        Files.deleteIfExists(home.runDir().resolve("http.addr"));
        Files.deleteIfExists(home.runDir().resolve("http.token"));
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        pool.shutdownNow();
        server.stop(0);
        try {
            charts.close();
            removeFiles(home);
        } catch (IOException e) {
            log.warn("closing the dashboard: {}", e.toString());
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            String path = ex.getRequestURI().getPath();
            var headers = ex.getResponseHeaders();
            headers.set("Cache-Control", "no-store");
            headers.set("X-Content-Type-Options", "nosniff");
            headers.set("Referrer-Policy", "no-referrer");
            headers.set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self';"
                    + " img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
            String host = ex.getRequestHeaders().getFirst("Host");
            if (!hosts.allowed(host)) {
                // a name other than ours: a page of another site, its name pointed at this address
                send(ex, 421, "text/plain; charset=utf-8", "421 misdirected request: this dashboard answers to"
                        + " localhost, its --http-bind address or an IP address, not to Host "
                        + (host == null ? "(none)" : "'" + host + "'") + "\n");
                return;
            }
            if (path.equals("/healthz")) {
                send(ex, 200, "text/plain; charset=utf-8", "ok\n");
                return;
            }
            if (path.equals("/metrics") && settings.metricsOpen()) {
                metrics(ex);
                return;
            }
            if (ex.getRequestMethod().equals("GET") && access.queryHasToken(ex)) {
                // The URL with the token is used once: it sets the cookie and is replaced by the bare page.
                headers.set("Set-Cookie", access.cookieHeader());
                headers.set("Location", path);
                ex.sendResponseHeaders(303, -1);
                return;
            }
            if (!access.authenticated(ex)) {
                headers.set("WWW-Authenticate", "Bearer realm=\"ccd\"");
                send(ex, 401, "text/plain; charset=utf-8",
                        "401 unauthorized: open the URL that 'ccd dashboard' prints (it carries the token once)\n");
                return;
            }
            route(ex, path);
        } catch (RpcException e) {
            int status = switch (e.code()) {
                case RpcException.NOT_FOUND -> 404;
                case RpcException.CONFLICT -> 409;
                case RpcException.INVALID_PARAMS -> 400;
                default -> 500;
            };
            sendJson(ex, status, JSON.createObjectNode().put("error", e.getMessage()));
        } catch (SQLException e) {
            sendJson(ex, 500, JSON.createObjectNode().put("error", "reading the record: " + e.getMessage()));
        } catch (IOException e) {
            log.debug("http {}: {}", ex.getRequestURI().getPath(), e.toString());
        } catch (RuntimeException e) {
            log.warn("http {}: {}", ex.getRequestURI().getPath(), e.toString(), e);
            throw e;
        } finally {
            ex.close();
        }
    }

    private void route(HttpExchange ex, String path) throws IOException, RpcException, SQLException {
        boolean post = ex.getRequestMethod().equals("POST");
        if (post && !access.actionAllowed(ex)) {
            send(ex, 403, "text/plain; charset=utf-8", "403 forbidden: an action needs the " + Access.ACTION_HEADER
                    + " header\n");
            return;
        }
        if (!post && !ex.getRequestMethod().equals("GET")) {
            send(ex, 405, "text/plain; charset=utf-8", "405 method not allowed\n");
            return;
        }
        Matcher run = RUN_PATH.matcher(path);
        Matcher permission = PERMISSION_PATH.matcher(path);
        if (!post && (path.equals("/") || path.equals("/index.html"))) {
            page(ex, "runs.html");
        } else if (!post && path.startsWith("/runs/")) {
            page(ex, "run.html");
        } else if (!post && path.startsWith("/static/") && path.matches("/static/[a-z-]+\\.(css|js)")) {
            resource(ex, path.substring("/static/".length()));
        } else if (!post && path.equals("/metrics")) {
            metrics(ex);
        } else if (!post && path.equals("/api/runs")) {
            ObjectNode body = JSON.createObjectNode();
            body.set("runs", api.invoke("agent.list", JSON.createObjectNode().put("all", true)));
            sendJson(ex, 200, body);
        } else if (!post && path.equals("/api/stream")) {
            stream(ex, null);
        } else if (permission.matches() && post) {
            ObjectNode params = JSON.createObjectNode().put("id", decode(permission.group(1)))
                    .put("granted", permission.group(2).equals("approve"));
            if (permission.group(2).equals("deny")) {
                params.put("reason", "denied in the dashboard");
            }
            sendJson(ex, 200, api.invoke("permission.answer", params));
        } else if (run.matches()) {
            String name = decode(run.group(1));
            String what = run.group(2) == null ? "" : run.group(2);
            switch (post + what) {
                case "false" -> sendJson(ex, 200, runDetail(name));
                case "false/stream" -> stream(ex, runOf(name));
                case "false/chart.svg" -> chart(ex, runOf(name));
                case "true/stop" -> sendJson(ex, 200, api.invoke("agent.stop", JSON.createObjectNode().put("name", name)));
                case "true/resume" -> {
                    ObjectNode params = body(ex);
                    params.put("name", name);
                    sendJson(ex, 200, api.invoke("agent.resume", params));
                }
                default -> send(ex, 404, "text/plain; charset=utf-8", "404 not found\n");
            }
        } else {
            send(ex, 404, "text/plain; charset=utf-8", "404 not found\n");
        }
    }

    private RunRow runOf(String name) throws SQLException, RpcException {
        return store.latestRun(name).orElseThrow(() -> new RpcException(RpcException.NOT_FOUND, "no agent named '"
                + name + "'"));
    }

    /** What the run page shows at first; later changes come through its stream. */
    private ObjectNode runDetail(String name) throws RpcException, SQLException, IOException {
        ObjectNode detail = (ObjectNode) api.invoke("agent.status", JSON.createObjectNode().put("name", name));
        RunRow run = runOf(name);
        detail.set("iterations", JSON.valueToTree(store.iterations(run.id(), 1000)));
        ArrayNode tasks = detail.putArray("tasks");
        for (TaskRow t : store.tasks(run.id())) {
            ObjectNode task = JSON.valueToTree(t);
            task.put("tail", tail(t.outputPath()));
            tasks.add(task);
        }
        ArrayNode approvals = detail.putArray("approvals");
        for (PermissionRow p : store.permissions(null)) {
            if (run.id().equals(p.runId())) {
                approvals.add(JSON.valueToTree(p));
            }
        }
        ArrayNode events = detail.putArray("events");
        long last = 0;
        for (EventRow e : store.events(0, run.id(), 200, true)) {
            ObjectNode node = EventStream.node(e);
            node.put("line", Format.event(node));
            events.add(node);
            last = e.id();
        }
        detail.put("last_event_id", last);
        try {
            detail.put("has_chart", ResultsChart.read(run.workdir(), run.args()).isPresent());
        } catch (IOException e) {
            detail.put("has_chart", false).put("chart_problem", e.getMessage());
        }
        return detail;
    }

    private void stream(HttpExchange ex, RunRow run) throws IOException {
        if (streams.incrementAndGet() > MAX_STREAMS) {
            streams.decrementAndGet();
            send(ex, 503, "text/plain; charset=utf-8", "503: " + MAX_STREAMS + " dashboard streams are open already\n");
            return;
        }
        EventStream stream = new EventStream(store, run == null ? null : run.id(), Format::event);
        ChartWatch.Watch watch = run == null || run.workdir() == null ? () -> { }
                : charts.watch(Path.of(run.workdir()), stream::chartChanged);
        try {
            long since = since(ex);
            ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            ex.sendResponseHeaders(200, 0);
            stream.stream(ex.getResponseBody(), since);
        } finally {
            watch.close();
            stream.cancel();
            streams.decrementAndGet();
        }
    }

    /** Where a run's stream starts: {@code Last-Event-ID} on a reconnect, else {@code ?since=}. */
    private static long since(HttpExchange ex) {
        String last = ex.getRequestHeaders().getFirst("Last-Event-ID");
        String query = Optional.ofNullable(ex.getRequestURI().getQuery()).orElse("");
        Matcher m = Pattern.compile("(?:^|&)since=(\\d{1,18})").matcher(query);
        try {
            return last != null ? Long.parseLong(last.strip()) : m.find() ? Long.parseLong(m.group(1)) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void chart(HttpExchange ex, RunRow run) throws IOException {
        Optional<ResultsChart> chart;
        try {
            chart = ResultsChart.read(run.workdir(), run.args());
        } catch (IOException e) {
            send(ex, 422, "text/plain; charset=utf-8", e.getMessage() + "\n");
            return;
        }
        if (chart.isEmpty()) {
            send(ex, 404, "text/plain; charset=utf-8", "404: no " + ResultsChart.FILE + " in the run's workdir\n");
        } else {
            send(ex, 200, "image/svg+xml; charset=utf-8", chart.get().svg());
        }
    }

    private void metrics(HttpExchange ex) throws IOException, SQLException {
        send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
    }

    private void page(HttpExchange ex, String name) throws IOException {
        String html = new String(read(name), StandardCharsets.UTF_8).replace("{{ACTION_KEY}}", access.actionKey());
        send(ex, 200, TYPES.get("html"), html);
    }

    private void resource(HttpExchange ex, String name) throws IOException {
        if (Dashboard.class.getResource("/dashboard/" + name) == null) {
            send(ex, 404, "text/plain; charset=utf-8", "404 not found\n");
            return;
        }
        byte[] body = read(name);
        ex.getResponseHeaders().set("Content-Type", TYPES.get(name.substring(name.lastIndexOf('.') + 1)));
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
    }

    private static byte[] read(String name) throws IOException {
        try (InputStream in = Dashboard.class.getResourceAsStream("/dashboard/" + name)) {
            if (in == null) {
                throw new IOException("missing resource /dashboard/" + name);
            }
            return in.readAllBytes();
        }
    }

    /** The last {@value #TAIL_BYTES} bytes of a task's log, from a line start. */
    private static String tail(String file) {
        if (file == null) {
            return "";
        }
        try (RandomAccessFile f = new RandomAccessFile(file, "r")) {
            long start = Math.max(0, f.length() - TAIL_BYTES);
            byte[] bytes = new byte[(int) (f.length() - start)];
            f.seek(start);
            f.readFully(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8);
            int newline = text.indexOf('\n');
            return start > 0 && newline >= 0 ? text.substring(newline + 1) : text;
        } catch (IOException e) {
            return "";
        }
    }

    private static ObjectNode body(HttpExchange ex) throws IOException, RpcException {
        byte[] bytes = ex.getRequestBody().readNBytes(64 * 1024);
        if (bytes.length == 0) {
            return JSON.createObjectNode();
        }
        JsonNode node;
        try {
            node = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new RpcException(RpcException.INVALID_PARAMS, "the body is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (node == null || !node.isObject()) {
            throw new RpcException(RpcException.INVALID_PARAMS, "the body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    private static String decode(String part) {
        return URLDecoder.decode(part, StandardCharsets.UTF_8);
    }

    private static void sendJson(HttpExchange ex, int status, JsonNode body) throws IOException {
        send(ex, status, "application/json; charset=utf-8", JSON.writeValueAsString(body));
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}

package dev.ccd.daemon.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.CcdHome;
import dev.ccd.daemon.SandboxSupport;
import dev.ccd.daemon.store.RunRow;
import dev.ccd.daemon.store.Store;
import dev.ccd.daemon.store.StoreHealth;
import dev.ccd.daemon.supervisor.RunSpec;
import dev.ccd.daemon.supervisor.Supervisor;
import dev.ccd.daemon.supervisor.SupervisorException;
import dev.ccd.daemon.templates.TemplateCatalog;
import dev.ccd.protocol.MessageCodec;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The methods of the control API (docs/ARCHITECTURE.md §7). Each takes named params and returns a
 * JSON result or throws an {@link RpcException}; none blocks longer than the operation it asks
 * for (a start waits for the handshake, a stop for the run's end).
 */
public final class ControlApi {
    static final String SUBSCRIBE = "events.subscribe";
    private static final ObjectMapper JSON = MessageCodec.mapper();

    private final CcdHome home;
    private final Store store;
    private final Supervisor supervisor;
    private final TemplateCatalog templates;
    private final Instant startedAt;
    private final Runnable shutdown;
    private final AgentStartRequest startRequests;
    /**
     * Found at start-up; a failure is probed again at each sandboxed start and status (a few ms),
     * so a bwrap installed meanwhile is seen without restarting the daemon.
     */
    private volatile SandboxSupport sandboxes;

    /** With sandbox support probed now. */
    public ControlApi(CcdHome home, Store store, Supervisor supervisor, TemplateCatalog templates, Runnable shutdown) {
        this(home, store, supervisor, templates, shutdown, SandboxSupport.probeNow(SandboxSupport.configuredBwrap()));
    }

    public ControlApi(CcdHome home, Store store, Supervisor supervisor, TemplateCatalog templates, Runnable shutdown,
            SandboxSupport sandboxes) {
        this.sandboxes = sandboxes;
        this.home = home;
        this.store = store;
        this.supervisor = supervisor;
        this.templates = templates;
        this.startedAt = Instant.now();
        this.shutdown = shutdown;
        this.startRequests = new AgentStartRequest(home, templates, this::sandboxSupport);
    }

    JsonNode call(String method, Params p) throws RpcException {
        try {
            return switch (method) {
                case "daemon.status" -> status();
                case "daemon.shutdown" -> {
                    Thread t = new Thread(shutdown, "daemon-shutdown");
                    t.start();
                    yield JSON.createObjectNode().put("stopping", true);
                }
                case "agent.start" -> agentStart(p);
                case "agent.stop" -> JSON.valueToTree(supervisor.stop(p.requiredString("name"),
                        Duration.ofMillis(Math.round(1000 * Optional.ofNullable(p.optionalDouble("timeout_s", 0.1, 3600))
                                .orElse(5.0)))));
                case "agent.list" -> {
                    ArrayNode runs = JSON.createArrayNode();
                    store.listRuns(p.bool("all", false)).forEach(r -> runs.add(runJson(r)));
                    yield runs;
                }
                case "agent.status" -> agentStatus(p.requiredString("name"), (int) p.longValue("n", 10, 1, 100_000));
                case "agent.resume" -> {
                    String name = p.requiredString("name");
                    ObjectNode r = JSON.createObjectNode();
                    Budgets.Limit<Long> tokens = Budgets.tokens(p);
                    Budgets.Limit<Double> cost = Budgets.cost(p);
                    Budgets.Limit<Integer> iterations = Budgets.iterationLimit(p);
                    Supervisor.BudgetChange change = new Supervisor.BudgetChange(tokens != null,
                            tokens == null ? null : tokens.value(), cost != null, cost == null ? null : cost.value(),
                            iterations != null, iterations == null ? null : iterations.value());
                    if (supervisor.liveBudget(name).isEmpty()) {
                        // no live run: the ended one goes on from its checkpoint
                        boolean force = p.bool("force", false);
                        RunRow run = supervisor.continueRun(name, change, force, provider -> secrets(p, provider));
                        r.put("continued", true);
                        r.set("run", JSON.valueToTree(run));
                        yield r;
                    }
                    if (tokens == null && cost == null && iterations == null) {
                        throw RpcException.invalidParam("max_tokens", "or 'max_cost_usd' (or 'max_iterations') is"
                                + " required: the new budget");
                    }
                    r.set("budget", JSON.valueToTree(supervisor.resume(name, change)));
                    yield r;
                }
                case "permission.list" -> JSON.valueToTree(store.permissions(null));
                case "permission.answer" -> JSON.valueToTree(supervisor.answerPermission(p.requiredString("id"),
                        p.requiredBool("granted"), p.optionalString("reason")));
                case "agent.tasks" -> {
                    RunRow run = runOf(p.requiredString("name"));
                    ObjectNode tasks = JSON.createObjectNode();
                    tasks.set("run", JSON.valueToTree(run));
                    tasks.set("tasks", JSON.valueToTree(store.tasks(run.id())));
                    yield tasks;
                }
                case "agent.logs" -> agentLogs(p.requiredString("name"), (int) p.longValue("n", 50, 1, 100_000));
                case "events.list" -> JSON.valueToTree(store.events(p.longValue("since", 0, 0, Long.MAX_VALUE), null,
                        (int) p.longValue("n", 100, 1, 100_000), !p.bool("from_start", false)));
                case "template.list" -> templateList();
                case "template.show" -> templateShow(p.requiredString("name"));
                default -> throw new RpcException(RpcException.METHOD_NOT_FOUND, "no such method '" + method
                        + "'; methods: daemon.status, daemon.shutdown, agent.start, agent.stop, agent.list,"
                        + " agent.status, agent.logs, agent.tasks, agent.resume, permission.list, permission.answer, events.list, events.subscribe, template.list, template.show");
            };
        } catch (SupervisorException e) {
            int code = switch (e.kind()) {
                case NOT_FOUND -> RpcException.NOT_FOUND;
                case CONFLICT -> RpcException.CONFLICT;
                case INVALID -> RpcException.INVALID_PARAMS;
                case FAILED -> RpcException.FAILED;
            };
            throw new RpcException(code, e.getMessage());
        } catch (TemplateCatalog.NotText e) {
            throw new RpcException(RpcException.INVALID_PARAMS, "template " + e.getMessage(), "template");
        } catch (SQLException | IOException e) {
            throw new RpcException(RpcException.INTERNAL_ERROR, "internal error: " + e.getMessage());
        }
    }

    /** One method for another front end (the dashboard): the same names, params and errors as on the socket. */
    public JsonNode invoke(String method, JsonNode params) throws RpcException {
        return call(method, new Params(params));
    }

    /** A resumed run's secrets: those the CLI passed on, else the daemon's key (none for a resume at start). */
    private Map<String, String> secrets(Params p, String provider) throws SupervisorException {
        try {
            return startRequests.secretsFor(p, provider);
        } catch (RpcException e) {
            throw new SupervisorException(SupervisorException.Kind.INVALID, e.getMessage());
        }
    }

    /**
     * At daemon start: the runs the last daemon left (interrupted by its crash, or stopped by its
     * {@code ccd stop}) that ask for it go on; see {@link Supervisor#resumeOnStart}.
     */
    public void resumeOnStart(List<String> interrupted, List<String> stoppedWithTheDaemon) {
        supervisor.resumeOnStart(interrupted, true, provider -> secrets(null, provider));
        supervisor.resumeOnStart(stoppedWithTheDaemon, false, provider -> secrets(null, provider));
    }

    Subscription subscribe(Params p) throws RpcException {
        long since = p.longValue("since", 0, 0, Long.MAX_VALUE);
        String name = p.optionalString("name");
        String runId = null;
        if (name != null) {
            runId = runOf(name).id();
        }
        if (p.bool("tail", false)) {
            try {
                // start from the present: only events after the newest one
                var last = store.events(0, runId, 1, true);
                since = last.isEmpty() ? 0 : last.get(0).id();
            } catch (SQLException e) {
                throw new RpcException(RpcException.INTERNAL_ERROR, "internal error: " + e.getMessage());
            }
        }
        return new Subscription(store, since, runId);
    }

    private SandboxSupport sandboxSupport() {
        SandboxSupport known = sandboxes;
        if (!known.available()) {
            known = SandboxSupport.probeNow(known.bwrap());
            sandboxes = known;
        }
        return known;
    }

    /** The run's row, and {@code warnings} for the CLI to show (an unsandboxed run). */
    private JsonNode agentStart(Params p) throws RpcException, IOException, SupervisorException {
        RunSpec spec = startRequests.parse(p);
        ObjectNode run = JSON.valueToTree(supervisor.start(spec));
        if (!spec.config().sandboxOptions().sandboxed()) {
            run.putArray("warnings").add(Supervisor.SANDBOX_OFF_WARNING);
        }
        return run;
    }

    private JsonNode status() throws SQLException {
        ObjectNode s = JSON.createObjectNode()
                .put("pid", ProcessHandle.current().pid())
                .put("home", home.root().toString())
                .put("started_at", startedAt.toString())
                .put("uptime_s", Duration.between(startedAt, Instant.now()).toMillis() / 1000.0)
                .put("runner_archive", supervisor.runnerArchive());
        s.set("runs", JSON.valueToTree(store.countByStatus()));
        StoreHealth health = store.health();
        s.putObject("record").put("state", health.state()).put("since", health.since())
                .put("reason", health.reason()).put("writes_queued", health.writesQueued())
                .put("wal_bytes", health.walBytes()).put("wal_warning", health.walWarning());
        SandboxSupport sandbox = sandboxSupport();
        s.putObject("sandbox").put("available", sandbox.available()).put("bwrap", sandbox.bwrap())
                .put("problem", sandbox.problem()).put("message", sandbox.message());
        return s;
    }

    /**
     * A run for the CLI: as recorded, but with a pid only while the run is live (the record keeps
     * an ended run's last pid, which may by now be another process's).
     */
    private static ObjectNode runJson(RunRow run) {
        ObjectNode node = JSON.valueToTree(run);
        if (!run.status().isLive()) {
            node.putNull("pid");
        }
        return node;
    }

    private JsonNode agentStatus(String name, int iterations) throws RpcException, SQLException {
        RunRow run = runOf(name);
        ObjectNode s = JSON.createObjectNode();
        s.set("run", runJson(run));
        s.set("iterations", withWaits(JSON.valueToTree(store.iterations(run.id(), iterations)), run));
        supervisor.liveBudget(name).ifPresent(b -> s.set("budget", JSON.valueToTree(b)));
        supervisor.pendingRestart(name).ifPresent(pending -> s.putObject("pending_restart")
                .put("previous_run_id", pending.previousRunId())
                .put("due_at", pending.dueAt().toString()));
        return s;
    }

    /**
     * Each iteration's {@code wait_s}: from its end to the next one's start (its background
     * tasks, then the interval), which its {@code duration_s}, the model's and tools' time, leaves
     * out; for the last one of a live run, the wait so far. Null when unknown.
     */
    private static ArrayNode withWaits(ArrayNode iterations, RunRow run) {
        for (int i = 0; i < iterations.size(); i++) {
            ObjectNode it = (ObjectNode) iterations.get(i);
            Instant ended = instant(it.path("ended_at").asText(null));
            Instant next = i + 1 < iterations.size() ? instant(iterations.get(i + 1).path("started_at").asText(null))
                    : run.status().isLive() ? Instant.now() : null;
            if (ended != null && next != null && !next.isBefore(ended)) {
                it.put("wait_s", Duration.between(ended, next).toMillis() / 1000.0);
            } else {
                it.putNull("wait_s");
            }
        }
        return iterations;
    }

    private static Instant instant(String ts) {
        try {
            return ts == null ? null : Instant.parse(ts);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    private JsonNode agentLogs(String name, int n) throws RpcException, SQLException {
        RunRow run = runOf(name);
        ObjectNode logs = JSON.createObjectNode();
        logs.set("run", JSON.valueToTree(run));
        logs.set("events", JSON.valueToTree(store.events(0, run.id(), n, true)));
        return logs;
    }

    /** The live run of that name, else its latest run. */
    private RunRow runOf(String name) throws RpcException {
        try {
            return store.latestRun(name).orElseThrow(() -> new RpcException(RpcException.NOT_FOUND,
                    "no agent named '" + name + "' (see 'ccd agent list --all')"));
        } catch (SQLException e) {
            throw new RpcException(RpcException.INTERNAL_ERROR, "internal error: " + e.getMessage());
        }
    }

    private JsonNode templateList() throws IOException {
        ArrayNode list = JSON.createArrayNode();
        for (TemplateCatalog.Template t : templates.list()) {
            list.addObject().put("name", t.name()).put("source", t.source()).put("description", t.description());
        }
        return list;
    }

    private JsonNode templateShow(String name) throws IOException, RpcException {
        TemplateCatalog.Template t = templates.find(name).orElseThrow(() -> new RpcException(RpcException.NOT_FOUND,
                "no template '" + name + "'; " + AgentStartRequest.available(templates)));
        return JSON.createObjectNode().put("name", t.name()).put("source", t.source()).put("text", t.text());
    }
}

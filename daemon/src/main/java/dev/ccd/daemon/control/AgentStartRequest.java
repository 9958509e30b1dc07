package dev.ccd.daemon.control;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ccd.daemon.CcdHome;
import dev.ccd.daemon.SandboxSupport;
import dev.ccd.daemon.supervisor.Placement;
import dev.ccd.daemon.supervisor.RunSpec;
import dev.ccd.daemon.templates.FrontMatter;
import dev.ccd.daemon.templates.TemplateCatalog;
import dev.ccd.protocol.Budget;
import dev.ccd.protocol.MessageCodec;
import dev.ccd.protocol.Price;
import dev.ccd.protocol.ProviderOptions;
import dev.ccd.protocol.RunConfig;
import dev.ccd.protocol.SandboxOptions;
import dev.ccd.protocol.TaskOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Validates the params of {@code agent.start} into a {@link RunSpec}: every check happens here,
 * before anything is written, so a refused start leaves nothing behind. Each error names the
 * field, the value and what is accepted. Values the request leaves out come from
 * {@code config.json} (see {@link DaemonConfig}), then from built-in defaults.
 */
final class AgentStartRequest {
    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    static final Set<String> PROVIDERS = Set.of("anthropic", "openai", "scripted");
    static final Set<String> RESTART = Set.of("never", "on-crash");
    static final Set<String> PLACEMENTS = Set.of("local", "slurm");
    /** The environment variables a provider reads, passed on from the CLI to that runner only. */
    static final Map<String, Set<String>> PROVIDER_ENV = Map.of(
            "anthropic", Set.of("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"),
            "openai", Set.of("OPENAI_API_KEY", "OPENAI_BASE_URL"),
            "scripted", Set.of());
    /** The one API key a provider's runner receives; the scripted provider needs none. */
    static final Map<String, String> PROVIDER_KEY = Map.of("anthropic", "ANTHROPIC_API_KEY", "openai", "OPENAI_API_KEY");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final CcdHome home;
    private final TemplateCatalog templates;
    private final Supplier<SandboxSupport> sandboxes;
    private final Map<String, String> daemonEnvironment;

    AgentStartRequest(CcdHome home, TemplateCatalog templates, Supplier<SandboxSupport> sandboxes) {
        this(home, templates, sandboxes, System.getenv());
    }

    AgentStartRequest(CcdHome home, TemplateCatalog templates, Supplier<SandboxSupport> sandboxes,
            Map<String, String> daemonEnvironment) {
        this.home = home;
        this.templates = templates;
        this.sandboxes = sandboxes;
        this.daemonEnvironment = daemonEnvironment;
    }

    RunSpec parse(Params p) throws RpcException, IOException {
        p.withDefaults(DaemonConfig.load(home.config()), "config.json");
        String name = p.requiredString("name");
        if (!NAME.matcher(name).matches()) {
            throw RpcException.invalidParam("name", "is '" + name + "'; a name is 1-64 characters of a-z, 0-9, '.', '_'"
                    + " and '-', starting with a letter or digit");
        }
        String templateName = p.requiredString("template");
        TemplateCatalog.Template template = templates.find(templateName).orElseThrow(() ->
                RpcException.invalidParam("template", "is '" + templateName + "', which does not exist; " + available(templates)));
        FrontMatter header = template.frontMatter();
        p.withDefaults(TemplateArgs.defaults(header, template.name()), "template " + template.name());
        String templateTtl = header.values().get("cache_ttl");
        if (templateTtl != null && !templateTtl.isBlank()) {
            p.withDefaults(MessageCodec.mapper().createObjectNode().put("cache_ttl", templateTtl.strip()),
                    "template " + template.name());
        }
        String provider = p.oneOf("provider", defaultProvider(p), PROVIDERS);
        Path script = null;
        String scriptParam = p.optionalString("script");
        if (scriptParam != null) {
            script = absolute(p, "script", scriptParam);
            if (!Files.isRegularFile(script)) {
                throw p.invalid("script", "is '" + script + "', which is not a readable file");
            }
        } else if (provider.equals("scripted")) {
            throw RpcException.invalidParam("script", "is required with provider scripted (a JSONL file of model turns)");
        }
        String workdirParam = p.optionalString("workdir");
        if (workdirParam == null && "cwd".equals(header.values().get("workdir"))) {
            // a template made for the repository at hand (autoresearch): where the command was typed
            workdirParam = p.optionalString("cwd");
        }
        Path workdir = workdirParam == null ? home.workspaces().resolve(name) : absolute(p, "workdir", workdirParam);
        if (workdirParam != null && !Files.isDirectory(workdir)) {
            throw p.invalid("workdir", "is '" + workdir + "', which is not a directory");
        }
        outsideTheHome(p, workdir);
        String args = TemplateArgs.withDefaults(header, template.name(), p.optionalString("args"), workdir);
        Integer maxIterations = Budgets.iterations(p);
        Budgets.Limit<Long> tokens = Budgets.tokens(p);
        Budgets.Limit<Double> cost = Budgets.cost(p);
        // Boxed on purpose: an unlimited limit is a null value, which a primitive default would unbox.
        Long maxTokens = tokens == null ? Long.valueOf(Budgets.DEFAULT_MAX_TOKENS) : tokens.value();
        Double maxCost = cost == null ? Double.valueOf(Budgets.DEFAULT_MAX_COST_USD) : cost.value();
        Budget budget = new Budget(maxTokens, maxCost, maxIterations);
        ProviderOptions options = new ProviderOptions(
                p.optionalInt("max_output_tokens", 1, 1_000_000),
                p.optionalDouble("connect_timeout_s", 0.001, 600),
                p.optionalDouble("request_timeout_s", 0.001, 3600),
                p.optionalInt("max_retries", 0, 100),
                p.optionalDouble("retry_base_s", 0.001, 600),
                p.optionalDouble("retry_max_s", 0.001, 3600),
                p.optionalDouble("cooldown_s", 0, 3600),
                p.get("stream") == null ? null : p.bool("stream", true),
                p.optionalDouble("stream_idle_timeout_s", 0.001, 3600),
                p.get("cache_ttl") == null ? null
                        : p.oneOf("cache_ttl", "5m", new java.util.TreeSet<>(ProviderOptions.CACHE_TTLS)),
                p.get("max_tokens_field") == null ? null
                        : p.oneOf("max_tokens_field", "max_tokens", new java.util.TreeSet<>(ProviderOptions.MAX_TOKENS_FIELDS)));
        Double interval = p.optionalDouble("interval_s", 0, 86_400);
        String model = sameChoice(p, "model") ? p.optionalString("model") : null;
        RunConfig config = new RunConfig(provider, model == null ? RunConfig.defaultModel(provider) : model,
                sameChoice(p, "base_url") ? p.optionalString("base_url") : null,
                script == null ? null : script.toString(), workdir.toString(), "", interval == null ? 0 : interval,
                p.bool("ask", false), p.optionalDouble("permission_timeout_s", 1, 7 * 86_400), budget, options,
                p.optionalInt("context_window", 1000, 10_000_000), p.optionalDouble("compact_threshold", 0.1, 0.95),
                p.optionalInt("stagnation_limit", 0, 1000), prices(p),
                new TaskOptions(p.optionalDouble("task_timeout_s", 1, 7 * 86_400), p.optionalDouble("task_wait_max_s", 0, 86_400),
                        p.optionalLong("task_output_cap_bytes", 1024, 1L << 40)), sandbox(p));
        Map<String, String> secrets = secretsFor(p, provider);
        if (provider.equals("anthropic") && blank(secrets.get("ANTHROPIC_API_KEY"))) {
            throw RpcException.invalidParam("provider", "is anthropic, which needs ANTHROPIC_API_KEY: set it in the"
                    + " environment of 'ccd agent start' (or of the daemon)");
        }
        if (config.sandboxOptions().sandboxed()) {
            SandboxSupport support = sandboxes.get();
            if (!support.available()) {
                throw new RpcException(RpcException.FAILED, "agent '" + name + "' would run its tools in a sandbox, but "
                        + support.message());
            }
        }
        RunSpec.RestartPolicy restart = p.oneOf("restart", "never", RESTART).equals("on-crash")
                ? RunSpec.RestartPolicy.ON_CRASH
                : RunSpec.RestartPolicy.NEVER;
        RunSpec spec = new RunSpec(name, template.name(), header.body(), args, workdir, config,
                restart, (int) p.longValue("max_restarts", 3, 0, 1000), secrets, placement(p),
                p.bool("resume_on_start", restart == RunSpec.RestartPolicy.ON_CRASH));
        // Only a request that passed every check may leave something behind.
        Files.createDirectories(workdir);
        return spec;
    }

    /** Where the runner runs: {@code placement}, {@code slurm_args}, {@code placement_timeout_s}, {@code slurm_java}. */
    private Placement placement(Params p) throws RpcException {
        Placement.Where where = p.oneOf("placement", "local", PLACEMENTS).equals("slurm")
                ? Placement.Where.SLURM : Placement.Where.LOCAL;
        String argsText = p.optionalString("slurm_args");
        List<String> slurmArgs = List.of();
        if (argsText != null) {
            try {
                slurmArgs = SlurmArgs.parse(argsText);
            } catch (IllegalArgumentException e) {
                throw p.invalid("slurm_args", "is '" + argsText + "', which " + e.getMessage());
            }
        }
        if (where == Placement.Where.SLURM && !onPath("srun")) {
            throw p.invalid("placement", "is slurm, but srun is not on the daemon's PATH: install Slurm's client"
                    + " commands (Debian: slurm-client) where the daemon runs, or start the daemon where they are");
        }
        Double timeout = p.optionalDouble("placement_timeout_s", 1, 30 * 86_400);
        String java = p.optionalString("slurm_java");
        if (java != null && (java.isBlank() || java.chars().anyMatch(c -> c < 0x20 || c == 0x7f))) {
            throw p.invalid("slurm_java", "is '" + java + "'; expected the Java command on the nodes, e.g."
                    + " /opt/jdk-17/bin/java");
        }
        return new Placement(where, slurmArgs, timeout == null ? Placement.DEFAULT_QUEUE_TIMEOUT
                : Duration.ofMillis(Math.round(timeout * 1000)), java);
    }

    private boolean onPath(String program) {
        String path = daemonEnvironment.getOrDefault("PATH", "");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, Price> prices(Params p) throws RpcException {
        JsonNode node = p.get("prices");
        if (node == null) {
            return null;
        }
        if (!node.isObject()) {
            throw p.invalid("prices", "must be an object {model: {input_per_mtok, output_per_mtok}}, got " + node);
        }
        Map<String, Price> prices = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode in = e.getValue().path("input_per_mtok");
            JsonNode out = e.getValue().path("output_per_mtok");
            if (!in.isNumber() || !out.isNumber() || in.doubleValue() < 0 || out.doubleValue() < 0) {
                throw p.invalid("prices", "entry '" + e.getKey() + "' needs numbers input_per_mtok and output_per_mtok"
                        + " >= 0 (US dollars per million tokens), got " + e.getValue());
            }
            JsonNode cached = e.getValue().path("cache_read_per_mtok");
            if (!cached.isMissingNode() && (!cached.isNumber() || cached.doubleValue() < 0)) {
                throw p.invalid("prices", "entry '" + e.getKey() + "': cache_read_per_mtok must be a number >= 0"
                        + " (US dollars per million cached input tokens), got " + cached);
            }
            prices.put(e.getKey(), new Price(in.doubleValue(), out.doubleValue(),
                    cached.isMissingNode() ? null : cached.doubleValue()));
        }
        return prices;
    }

    /**
     * The runner's secrets: the provider's variables the CLI passed on in {@code env} (see {@link
     * #secrets}), else the daemon's own key for that provider.
     */
    Map<String, String> secretsFor(Params p, String provider) throws RpcException {
        Map<String, String> secrets = p == null ? new HashMap<>() : secrets(p, provider);
        String key = PROVIDER_KEY.get(provider);
        if (key != null && blank(secrets.get(key)) && !blank(daemonEnvironment.get(key))) {
            // The runner no longer inherits the daemon's keys: its own provider's is handed on here.
            secrets.put(key, daemonEnvironment.get(key));
        }
        return secrets;
    }

    /**
     * The provider's variables the CLI passed on in {@code env} (it sends every provider's that it
     * has; the chosen provider's are kept). Any other variable is refused.
     */
    private static Map<String, String> secrets(Params p, String provider) throws RpcException {
        JsonNode env = p.get("env");
        if (env == null) {
            return new HashMap<>();
        }
        if (!env.isObject()) {
            throw p.invalid("env", "must be an object of environment variables");
        }
        Map<String, String> secrets = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = env.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            boolean known = PROVIDER_ENV.values().stream().anyMatch(vars -> vars.contains(e.getKey()));
            if (!known || !e.getValue().isTextual()) {
                throw p.invalid("env", "may hold only string provider variables (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL,"
                        + " OPENAI_API_KEY, OPENAI_BASE_URL), not '" + e.getKey() + "'");
            }
            if (e.getValue().textValue().chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                // named, never quoted: the value is a key
                throw p.invalid("env", "'" + e.getKey() + "' holds a control character; no key or URL does");
            }
            if (PROVIDER_ENV.get(provider).contains(e.getKey())) {
                secrets.put(e.getKey(), e.getValue().textValue());
            }
        }
        return secrets;
    }

    /**
     * The sandbox of the run's tool processes. {@code sandbox} and {@code network} are taken from
     * the first source that has them; the lists add up over the request, config.json and the
     * template. The daemon's home is always hidden from the tools: it holds the record and the
     * control socket.
     */
    private SandboxOptions sandbox(Params p) throws RpcException, IOException {
        boolean enabled = p.bool("sandbox", true);
        boolean network = p.bool("network", true);
        if (!enabled && !network) {
            throw p.invalid("network", "is false, but 'sandbox' is false too: only the sandbox can take the network"
                    + " away from tools; turn the sandbox on or leave the network on");
        }
        List<String> env = new ArrayList<>();
        for (Map.Entry<JsonNode, Integer> value : p.everyValue("sandbox_env")) {
            for (String name : strings(p, "sandbox_env", value, "environment variable names")) {
                if (!ENV_NAME.matcher(name).matches()) {
                    throw p.invalidAt(value.getValue(), "sandbox_env", "holds '" + name + "'; expected environment"
                            + " variable names ([A-Za-z_][A-Za-z0-9_]*)");
                }
                if (!env.contains(name)) {
                    env.add(name);
                }
            }
        }
        return new SandboxOptions(enabled, network, sandboxPaths(p, "sandbox_read_only"),
                sandboxPaths(p, "sandbox_read_write"), env, List.of(home.root().toRealPath().toString()));
    }

    private static List<String> sandboxPaths(Params p, String field) throws RpcException {
        Set<String> paths = new LinkedHashSet<>();
        for (Map.Entry<JsonNode, Integer> value : p.everyValue(field)) {
            for (String given : strings(p, field, value, "absolute paths")) {
                String path = given.equals("~") || given.startsWith("~/")
                        ? System.getProperty("user.home") + given.substring(1) : given;
                if (!path.startsWith("/")) {
                    throw p.invalidAt(value.getValue(), field, "holds '" + given + "'; an absolute path is required"
                            + " (or ~/ for your home)");
                }
                paths.add(Path.of(path).normalize().toString());
            }
        }
        return List.copyOf(paths);
    }

    /** The strings of one source's list value. */
    private static List<String> strings(Params p, String field, Map.Entry<JsonNode, Integer> value, String what)
            throws RpcException {
        JsonNode node = value.getKey();
        List<String> strings = new ArrayList<>();
        for (JsonNode e : node.isArray() ? node : List.<JsonNode>of()) {
            strings.add(e.isTextual() ? e.textValue() : null);
        }
        if (!node.isArray() || strings.contains(null)) {
            throw p.invalidAt(value.getValue(), field, "must be an array of strings (" + what + "), got " + node);
        }
        return strings;
    }

    /**
     * A model or base URL belongs to the provider chosen with it: one from config.json is dropped
     * when the command line picks another provider, rather than sent to the wrong API.
     */
    private static boolean sameChoice(Params p, String field) {
        int provider = p.source("provider");
        return provider < 0 || p.source(field) <= provider;
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }

    /**
     * No provider given (nor in config.json): a script means the scripted model; else the
     * provider whose key is set (the CLI's environment, then the daemon's), Anthropic first.
     * With none of these there is no guess: the error says how to choose.
     */
    private String defaultProvider(Params p) throws RpcException {
        if (p.optionalString("provider") != null) {
            return null;
        }
        if (p.optionalString("script") != null) {
            return "scripted";
        }
        JsonNode env = p.get("env");
        for (String provider : List.of("anthropic", "openai")) {
            String key = PROVIDER_KEY.get(provider);
            if (env != null && !blank(env.path(key).asText(null)) || !blank(daemonEnvironment.get(key))) {
                return provider;
            }
        }
        throw RpcException.invalidParam("provider", "is not given and none can be chosen: set ANTHROPIC_API_KEY"
                + " (or OPENAI_API_KEY) in the environment, give --provider anthropic|openai (--base-url for a local"
                + " server), or --script FILE for the scripted model; or set \"provider\" in config.json");
    }

    static String available(TemplateCatalog templates) {
        try {
            String names = templates.list().stream().map(TemplateCatalog.Template::name).collect(Collectors.joining(", "));
            return names.isEmpty() ? "no templates are installed" : "available: " + names;
        } catch (IOException e) {
            return "templates cannot be listed: " + e.getMessage();
        }
    }

    /**
     * The agent may change anything in its workdir, so the workdir must not hold ccd's home (the
     * record, the runs' checkpoints and specs, the dashboard's token): a run could forge its own
     * record or resume. Inside the home, only {@code workspaces/} is the agents'.
     */
    private void outsideTheHome(Params p, Path workdir) throws RpcException, IOException {
        Path root = real(home.root());
        Path real = real(workdir);
        if (root.startsWith(real)) {
            throw p.invalid("workdir", "is '" + workdir + "', which holds ccd's home " + root + " (its record, the"
                    + " runs' checkpoints, the dashboard's token): the agent could rewrite them; choose a directory"
                    + " outside it");
        }
        if (real.startsWith(root) && !real.startsWith(real(home.workspaces()))) {
            throw p.invalid("workdir", "is '" + workdir + "', inside ccd's home " + root + "; only "
                    + home.workspaces() + " there is for agents");
        }
    }

    private static Path real(Path path) throws IOException {
        return Files.exists(path) ? path.toRealPath() : path.toAbsolutePath().normalize();
    }

    private static Path absolute(Params p, String field, String value) throws RpcException {
        Path path = Path.of(value);
        if (!path.isAbsolute()) {
            throw p.invalid(field, "is '" + value + "'; an absolute path is required");
        }
        return path.normalize();
    }

    /** The params a config.json may set (everything but the run's identity and secrets). */
    static final Set<String> CONFIGURABLE = Set.of("provider", "model", "base_url", "interval_s", "ask",
            "max_iterations", "max_tokens", "max_cost_usd", "restart", "max_restarts", "permission_timeout_s",
            "max_output_tokens", "connect_timeout_s", "request_timeout_s", "max_retries", "retry_base_s",
            "retry_max_s", "cooldown_s", "context_window", "compact_threshold", "stagnation_limit", "prices",
            "task_timeout_s", "task_wait_max_s", "task_output_cap_bytes", "sandbox", "network", "sandbox_read_only",
            "sandbox_read_write", "sandbox_env", "stream", "stream_idle_timeout_s", "cache_ttl", "max_tokens_field",
            "placement", "slurm_args", "placement_timeout_s", "slurm_java", "resume_on_start");
}

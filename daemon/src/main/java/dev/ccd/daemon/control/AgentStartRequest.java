package dev.ccd.daemon.control;

import dev.ccd.daemon.CcdHome;
import dev.ccd.daemon.supervisor.RunSpec;
import dev.ccd.daemon.templates.TemplateCatalog;
import dev.ccd.protocol.Budget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Validates the params of {@code agent.start} into a {@link RunSpec}: every check happens here,
 * before anything is written, so a refused start leaves nothing behind. Each error names the
 * field, the value and what is accepted.
 */
final class AgentStartRequest {
    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    static final Set<String> PROVIDERS = Set.of("anthropic", "openai", "scripted");
    static final Set<String> RESTART = Set.of("never", "on-crash");

    private final CcdHome home;
    private final TemplateCatalog templates;

    AgentStartRequest(CcdHome home, TemplateCatalog templates) {
        this.home = home;
        this.templates = templates;
    }

    RunSpec parse(Params p) throws RpcException, IOException {
        String name = p.requiredString("name");
        if (!NAME.matcher(name).matches()) {
            throw RpcException.invalidParam("name", "is '" + name + "'; a name is 1-64 characters of a-z, 0-9, '.', '_'"
                    + " and '-', starting with a letter or digit");
        }
        String templateName = p.requiredString("template");
        TemplateCatalog.Template template = templates.find(templateName).orElseThrow(() ->
                RpcException.invalidParam("template", "is '" + templateName + "', which does not exist; " + available(templates)));
        String provider = p.oneOf("provider", "scripted", PROVIDERS);
        Path script = null;
        String scriptParam = p.optionalString("script");
        if (scriptParam != null) {
            script = absolute("script", scriptParam);
            if (!Files.isRegularFile(script)) {
                throw RpcException.invalidParam("script", "is '" + script + "', which is not a readable file");
            }
        } else if (provider.equals("scripted")) {
            throw RpcException.invalidParam("script", "is required with provider scripted (a JSONL file of model turns)");
        }
        Path workdir;
        String workdirParam = p.optionalString("workdir");
        if (workdirParam == null) {
            workdir = home.workspaces().resolve(name);
        } else {
            workdir = absolute("workdir", workdirParam);
            if (!Files.isDirectory(workdir)) {
                throw RpcException.invalidParam("workdir", "is '" + workdir + "', which is not a directory");
            }
        }
        Long maxIterations = p.optionalLong("max_iterations", 1, Integer.MAX_VALUE);
        Budget budget = new Budget(p.optionalLong("max_tokens", 1, Long.MAX_VALUE),
                p.optionalDouble("max_cost_usd", 0, 1e9),
                maxIterations == null ? null : maxIterations.intValue());
        RunSpec.RestartPolicy restart = p.oneOf("restart", "never", RESTART).equals("on-crash")
                ? RunSpec.RestartPolicy.ON_CRASH
                : RunSpec.RestartPolicy.NEVER;
        Double interval = p.optionalDouble("interval_s", 0, 86_400);
        RunSpec spec = new RunSpec(name, template.name(), template.text(), p.optionalString("args"), workdir, provider,
                p.optionalString("model"), p.optionalString("base_url"), script, interval == null ? 0 : interval,
                p.bool("ask", false), p.optionalDouble("permission_timeout_s", 1, 7 * 86_400), budget, restart,
                (int) p.longValue("max_restarts", 3, 0, 1000));
        // Only a request that passed every check may leave something behind.
        Files.createDirectories(workdir);
        return spec;
    }

    static String available(TemplateCatalog templates) {
        try {
            String names = templates.list().stream().map(TemplateCatalog.Template::name).collect(Collectors.joining(", "));
            return names.isEmpty() ? "no templates are installed" : "available: " + names;
        } catch (IOException e) {
            return "templates cannot be listed: " + e.getMessage();
        }
    }

    private static Path absolute(String field, String value) throws RpcException {
        Path path = Path.of(value);
        if (!path.isAbsolute()) {
            throw RpcException.invalidParam(field, "is '" + value + "'; an absolute path is required");
        }
        return path.normalize();
    }
}

package dev.ccd.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import picocli.CommandLine;

/** {@code ccd agent status NAME}: the run (live, else latest) and its last iterations. */
@CommandLine.Command(name = "status", description = "Status of an agent's live (else latest) run.")
final class AgentStatusCommand extends BaseCommand {

    @CommandLine.Parameters(index = "0", paramLabel = "NAME")
    String name;

    @CommandLine.Option(names = "--json", description = "print JSON")
    boolean json;

    @CommandLine.Option(names = "-n", paramLabel = "N", description = "the last N iterations (default 10)")
    String n;

    @Override
    public Integer call() {
        long iterations = n == null ? 10 : Numbers.whole("-n", n, 1, 100_000, "iterations");
        JsonNode s = call("agent.status", params().put("name", name).put("n", iterations));
        if (json) {
            printJson(s);
            return ExitCodes.OK;
        }
        JsonNode r = s.path("run");
        out().printf("%s: %s (run %s, template %s, provider %s%s)%n", r.path("name").asText(), statusAndReason(r),
                r.path("id").asText(), r.path("template").asText(), r.path("provider").asText(),
                r.hasNonNull("pid") ? ", pid " + r.path("pid").asLong() : "");
        out().printf(Locale.ROOT, "  started %s%s%n", r.path("started_at").asText(),
                r.hasNonNull("ended_at") ? ", ended " + r.path("ended_at").asText() : "");
        out().printf(Locale.ROOT, "  iterations %d, %s (%d in + %d out), cost %s%n", r.path("last_iteration").asInt(),
                Format.tokens(r), r.path("tokens_in").asLong(), r.path("tokens_out").asLong(),
                Format.cost(r.path("cost_usd").asDouble()));
        if (r.path("cache_read_tokens").asLong() + r.path("cache_write_tokens").asLong() > 0) {
            out().println("  prompt cache: " + r.path("cache_read_tokens").asLong() + " tokens read, "
                    + r.path("cache_write_tokens").asLong() + " written (parts of the tokens in)");
        }
        if (r.path("resume_count").asInt() > 0) {
            out().println("  resumed " + r.path("resume_count").asInt() + (r.path("resume_count").asInt() == 1
                    ? " time" : " times") + " from its checkpoint");
        }
        out().println("  workdir " + r.path("workdir").asText());
        if (r.path("placement").asText().equals("slurm")) {
            out().println("  placement slurm" + (r.hasNonNull("slurm_job_id") ? ", job " + r.path("slurm_job_id").asLong()
                    : ", no job id yet") + (r.hasNonNull("placement_state") ? ": " + r.path("placement_state").asText() : ""));
        }
        if (r.hasNonNull("sandbox")) {
            // runs recorded before ccd had sandboxes have no value, and no line
            out().println("  sandbox " + (r.path("sandbox").asText().equals("off") ? "off (tools run unconfined)"
                    : "on" + (r.path("network").asText().equals("off") ? ", network off" : "")));
        }
        if (s.has("budget")) {
            JsonNode b = s.path("budget");
            out().printf("  budget: max tokens %s, max cost %s, max iterations %s%n",
                    b.hasNonNull("max_tokens") ? b.path("max_tokens").asText() : "unlimited",
                    b.hasNonNull("max_cost_usd") ? Format.cost(b.path("max_cost_usd").asDouble()) : "unlimited",
                    b.hasNonNull("max_iterations") ? b.path("max_iterations").asText() : "unlimited");
        }
        if (r.hasNonNull("restart_of")) {
            out().printf("  restart %d of run %s%n", r.path("restart_count").asInt(), r.path("restart_of").asText());
        }
        if (s.has("pending_restart")) {
            out().println("  restart pending at " + s.path("pending_restart").path("due_at").asText());
        }
        if (r.hasNonNull("error")) {
            out().println("  error: " + r.path("error").asText());
        }
        for (JsonNode it : s.path("iterations")) {
            out().printf(Locale.ROOT, "  #%d %s%s%s %s%n", it.path("iteration").asInt(), it.path("status").asText(),
                    it.hasNonNull("duration_s") ? String.format(Locale.ROOT, " %.1fs", it.path("duration_s").asDouble()) : "",
                    it.path("wait_s").asDouble() >= 0.05
                            ? String.format(Locale.ROOT, " +%.1fs waiting", it.path("wait_s").asDouble()) : "",
                    it.path("summary").asText(""));
        }
        return ExitCodes.OK;
    }

    /** {@code completed (max_iterations)}; the status alone while live, or when the reason says no more. */
    static String statusAndReason(JsonNode run) {
        String status = run.path("status").asText();
        String reason = run.path("end_reason").asText("");
        return reason.isEmpty() || reason.equals(status) ? status : status + " (" + reason + ")";
    }
}

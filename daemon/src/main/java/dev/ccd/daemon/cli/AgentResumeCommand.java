package dev.ccd.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;

/**
 * {@code ccd agent resume NAME [--max-tokens N] [--max-cost USD] [--max-iterations N] [--force]}: lifts the budget
 * pause of a live run with a new budget, or continues an ended run (interrupted, crashed,
 * stopped, failed; completed with {@code --force}) from its checkpoint.
 */
@CommandLine.Command(name = "resume", description = "Lift a budget pause with a new budget, or continue an ended run"
        + " from its last checkpoint.")
final class AgentResumeCommand extends BaseCommand {

    @CommandLine.Parameters(index = "0", paramLabel = "NAME")
    String name;

    @CommandLine.Option(names = "--max-tokens", paramLabel = "N", description = "new token budget, or 'unlimited'")
    String maxTokens;

    @CommandLine.Option(names = "--max-cost", paramLabel = "USD", description = "new cost budget, or 'unlimited'")
    String maxCost;

    @CommandLine.Option(names = "--max-iterations", paramLabel = "N",
            description = "new iteration limit (counting the iterations done), or 'unlimited'")
    String maxIterations;

    @CommandLine.Option(names = "--force", description = "continue a run that completed, too")
    boolean force;

    @Override
    public Integer call() {
        ObjectNode p = params().put("name", name);
        BudgetOptions.put(p, "max_tokens", "--max-tokens", maxTokens, true);
        BudgetOptions.put(p, "max_cost_usd", "--max-cost", maxCost, false);
        Object iterations = Numbers.wholeOrUnlimited("--max-iterations", maxIterations, 1, Integer.MAX_VALUE, "iterations");
        if (iterations instanceof Long n) {
            p.put("max_iterations", n);
        } else if (iterations != null) {
            p.put("max_iterations", Numbers.UNLIMITED);
        }
        if (force) {
            p.put("force", true);
        }
        ObjectNode env = AgentStartCommand.providerEnvironment();
        if (!env.isEmpty()) {
            p.set("env", env);
        }
        JsonNode answer = call("agent.resume", p);
        if (answer.path("continued").asBoolean()) {
            JsonNode run = answer.path("run");
            out().printf("%s: run %s continues from its checkpoint (%s)%n", name, run.path("id").asText(),
                    run.path("status").asText());
            return ExitCodes.OK;
        }
        JsonNode budget = answer.path("budget");
        out().printf("%s: resumed with max tokens %s, max cost %s%n", name,
                budget.hasNonNull("max_tokens") ? budget.path("max_tokens").asText() : "unlimited",
                budget.hasNonNull("max_cost_usd") ? Format.cost(budget.path("max_cost_usd").asDouble()) : "unlimited");
        return ExitCodes.OK;
    }
}

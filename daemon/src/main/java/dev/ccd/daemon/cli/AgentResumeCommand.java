package dev.ccd.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;

/** {@code ccd agent resume NAME --max-tokens N --max-cost USD}: lifts a budget pause with a new budget. */
@CommandLine.Command(name = "resume", description = "Lift a budget pause with a new budget.")
final class AgentResumeCommand extends BaseCommand {

    @CommandLine.Parameters(index = "0", paramLabel = "NAME")
    String name;

    @CommandLine.Option(names = "--max-tokens", paramLabel = "N", description = "new token budget, or 'unlimited'")
    String maxTokens;

    @CommandLine.Option(names = "--max-cost", paramLabel = "USD", description = "new cost budget, or 'unlimited'")
    String maxCost;

    @Override
    public Integer call() {
        if (maxTokens == null && maxCost == null) {
            throw new CliException(ExitCodes.USAGE, "give the new budget: --max-tokens N and/or --max-cost USD");
        }
        ObjectNode p = params().put("name", name);
        BudgetOptions.put(p, "max_tokens", "--max-tokens", maxTokens, true);
        BudgetOptions.put(p, "max_cost_usd", "--max-cost", maxCost, false);
        JsonNode budget = call("agent.resume", p).path("budget");
        out().printf("%s: resumed with max tokens %s, max cost %s%n", name,
                budget.hasNonNull("max_tokens") ? budget.path("max_tokens").asText() : "unlimited",
                budget.hasNonNull("max_cost_usd") ? Format.cost(budget.path("max_cost_usd").asDouble()) : "unlimited");
        return ExitCodes.OK;
    }
}

package dev.ccd.runner.agent;

import dev.ccd.protocol.Budget;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.Usage;
import dev.ccd.runner.RunnerLink;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run's token and cost budget, checked before every model call. On a breach it sends
 * {@code paused_budget} and blocks, holding no model request open, until a {@code resume}
 * brings a new budget (adopted as is: the reference implementation this replaces kept the
 * budget of {@code init} and paused again at once) or the run stops.
 *
 * <p>Threading: {@link #beforeCall} runs on the agent loop thread; {@link #resume} comes from the
 * stdin reader thread and hands the budget over through a queue. The budget field is written by
 * the loop thread only. {@code paused} is set before {@code paused_budget} is sent, so a resume
 * (which the daemon sends only after it) always finds it set and is queued for the loop.
 */
final class BudgetGate {
    private static final Logger log = LoggerFactory.getLogger(BudgetGate.class);

    private final String runId;
    private final RunnerLink link;
    private final BlockingQueue<Budget> resumes = new LinkedBlockingQueue<>();
    /** The loop thread's current limits; volatile so the reader can tell whether a pause is on. */
    private volatile Budget budget;
    /** True while the loop thread waits for a resume; read by the stdin reader. */
    private volatile boolean paused;

    BudgetGate(String runId, Budget budget, RunnerLink link) {
        this.runId = runId;
        this.budget = budget == null ? Budget.UNLIMITED : budget;
        this.link = link;
    }

    /** Blocks while the usage is at or over the budget; returns once a call may be made. */
    void beforeCall(Meter meter, int iterations) throws InterruptedException {
        Optional<String> breach = breach(meter);
        while (breach.isPresent()) {
            Usage used = new Usage(meter.tokensIn(), meter.tokensOut(), meter.costUsd(), iterations,
                    meter.cacheWriteTokens(), meter.cacheReadTokens());
            log.info("{} - budget reached ({}): paused until resumed", runId, breach.get());
            paused = true;
            link.send(new Message.PausedBudget(breach.get(), budget, used));
            Budget next;
            try {
                next = resumes.take();
            } finally {
                paused = false;
                resumes.clear();
            }
            budget = next;
            link.send(new Message.Resumed());
            log.info("{} - resumed with budget {}", runId, next);
            breach = breach(meter);
        }
    }

    /** The limits in force, iterations included. */
    Budget budget() {
        return budget;
    }

    /** A new budget from the operator. Ignored (and logged) when the run is not paused. */
    void resume(Budget next) {
        if (!paused) {
            log.warn("{} - resume ignored: the run is not paused for its budget", runId);
            return;
        }
        resumes.add(next);
    }

    private Optional<String> breach(Meter meter) {
        Budget b = budget;
        if (b.maxTokens() != null && meter.tokensIn() + meter.tokensOut() >= b.maxTokens()) {
            return Optional.of("max_tokens");
        }
        if (b.maxCostUsd() != null && meter.costUsd() >= b.maxCostUsd()) {
            return Optional.of("max_cost");
        }
        return Optional.empty();
    }
}

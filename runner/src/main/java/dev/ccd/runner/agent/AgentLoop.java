package dev.ccd.runner.agent;

import dev.ccd.protocol.EndReason;
import dev.ccd.protocol.IterationStatus;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.RunConfig;
import dev.ccd.protocol.TaskOptions;
import dev.ccd.runner.RunnerLink;
import dev.ccd.runner.provider.ChatMessage;
import dev.ccd.runner.provider.LlmProvider;
import dev.ccd.runner.provider.ModelRequest;
import dev.ccd.runner.provider.ModelTurn;
import dev.ccd.runner.provider.ProviderException;
import dev.ccd.runner.provider.ToolSpec;
import dev.ccd.runner.tasks.TaskManager;
import dev.ccd.runner.tasks.TaskSnapshot;
import dev.ccd.runner.tools.Tool;
import dev.ccd.runner.tools.ToolContext;
import dev.ccd.runner.tools.ToolResult;
import dev.ccd.runner.tools.Tools;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the template as iterations (docs/ARCHITECTURE.md §6): the first prompt is "Begin the
 * program." (+ args), every later one "Continue to the next iteration of the program."; the
 * model calls tools until it ends its turn, whose last text is the iteration's summary; then the
 * loop waits {@code interval}. The run ends by itself on its iteration limit, when the script is
 * exhausted, on stagnation, or after repeated failures ({@link StopRules}).
 *
 * <p>Threading: {@link #run} owns the conversation and runs on one thread (the runner's main
 * thread). {@link #requestStop} may come from any thread: it records the reason and interrupts
 * the loop thread, which abandons the current model call or tool call (a tool kills what it
 * started before it lets the interrupt out) and returns.
 */
public final class AgentLoop {
    private static final Logger log = LoggerFactory.getLogger(AgentLoop.class);
    private static final int MAX_SUMMARY_CHARS = 4_000;
    private static final int MAX_PAUSED_TURNS = 8;
    /** Replies cut off at the output limit in a row that end the iteration as an error. */
    static final int MAX_CUT_OFF_TURNS = 3;
    /** Anthropic's stop reason for a reply cut because the prompt filled the context window. */
    static final String CONTEXT_EXCEEDED = "model_context_window_exceeded";
    /** Compactions in a row for one call whose window was exceeded before the iteration fails. */
    static final int MAX_OVERFLOWS = 2;
    static final Duration DEFAULT_TASK_WAIT = Duration.ofMinutes(30);
    static final Duration DEFAULT_PERMISSION_TIMEOUT = Duration.ofMinutes(30);

    private final Message.Init init;
    private final Meter model;
    private final Tools tools;
    private final List<ToolSpec> toolSpecs = new ArrayList<>();
    private final ToolContext toolContext;
    private final RunnerLink link;
    private final String system;
    private final Conversation conversation = new Conversation();
    private final ContextManager context;
    private final StopRules rules;
    private final TaskManager tasks;
    private final Duration taskWaitMax;
    private final BudgetGate budget;
    /** Null unless the run asks before mutating tool calls. */
    private final PermissionGate permissions;
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Written once by requestStop (any thread), read by the loop thread. */
    private volatile String stopReason;
    /** Set by run() before the first iteration, read by requestStop. */
    private volatile Thread loopThread;
    /** The journal of the iteration in progress, in the run directory; null when the run has none. */
    private final IterationJournal journal;
    /** The number the first iteration of this runner takes: 1, or where a resumed run goes on. */
    private final int firstIteration;
    /** Iterations completed in the run, earlier runners' included: what {@code max_iterations} counts. */
    private int completed;
    /** Said to the model at the head of the next iteration's prompt; null once said. */
    private String resumeNote;
    /** Null when the run has no directory. */
    private final Checkpoints checkpoints;

    public AgentLoop(Message.Init init, LlmProvider provider, Tools tools, ToolContext toolContext, RunnerLink link,
            TaskManager tasks) {
        this(init, provider, tools, toolContext, link, tasks, null);
    }

    /**
     * A loop that checkpoints after every iteration into the run directory (when {@code init} has
     * one) and, given a {@link Resumption}, goes on from the earlier runner's checkpoint.
     */
    public AgentLoop(Message.Init init, LlmProvider provider, Tools tools, ToolContext toolContext, RunnerLink link,
            TaskManager tasks, Resumption resumption) {
        RunConfig config = init.config();
        Path runDir = config.runDir().isBlank() ? null : Path.of(config.runDir());
        this.journal = runDir == null ? null : new IterationJournal(runDir);
        this.checkpoints = runDir == null ? null : new Checkpoints(runDir, this::notice);
        this.tasks = tasks;
        TaskOptions taskOptions = config.taskOptions();
        this.taskWaitMax = taskOptions != null && taskOptions.maxWaitS() != null
                ? Duration.ofMillis(Math.round(taskOptions.maxWaitS() * 1000))
                : DEFAULT_TASK_WAIT;
        this.budget = new BudgetGate(init.runId(), config.budget(), link);
        this.permissions = config.ask()
                ? new PermissionGate(init.runId(), config.permissionTimeoutS() == null ? DEFAULT_PERMISSION_TIMEOUT
                        : Duration.ofMillis(Math.round(config.permissionTimeoutS() * 1000)), link)
                : null;
        this.init = init;
        this.model = new Meter(provider, new PriceTable(config.prices()), this::notice);
        this.tools = tools;
        for (Tool tool : tools.all()) {
            toolSpecs.add(new ToolSpec(tool.name(), tool.description(), tool.inputSchema()));
        }
        this.toolContext = toolContext;
        this.link = link;
        this.system = Prompts.system(init.template().name(), init.template().text(), toolContext.workdir());
        int window = config.contextWindow() != null ? config.contextWindow() : ContextWindows.of(provider.model());
        double threshold = config.compactThreshold() != null ? config.compactThreshold() : 0.6;
        ContextManager.Summarizer summarizer = config.provider().equals("scripted")
                ? Summarizers::truncating
                : Summarizers.byModel(model, system);
        this.context = new ContextManager(window, threshold, summarizer, this::notice);
        this.rules = new StopRules(config.stagnationLimit() != null ? config.stagnationLimit()
                : StopRules.DEFAULT_STAGNATION_LIMIT);
        if (resumption == null) {
            this.firstIteration = 1;
        } else {
            this.firstIteration = resumption.nextIteration();
            this.resumeNote = resumption.note();
            IterationJournal.Spent spent = resumption.spent();
            model.carryOver(spent.tokensIn(), spent.tokensOut(), spent.costUsd(), spent.modelCalls());
            resumption.checkpoint().ifPresent(c -> {
                conversation.addAll(c.conversation());
                rules.restore(c.rules());
                completed = c.completed();
            });
        }
    }

    /** A background task started: recorded in the journal of the iteration in progress. */
    public void taskStarted(TaskSnapshot task) {
        if (journal != null) {
            journal.taskStarted(task.id(), task.command(), task.outputPath());
        }
    }

    /** Asks the loop to end; idempotent. The first reason is kept. */
    public void requestStop(String reason) {
        synchronized (this) {
            if (stopReason != null) {
                return;
            }
            stopReason = reason;
        }
        stopped.countDown();
        Thread thread = loopThread;
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** The operator's answer to a permission request (from the stdin reader). */
    public void onPermissionResponse(Message.PermissionResponse response) {
        if (permissions == null) {
            log.warn("{} - permission response {} ignored: this run does not ask", init.runId(), response.requestId());
            return;
        }
        permissions.answer(response);
    }

    /** A new budget after a pause (from the stdin reader). */
    public void onResume(Message.Resume resume) {
        budget.resume(resume.budget());
    }

    /** Runs iterations until the run ends; returns the {@code exit} message to send. */
    public Message.Exit run() {
        loopThread = Thread.currentThread();
        Duration interval = Duration.ofMillis(Math.round(init.config().intervalS() * 1000));
        try {
            return iterate(interval, firstIteration - 1);
        } finally {
            if (journal != null) {
                journal.close();
                log.info("{} - {}", init.runId(), checkpoints.summary());
            }
        }
    }

    private Message.Exit iterate(Duration interval, int lastNumber) {
        int iteration = lastNumber;
        while (true) {
            if (stopReason != null) {
                return exit(EndReason.STOPPED, completed, null);
            }
            if (iterationLimitReached(completed)) {
                return exit(EndReason.MAX_ITERATIONS, completed, null);
            }
            if (model.exhausted()) {
                return exit(EndReason.SCRIPT_EXHAUSTED, completed, null);
            }
            iteration++;
            if (journal != null) {
                journal.begin(iteration);
            }
            link.send(new Message.IterationStart(iteration));
            Outcome outcome = runIteration(iteration);
            completed++;
            boolean stopped = outcome.status == IterationStatus.STOPPED;
            // the rules judge an iteration that ended by itself and did not end the run
            Optional<StopRules.Verdict> verdict = stopped || outcome.fatal || iterationLimitReached(completed)
                    ? Optional.empty()
                    : rules.afterIteration(outcome.status, outcome.summary);
            if (!stopped) {
                // after the rules, so the checkpoint holds their judgement of this iteration; a
                // stopped iteration was cut short: the next runner does it again from the last one
                checkpoint(iteration);
            }
            link.send(outcome.done(iteration));
            if (stopped) {
                return exit(EndReason.STOPPED, completed, null);
            }
            if (outcome.fatal) {
                return model.exhausted()
                        ? exit(EndReason.SCRIPT_EXHAUSTED, completed, null)
                        : exit(EndReason.FAILED, completed, outcome.summary);
            }
            if (iterationLimitReached(completed)) {
                return exit(EndReason.MAX_ITERATIONS, completed, null);
            }
            if (verdict.isPresent()) {
                return exit(verdict.get().reason(), completed, verdict.get().error());
            }
            if (!awaitRunningTasks() || (!interval.isZero() && awaitStop(interval))) {
                return exit(EndReason.STOPPED, completed, null);
            }
        }
    }

    private boolean iterationLimitReached(int completed) {
        Integer max = budget.budget().maxIterations();
        return max != null && completed >= max;
    }

    /**
     * A turn that ended while its tasks run waits for one of them (or a stop, or the maximum
     * wait) instead of starting an iteration that would only poll. False when a stop came.
     */
    private boolean awaitRunningTasks() {
        if (tasks.running() == 0 || tasks.hasFinishedPending()) {
            return true;
        }
        log.info("{} - {} background tasks running: waiting up to {} s for one to finish", init.runId(),
                tasks.running(), taskWaitMax.toSeconds());
        try {
            tasks.awaitFinished(taskWaitMax);
            return stopReason == null;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /** One iteration's result; its usage is what the meter counted while it ran. */
    private final class Outcome {
        private final long startNanos = System.nanoTime();
        private final long tokensIn0 = model.tokensIn();
        private final long tokensOut0 = model.tokensOut();
        private final double cost0 = model.costUsd();
        private final long cacheWrite0 = model.cacheWriteTokens();
        private final long cacheRead0 = model.cacheReadTokens();
        private final long calls0 = model.calls();
        private final long retries0 = model.retries();
        private final Duration callTime0 = model.callTime();
        private final long estimated0 = model.estimatedTokens();
        private IterationStatus status = IterationStatus.OK;
        private String summary = "";
        private boolean fatal;

        Message.IterationDone done(int iteration) {
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            String text = summary.length() > MAX_SUMMARY_CHARS
                    ? summary.substring(0, MAX_SUMMARY_CHARS) + " [...]"
                    : summary;
            return new Message.IterationDone(iteration, status, seconds, text, model.tokensIn() - tokensIn0,
                    model.tokensOut() - tokensOut0, Math.max(0, model.costUsd() - cost0),
                    model.cacheWriteTokens() - cacheWrite0, model.cacheReadTokens() - cacheRead0, model.calls() - calls0,
                    model.retries() - retries0, model.callTime().minus(callTime0).toNanos() / 1e9,
                    model.estimatedTokens() - estimated0);
        }
    }

    private Outcome runIteration(int iteration) {
        Outcome outcome = new Outcome();
        String prompt = conversation.isEmpty() ? Prompts.first(init.args()) : Prompts.CONTINUE;
        if (resumeNote != null) {
            prompt = resumeNote + "\n\n" + prompt;
            resumeNote = null;
        }
        conversation.add(ChatMessage.user(prompt));
        try {
            int paused = 0;
            int cutOff = 0;
            int overflows = 0;
            while (true) {
                budget.beforeCall(model, completed);
                deliverTaskNotices();
                context.fit(system, conversation, toolSpecs);
                ModelTurn turn = model.complete(new ModelRequest(system, conversation, toolSpecs, 0,
                        system.length() + conversation.chars()));
                if (CONTEXT_EXCEEDED.equals(turn.stopReason())) {
                    // The reply was cut because the prompt filled the window: it is dropped, the
                    // history compacted, and the call made again.
                    if (++overflows > MAX_OVERFLOWS) {
                        outcome.status = IterationStatus.ERROR;
                        outcome.summary = "the model's context window was exceeded even after compaction";
                        return outcome;
                    }
                    log.info("{} - iteration {}: the model's context window was exceeded; compacting", init.runId(),
                            iteration);
                    context.compact(system, conversation, toolSpecs);
                    continue;
                }
                overflows = 0;
                if (journal != null) {
                    journal.spent(model.tokensIn(), model.tokensOut(), model.costUsd(), model.calls());
                }
                conversation.add(assistantMessage(turn));
                if (!turn.text().isBlank()) {
                    outcome.summary = turn.text().strip();
                }
                if (isCutOff(turn)) {
                    if (++cutOff >= MAX_CUT_OFF_TURNS) {
                        if (!turn.toolCalls().isEmpty()) {
                            // a tool call left without its result would make the next request
                            // invalid for both APIs
                            conversation.add(afterCutOff(turn));
                        }
                        outcome.status = IterationStatus.ERROR;
                        outcome.summary = "the model's replies were cut off at the output limit " + MAX_CUT_OFF_TURNS
                                + " times in a row" + (outcome.summary.isEmpty() ? "" : ": " + outcome.summary);
                        return outcome;
                    }
                    log.info("{} - iteration {}: reply cut off at the output limit ({} tool calls not run)",
                            init.runId(), iteration, turn.toolCalls().size());
                    conversation.add(afterCutOff(turn));
                    continue;
                }
                cutOff = 0;
                if (turn.toolCalls().isEmpty()) {
                    if ("pause_turn".equals(turn.stopReason()) && ++paused <= MAX_PAUSED_TURNS) {
                        continue; // the model paused a long turn: sending it back lets it go on
                    }
                    if ("refusal".equals(turn.stopReason())) {
                        outcome.status = IterationStatus.ERROR;
                        outcome.summary = "the model refused: " + outcome.summary;
                    }
                    return outcome;
                }
                List<ChatMessage.Block> results = new ArrayList<>();
                for (ModelTurn.ToolCall call : turn.toolCalls()) {
                    if (journal != null) {
                        journal.call(call.name(), call.input());
                    }
                    ToolResult result = callTool(call, turn.text());
                    if (journal != null) {
                        journal.result(result.content(), result.isError());
                    }
                    results.add(new ChatMessage.ToolResultBlock(call.id(), result.content(), result.isError()));
                }
                conversation.add(new ChatMessage(ChatMessage.Role.USER, results));
            }
        } catch (InterruptedException e) {
            outcome.status = IterationStatus.STOPPED;
            outcome.summary = "stopped: " + stopReason;
        } catch (ProviderException e) {
            log.warn("{} - iteration {}: model call failed: {}", init.runId(), iteration, e.getMessage());
            outcome.status = IterationStatus.ERROR;
            outcome.summary = e.getMessage();
            outcome.fatal = e.fatal();
        }
        return outcome;
    }

    /** Runs a tool call, first asking the operator when the run asks and the tool can change things. */
    private ToolResult callTool(ModelTurn.ToolCall call, String rationale) throws InterruptedException {
        boolean mutating = tools.find(call.name()).map(Tool::mutating).orElse(false);
        if (permissions != null && mutating) {
            PermissionGate.Decision decision = permissions.ask(call.name(), call.input(), rationale);
            if (!decision.granted()) {
                return ToolResult.error("The operator did not allow this " + call.name() + " call"
                        + (decision.reason() == null || decision.reason().isBlank() ? "." : ": " + decision.reason())
                        + " It did not run. Choose another way, or continue without it.");
            }
        }
        return tools.call(call.name(), call.input(), toolContext);
    }

    /**
     * Background tasks that finished since the last model call are told to the model now, once:
     * appended to the message about to be sent (the conversation ends with a user message here).
     */
    private void deliverTaskNotices() {
        List<TaskSnapshot> finished = tasks.drainFinished();
        if (finished.isEmpty()) {
            return;
        }
        int last = conversation.size() - 1;
        ChatMessage message = conversation.get(last);
        List<ChatMessage.Block> blocks = new ArrayList<>(message.content());
        blocks.add(new ChatMessage.Text(TaskManager.describeNotices(finished)));
        conversation.set(last, new ChatMessage(message.role(), blocks));
    }

    private void notice(String text) {
        log.info("{} - {}", init.runId(), text);
        link.send(new Message.Notify(text));
    }

    /** Anthropic's {@code max_tokens}, OpenAI's {@code length}: the reply hit the output limit. */
    private static boolean isCutOff(ModelTurn turn) {
        return "max_tokens".equals(turn.stopReason()) || "length".equals(turn.stopReason());
    }

    /**
     * What follows a reply cut off at the output limit. A tool call in it may carry half its
     * input, so none is run; each still gets a result, as both APIs require, saying why.
     */
    private static ChatMessage afterCutOff(ModelTurn turn) {
        if (turn.toolCalls().isEmpty()) {
            return ChatMessage.user(Prompts.CUT_OFF);
        }
        List<ChatMessage.Block> results = new ArrayList<>();
        for (ModelTurn.ToolCall call : turn.toolCalls()) {
            results.add(new ChatMessage.ToolResultBlock(call.id(), Prompts.CUT_OFF_CALL, true));
        }
        return new ChatMessage(ChatMessage.Role.USER, results);
    }

    private static ChatMessage assistantMessage(ModelTurn turn) {
        List<ChatMessage.Block> blocks = new ArrayList<>();
        // "\n\n" before a tool call is no text: the APIs refuse it when it is sent back.
        if (!turn.text().isBlank()) {
            blocks.add(new ChatMessage.Text(turn.text()));
        }
        for (ModelTurn.ToolCall call : turn.toolCalls()) {
            blocks.add(new ChatMessage.ToolUse(call.id(), call.name(), call.input()));
        }
        if (blocks.isEmpty()) {
            blocks.add(new ChatMessage.Text("(no reply)"));
        }
        return new ChatMessage(ChatMessage.Role.ASSISTANT, blocks);
    }

    /** Replaces the run's checkpoint with the state after {@code iteration}. */
    private void checkpoint(int iteration) {
        if (checkpoints == null) {
            return;
        }
        List<Checkpoint.RunningTask> running = new ArrayList<>();
        int lastTask = 0;
        for (TaskSnapshot task : tasks.list()) {
            lastTask = Math.max(lastTask, Integer.parseInt(task.id().substring(1)));
            if (task.running()) {
                running.add(new Checkpoint.RunningTask(task.id(), task.command(), task.outputPath().toString()));
            }
        }
        checkpoints.write(new Checkpoint(iteration, completed, model.tokensIn(), model.tokensOut(), model.costUsd(),
                model.calls(), rules.state(), lastTask, running, conversation));
    }

    /** Waits the interval; true when a stop came first. */
    private boolean awaitStop(Duration interval) {
        try {
            return stopped.await(interval.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            return true;
        }
    }

    private static Message.Exit exit(EndReason reason, int iterations, String error) {
        return new Message.Exit(reason, iterations, error);
    }
}

package dev.ccd.daemon.supervisor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.store.RunStatus;
import dev.ccd.daemon.store.Store;
import dev.ccd.daemon.store.Timestamps;
import dev.ccd.protocol.Excerpt;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.MessageCodec;
import dev.ccd.protocol.ReadResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns what a runner says into rows and events. Called on the runner's reader thread, one
 * outcome at a time, so the writes of one run are queued (and committed) in the order the runner
 * sent them. A protocol error is counted, logged with the run id and recorded as an event; the
 * run goes on.
 */
final class RunRecorder {
    private static final Logger log = LoggerFactory.getLogger(RunRecorder.class);

    /** Task ids become file names: nothing that could leave the tasks directory. */
    private static final java.util.regex.Pattern TASK_ID = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final Store store;
    private final Approvals approvals;
    private final Liveness liveness;

    RunRecorder(Store store, Approvals approvals, Liveness liveness) {
        this.store = store;
        this.approvals = approvals;
        this.liveness = liveness;
    }

    void onOutcome(RunHandle runner, ReadResult result) {
        if (runner.isEnded()) {
            // the run's end is recorded already: a row written now would stay open forever
            log.warn("{} - dropping a line read after the run ended: {}", runner.runId, result.describe());
            return;
        }
        if (result instanceof ReadResult.Received received) {
            onMessage(runner, received.message());
        } else if (result instanceof ReadResult.EndOfStream end) {
            if (end.partialLineBytes() > 0) {
                protocolError(runner, "partial_line", result.describe());
            }
        } else if (result instanceof ReadResult.UnknownOp unknown) {
            // Forward compatibility: a newer runner may say things this daemon does not know.
            log.warn("{} - ignoring unknown op '{}': {}", runner.runId, unknown.op(),
                    Excerpt.abbreviate(unknown.raw().toString(), DETAIL_CHARS));
            protocolError(runner, "unknown_op", result.describe());
        } else {
            protocolError(runner, kind(result), result.describe());
        }
    }

    private void onMessage(RunHandle runner, Message message) {
        String runId = runner.runId;
        if (message instanceof Message.Ready ready) {
            runner.readyNanos = System.nanoTime();
            runner.onReady();
            runner.ready.complete(ready);
        } else if (message instanceof Message.Pong) {
            // not recorded: a pong every interval would flood the events; only changes are
            liveness.onPong(runner);
        } else if (message instanceof Message.IterationStart start) {
            store.iterationStarted(runId, start.iteration(), Timestamps.now());
            runner.underway.complete(null);
        } else if (message instanceof Message.IterationDone done) {
            store.iterationDone(runId, done, Timestamps.now());
            runner.settled.complete(null);
            // the message as the runner sent it (op included): the cheapest payload there is
            store.eventJson("iteration", runId, MessageCodec.encodeToString(done));
        } else if (message instanceof Message.TaskStarted task && !TASK_ID.matcher(task.taskId()).matches()) {
            protocolError(runner, "invalid_fields", "task_started: field 'task_id' is not a task id: " + task.taskId());
        } else if (message instanceof Message.TaskDone task && !TASK_ID.matcher(task.taskId()).matches()) {
            protocolError(runner, "invalid_fields", "task_done: field 'task_id' is not a task id: " + task.taskId());
        } else if (message instanceof Message.TaskStarted task) {
            store.taskStarted(runId, task.taskId(), task.command(), taskLog(runner, task.taskId()), Timestamps.now());
            store.event("task_started", runId, json(message));
        } else if (message instanceof Message.TaskDone task) {
            store.taskDone(runId, task, taskLog(runner, task.taskId()), Timestamps.now());
            store.event("task_done", runId, json(message));
        } else if (message instanceof Message.PermissionRequest request) {
            approvals.onRequest(runner, request);
            runner.settled.complete(null);
        } else if (message instanceof Message.PausedBudget paused) {
            runner.onPaused(paused);
            store.pausedBudget(runId, paused.used(), json(message));
            runner.settled.complete(null);
        } else if (message instanceof Message.Resumed) {
            runner.onResumed();
            store.setLiveStatus(runId, RunStatus.RUNNING, "resumed", null);
        } else if (message instanceof Message.Exit exit) {
            runner.exitMessage = exit;
            runner.settled.complete(null);
            // The runner is leaving: a stdin it may still be reading would delay its JVM's exit.
            runner.pipe().closeStdin("the runner said exit");
            if (!runner.ready.isDone()) {
                runner.ready.completeExceptionally(new IllegalStateException(
                        exit.reason() + (exit.error() == null ? "" : ": " + exit.error())));
            }
        } else if (message instanceof Message.Init || message instanceof Message.Stop
                || message instanceof Message.Resume || message instanceof Message.PermissionResponse
                || message instanceof Message.Ping) {
            protocolError(runner, "wrong_direction", "a runner may not send " + MessageCodec.encodeToString(message));
        } else {
            // notify, log: kept as events, for `ccd agent logs`
            store.event(opOf(message), runId, json(message));
        }
    }

    /** Where the runner writes a task's output: {@code runs/<run_id>/tasks/<task_id>.log}. */
    private static String taskLog(RunHandle runner, String taskId) {
        return runner.stderrLog.resolveSibling("tasks").resolve(taskId + ".log").toString();
    }

    private void protocolError(RunHandle runner, String kind, String detail) {
        long count = runner.pipe().protocolErrors();
        log.warn("{} - protocol error #{} from runner ({}): {}", runner.runId, count, kind, 
                Excerpt.abbreviate(detail, DETAIL_CHARS));
        store.event("protocol_error", runner.runId, MessageCodec.mapper().createObjectNode()
                .put("kind", kind).put("detail", Excerpt.abbreviate(detail, DETAIL_CHARS)).put("count", count));
    }

    private static String kind(ReadResult result) {
        if (result instanceof ReadResult.LineTooLong) {
            return "line_too_long";
        }
        if (result instanceof ReadResult.InvalidJson) {
            return "invalid_json";
        }
        return "invalid_fields";
    }

    /** The message's fields without its op, as an event payload. */
    private static ObjectNode json(Message message) {
        ObjectNode node = MessageCodec.mapper().valueToTree(message);
        node.remove("op");
        return node;
    }

    private static String opOf(Message message) {
        return MessageCodec.mapper().valueToTree(message).path("op").asText();
    }

    /** Characters of a runner's line or a problem with it that logs and events keep. */
    private static final int DETAIL_CHARS = 300;
}

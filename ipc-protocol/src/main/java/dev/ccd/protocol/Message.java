package dev.ccd.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Every message that crosses the pipe between the daemon and a runner. One message is one
 * compact JSON object on one line; the {@code op} field names it. Field names are snake_case on
 * the wire ({@code runId} is {@code run_id}); null optional fields are left out.
 *
 * <p>Required fields are marked {@code required = true} (for numbers and booleans, whose absence
 * Jackson could otherwise not tell from zero) or checked in the compact constructor (for
 * objects), so a decoded message is always complete. See {@code PROTOCOL.md} for the contract.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "op")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Message.Init.class, name = "init"),
    @JsonSubTypes.Type(value = Message.PermissionResponse.class, name = "permission_response"),
    @JsonSubTypes.Type(value = Message.Resume.class, name = "resume"),
    @JsonSubTypes.Type(value = Message.Stop.class, name = "stop"),
    @JsonSubTypes.Type(value = Message.Ping.class, name = "ping"),
    @JsonSubTypes.Type(value = Message.Pong.class, name = "pong"),
    @JsonSubTypes.Type(value = Message.Ready.class, name = "ready"),
    @JsonSubTypes.Type(value = Message.IterationStart.class, name = "iteration_start"),
    @JsonSubTypes.Type(value = Message.IterationDone.class, name = "iteration_done"),
    @JsonSubTypes.Type(value = Message.PermissionRequest.class, name = "permission_request"),
    @JsonSubTypes.Type(value = Message.PausedBudget.class, name = "paused_budget"),
    @JsonSubTypes.Type(value = Message.Resumed.class, name = "resumed"),
    @JsonSubTypes.Type(value = Message.TaskStarted.class, name = "task_started"),
    @JsonSubTypes.Type(value = Message.TaskDone.class, name = "task_done"),
    @JsonSubTypes.Type(value = Message.Notify.class, name = "notify"),
    @JsonSubTypes.Type(value = Message.Log.class, name = "log"),
    @JsonSubTypes.Type(value = Message.Exit.class, name = "exit"),
})
public sealed interface Message {

    /** The protocol version both sides speak; see the versioning rule in PROTOCOL.md. */
    int PROTOCOL_VERSION = 1;

    // ---- daemon -> runner ------------------------------------------------------------------

    /**
     * First message of a run: everything the runner needs to start; {@code resume}, when set, says
     * to go on from an earlier runner's checkpoint.
     */
    record Init(
            @JsonProperty(required = true) int protocol,
            @JsonProperty(required = true) String runId,
            @JsonProperty(required = true) String name,
            @JsonProperty(required = true) TemplateSpec template,
            String args,
            @JsonProperty(required = true) RunConfig config,
            ResumeFrom resume) implements Message {
        public Init {
            FieldException.required(runId, "run_id");
            FieldException.required(name, "name");
            FieldException.required(template, "template");
            FieldException.required(config, "config");
        }

        /** A run that starts from the beginning. */
        public Init(int protocol, String runId, String name, TemplateSpec template, String args, RunConfig config) {
            this(protocol, runId, name, template, args, config, null);
        }
    }

    /** The operator's answer to a {@link PermissionRequest}. */
    record PermissionResponse(
            @JsonProperty(required = true) String requestId,
            @JsonProperty(required = true) boolean granted,
            String reason) implements Message {
        public PermissionResponse {
            FieldException.required(requestId, "request_id");
        }
    }

    /** Lifts a budget pause; the runner adopts {@code budget} as its new limits. */
    record Resume(@JsonProperty(required = true) Budget budget) implements Message {
        public Resume {
            FieldException.required(budget, "budget");
        }
    }

    /** Asks the runner to end: finish or abandon the current step, stop its tasks, send exit. */
    record Stop(String reason) implements Message {
    }

    /**
     * Asks the runner whether it still answers; it replies {@link Pong} with the same {@code seq}
     * from its stdin reader, whatever its agent loop is doing.
     *
     * @param seq the daemon's counter for this run, echoed in the pong; optional
     */
    record Ping(Long seq) implements Message {
    }

    // ---- runner -> daemon ------------------------------------------------------------------

    /** The answer to a {@link Ping}; {@code seq} is the ping's. */
    record Pong(Long seq) implements Message {
    }

    /** The runner's answer to init; must arrive within the handshake timeout. */
    record Ready(
            @JsonProperty(required = true) int protocol,
            @JsonProperty(required = true) long pid) implements Message {
    }

    record IterationStart(@JsonProperty(required = true) int iteration) implements Message {
        public IterationStart {
            positive(iteration, "iteration");
        }
    }

    /**
     * @param summary          the model's last text
     * @param tokensIn         all input the model read, cached or not
     * @param cacheWriteTokens the part of {@code tokensIn} written to the vendor's prompt cache
     *                         (absent from older runners: 0)
     * @param cacheReadTokens  the part of {@code tokensIn} read from it
     * @param costUsd          priced with the cache rates, abandoned attempts included
     * @param modelCalls       model calls answered in the iteration (absent from older runners: 0)
     * @param modelRetries     requests sent beyond the first of each call, those of failed calls
     *                         included
     * @param modelSeconds     wall time spent in model calls, their retries and waits included
     * @param estimatedTokens  the part of {@code tokensIn + tokensOut} that is ccd's estimate for
     *                         abandoned attempts (the vendor never said what they used)
     */
    record IterationDone(
            @JsonProperty(required = true) int iteration,
            @JsonProperty(required = true) IterationStatus status,
            @JsonProperty(required = true) double durationS,
            String summary,
            @JsonProperty(required = true) long tokensIn,
            @JsonProperty(required = true) long tokensOut,
            @JsonProperty(required = true) double costUsd,
            Long cacheWriteTokens,
            Long cacheReadTokens,
            Long modelCalls,
            Long modelRetries,
            Double modelSeconds,
            Long estimatedTokens) implements Message {
        public IterationDone {
            // boxed so that a line without them (an older runner) decodes; absent is 0
            cacheWriteTokens = cacheWriteTokens == null ? 0L : cacheWriteTokens;
            cacheReadTokens = cacheReadTokens == null ? 0L : cacheReadTokens;
            modelCalls = modelCalls == null ? 0L : modelCalls;
            modelRetries = modelRetries == null ? 0L : modelRetries;
            modelSeconds = modelSeconds == null ? 0.0 : modelSeconds;
            estimatedTokens = estimatedTokens == null ? 0L : estimatedTokens;
            positive(iteration, "iteration");
            FieldException.required(status, "status");
            FieldException.nonNegative(durationS, "duration_s");
            FieldException.nonNegative(tokensIn, "tokens_in");
            FieldException.nonNegative(tokensOut, "tokens_out");
            FieldException.nonNegative(costUsd, "cost_usd");
            FieldException.nonNegative(cacheWriteTokens, "cache_write_tokens");
            FieldException.nonNegative(cacheReadTokens, "cache_read_tokens");
            FieldException.nonNegative(modelCalls, "model_calls");
            FieldException.nonNegative(modelRetries, "model_retries");
            FieldException.nonNegative(modelSeconds, "model_seconds");
            FieldException.nonNegative(estimatedTokens, "estimated_tokens");
        }

        /** An iteration without prompt-cache traffic or call counts. */
        public IterationDone(int iteration, IterationStatus status, double durationS, String summary, long tokensIn,
                long tokensOut, double costUsd) {
            this(iteration, status, durationS, summary, tokensIn, tokensOut, costUsd, 0L, 0L);
        }

        /** An iteration without call counts. */
        public IterationDone(int iteration, IterationStatus status, double durationS, String summary, long tokensIn,
                long tokensOut, double costUsd, Long cacheWriteTokens, Long cacheReadTokens) {
            this(iteration, status, durationS, summary, tokensIn, tokensOut, costUsd, cacheWriteTokens, cacheReadTokens,
                    0L, 0L, 0.0, 0L);
        }
    }

    /** A mutating tool call waiting for the operator; answered by {@link PermissionResponse}. */
    record PermissionRequest(
            @JsonProperty(required = true) String requestId,
            @JsonProperty(required = true) String tool,
            @JsonProperty(required = true) JsonNode input,
            String rationale) implements Message {
        public PermissionRequest {
            FieldException.required(requestId, "request_id");
            FieldException.required(tool, "tool");
            FieldException.required(input, "input");
        }
    }

    /** A budget was reached; the runner waits for {@link Resume} or {@link Stop}. */
    record PausedBudget(
            @JsonProperty(required = true) String reason,
            @JsonProperty(required = true) Budget budget,
            @JsonProperty(required = true) Usage used) implements Message {
        public PausedBudget {
            FieldException.required(reason, "reason");
            FieldException.required(budget, "budget");
            FieldException.required(used, "used");
        }
    }

    /** The runner adopted the budget of a {@link Resume} and runs on. */
    record Resumed() implements Message {
    }

    record TaskStarted(
            @JsonProperty(required = true) String taskId,
            @JsonProperty(required = true) String command) implements Message {
        public TaskStarted {
            FieldException.required(taskId, "task_id");
            FieldException.required(command, "command");
        }
    }

    /**
     * @param status   a final status: never {@link TaskStatus#RUNNING}
     * @param exitCode the process's exit code; null when it was killed before it exited
     */
    record TaskDone(
            @JsonProperty(required = true) String taskId,
            @JsonProperty(required = true) TaskStatus status,
            Integer exitCode,
            @JsonProperty(required = true) double durationS) implements Message {
        public TaskDone {
            FieldException.required(taskId, "task_id");
            TaskStatus.requireFinal(status);
            FieldException.nonNegative(durationS, "duration_s");
        }
    }

    /** Something the operator should see in {@code ccd agent logs}. */
    record Notify(@JsonProperty(required = true) String text) implements Message {
        public Notify {
            FieldException.required(text, "text");
        }
    }

    /** A runner log line worth keeping with the run (its stderr has the rest). */
    record Log(
            @JsonProperty(required = true) String level,
            @JsonProperty(required = true) String msg) implements Message {
        public Log {
            FieldException.required(level, "level");
            FieldException.required(msg, "msg");
        }
    }

    /** The runner's last message: why it ends and how many iterations it completed. */
    record Exit(
            @JsonProperty(required = true) EndReason reason,
            @JsonProperty(required = true) int iterations,
            String error) implements Message {
        public Exit {
            FieldException.required(reason, "reason");
            FieldException.nonNegative(iterations, "iterations");
        }

        /**
         * Decoding: a reason this version does not know (a newer runner's) is read as {@link
         * EndReason#FAILED}, with the reason it gave at the head of {@code error}. Refusing the
         * line instead would leave the run without its exit, to be taken for a crash and restarted.
         */
        @JsonCreator
        private static Exit fromWire(
                @JsonProperty(value = "reason", required = true) String reason,
                @JsonProperty(value = "iterations", required = true) int iterations,
                @JsonProperty("error") String error) {
            EndReason known = EndReason.find(reason);
            if (known != null || reason == null) {
                return new Exit(known, iterations, error);
            }
            return new Exit(EndReason.FAILED, iterations, "unknown end reason \""
                    + Excerpt.abbreviate(reason, WireNames.SHOWN_CHARS) + "\"" + (error == null ? "" : ": " + error));
        }
    }

    private static void positive(int value, String field) {
        if (value < 1) {
            throw new FieldException(field, "must be >= 1, got " + value);
        }
    }
}

package dev.ccd.daemon.supervisor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.store.RunStatus;
import dev.ccd.process.ManagedProcess;
import dev.ccd.protocol.Excerpt;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.MessageCodec;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * How a run ended, decided from what the runner said ({@code exit}) and what happened to its
 * process (exit code, stop ladder step). An {@code exit} message is the runner's own account
 * and wins; without one, a run that was asked to stop is {@code stopped}, any other is
 * {@code crashed}.
 */
record RunEnd(RunStatus status, String reason, Integer exitCode, String error, EndedBy endedBy) {

    static final int STDERR_TAIL_BYTES = 4096;

    /** How the run's process ended, for the record. */
    enum EndedBy { EXIT_MESSAGE, SIGTERM, SIGKILL, ITSELF }

    static RunEnd of(RunHandle runner) {
        ManagedProcess process = runner.process();
        int code = process.exitCode();
        Message.Exit exit = runner.exitMessage;
        EndedBy by = switch (process.escalation()) {
            case TERMINATED -> EndedBy.SIGTERM;
            case KILLED -> EndedBy.SIGKILL;
            default -> exit != null ? EndedBy.EXIT_MESSAGE : EndedBy.ITSELF;
        };
        String stopReason = runner.stopReason();
        String placementFailure = runner.placementFailure();
        if (exit == null && placementFailure != null) {
            return new RunEnd(RunStatus.FAILED, "placement_failed", code, placementFailure, by);
        }
        if (exit != null) {
            return switch (exit.reason()) {
                case STOPPED -> new RunEnd(RunStatus.STOPPED, nonNull(stopReason, "stdin closed"),
                        code, null, by);
                case MAX_ITERATIONS, SCRIPT_EXHAUSTED, STAGNATION, COMPLETED ->
                        new RunEnd(RunStatus.COMPLETED, exit.reason().wireName(), code, null, by);
                case FAILED, PROTOCOL_MISMATCH, BAD_CONFIG -> new RunEnd(RunStatus.FAILED, exit.reason().wireName(),
                        code, exit.reason().wireName() + (exit.error() == null ? "" : ": " + exit.error()), by);
            };
        }
        String scheduler = runner.schedulerAccount();
        if (stopReason != null) {
            String undelivered = runner.stopUndelivered();
            String how = (scheduler == null ? "" : scheduler + "; ") + (undelivered != null
                    ? "the stop message did not reach the runner (" + undelivered + "); ended by "
                            + (by == EndedBy.ITSELF ? "itself" : by.name())
                    : switch (by) {
                        case SIGTERM -> "did not exit after the stop message; ended by SIGTERM";
                        case SIGKILL -> "ignored the stop message and SIGTERM; ended by SIGKILL";
                        default -> "exited without an exit message after the stop";
                    });
            return new RunEnd(RunStatus.STOPPED, stopReason, code, how, by);
        }
        String tail = stderrTail(runner.stderrLog);
        String killedBecause = runner.killedBecause();
        String error = (scheduler == null ? "" : scheduler + "; ") + (killedBecause == null ? "" : killedBecause + "; ")
                + "runner exited with code " + code + " (" + signal(code) + ") without an exit message"
                + (tail.isBlank() ? "" : "; stderr tail:\n" + tail);
        return new RunEnd(RunStatus.CRASHED, "crashed", code, error, by);
    }

    /**
     * Why the run ended, in one word, for {@code agent_runs.end_reason}: the runner's exit reason
     * ({@code completed}, {@code max_iterations}, {@code stagnation}, ...), else {@code stopped}
     * or {@code crashed}. ({@link #reason} says more for a stop: who asked.)
     */
    String endReason() {
        return switch (status) {
            case STOPPED -> "stopped";
            case CRASHED -> "crashed";
            default -> reason;
        };
    }

    ObjectNode payload() {
        ObjectNode node = MessageCodec.mapper().createObjectNode()
                .put("status", status.dbName())
                .put("reason", reason)
                .put("end_reason", endReason())
                .put("ended_by", endedBy.name().toLowerCase(java.util.Locale.ROOT));
        if (exitCode != null) {
            node.put("exit_code", exitCode);
        }
        if (error != null) {
            node.put("error", Excerpt.abbreviate(error, 500));
        }
        return node;
    }

    private static String signal(int code) {
        return switch (code) {
            case 137 -> "SIGKILL";
            case 143 -> "SIGTERM";
            case 134 -> "SIGABRT";
            case 139 -> "SIGSEGV";
            default -> code > 128 && code < 160 ? "signal " + (code - 128) : "no signal";
        };
    }

    /** The last {@link #STDERR_TAIL_BYTES} of the runner's stderr log. */
    static String stderrTail(Path stderrLog) {
        try (RandomAccessFile file = new RandomAccessFile(stderrLog.toFile(), "r")) {
            long length = file.length();
            long from = Math.max(0, length - STDERR_TAIL_BYTES);
            byte[] bytes = new byte[(int) (length - from)];
            file.seek(from);
            file.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }

    private static String nonNull(String value, String fallback) {
        return value == null ? fallback : value;
    }
}

package dev.ccd.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ccd.daemon.control.JsonTrees;
import dev.ccd.protocol.Excerpt;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Human-readable renderings for the CLI: durations, sizes, tables, events. */
public final class Format {
    private Format() {
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m" + (s % 60) + "s";
        }
        return s / 3600 + "h" + (s % 3600) / 60 + "m";
    }

    /** A size in bytes as B, KiB or MiB. */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        if (n < 1024 * 1024) {
            return tenths(n / 1024.0) + " KiB";
        }
        return tenths(n / (1024.0 * 1024)) + " MiB";
    }

    /**
     * One decimal, as {@code %.1f} would print it, without {@link java.util.Formatter}: its first
     * use (locale data) costs every {@code ccd status} milliseconds.
     */
    static String tenths(double v) {
        return java.math.BigDecimal.valueOf(v).setScale(1, java.math.RoundingMode.HALF_UP).toPlainString();
    }

    static String cost(double usd) {
        return String.format(Locale.ROOT, "$%.4f", usd);
    }

    /** Left-aligned columns, two spaces apart. */
    static String table(List<String> header, List<List<String>> rows) {
        int[] widths = new int[header.size()];
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        for (List<String> row : all) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (List<String> row : all) {
            for (int i = 0; i < row.size(); i++) {
                sb.append(row.get(i));
                if (i < row.size() - 1) {
                    sb.append(" ".repeat(widths[i] - row.get(i).length() + 2));
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** One event as a log line: time, kind, and what matters of its payload. */
    public static String event(JsonNode e) {
        JsonNode p = e.path("payload");
        String time = e.path("ts").asText();
        String what = switch (e.path("kind").asText()) {
            case "iteration" -> String.format(Locale.ROOT, "iteration %d %s (%.1fs, %s): %s",
                    p.path("iteration").asInt(), p.path("status").asText(), p.path("duration_s").asDouble(),
                    tokens(p), oneLine(p.path("summary").asText("").replaceFirst("^" + p.path("status").asText() + ": ", "")));
            case "notify" -> "notice: " + p.path("text").asText();
            case "task_started" -> "task " + p.path("task_id").asText() + " started: " + oneLine(p.path("command").asText());
            case "task_done" -> String.format(Locale.ROOT, "task %s %s%s after %.1fs", p.path("task_id").asText(),
                    p.path("status").asText(), p.hasNonNull("exit_code") ? " (exit " + p.path("exit_code").asInt() + ")" : "",
                    p.path("duration_s").asDouble());
            case "log" -> p.path("level").asText() + ": " + p.path("msg").asText();
            case "permission_request" -> "permission request " + p.path("request_id").asText() + ": "
                    + p.path("tool").asText() + " " + oneLine(p.path("input").asText());
            case "permission_approved", "permission_denied", "permission_expired" -> e.path("kind").asText()
                    .replace('_', ' ') + " " + p.path("request_id").asText()
                    + (p.hasNonNull("reason") ? ": " + p.path("reason").asText() : "");
            case "paused_budget" -> "paused: budget " + p.path("reason").asText() + " reached (used "
                    + tokens(p.path("used")) + ", " + cost(p.path("used").path("cost_usd").asDouble()) + ")";
            case "run_ended" -> "run ended " + p.path("status").asText()
                    + (p.path("reason").asText().equals(p.path("status").asText())
                            || p.path("error").asText("").startsWith(p.path("reason").asText() + ":")
                            ? "" : " (" + p.path("reason").asText() + ")")
                    + (p.hasNonNull("error") ? ": " + oneLine(p.path("error").asText()) : "");
            case "run_resumed" -> "run resumed after it was " + p.path("how").asText() + " (resume "
                    + p.path("resume_count").asInt() + (p.path("automatic").asBoolean() ? ", at daemon start" : "")
                    + "): iteration " + p.path("next_iteration").asInt() + " next";
            default -> e.path("kind").asText() + (p.isMissingNode() || p.isNull() ? "" : " " + JsonTrees.write(p, false));
        };
        String run = e.path("run_id").isTextual() ? " [" + e.path("run_id").asText() + "]" : "";
        return time + run + " " + what;
    }

    /**
     * The one token figure: in + out, as budgets count them ({@code max_tokens} is a limit on
     * this sum), from any object with {@code tokens_in} and {@code tokens_out}.
     */
    static String tokens(JsonNode usage) {
        return usage.path("tokens_in").asLong() + usage.path("tokens_out").asLong() + " tokens";
    }

    /** A tool call's input for a person: the command of bash, the path of file tools, else JSON. */
    static String toolInput(String tool, JsonNode input) {
        String text = switch (tool) {
            case "bash", "background_run" -> input.path("command").asText(JsonTrees.write(input, false));
            case "write_file" -> input.path("path").asText() + " (" + input.path("content").asText().length() + " chars)";
            case "edit_file" -> input.path("path").asText() + ": replace " + input.path("old_text").asText().length()
                    + " chars";
            case "background_stop" -> "stop " + input.path("task_id").asText() + (input.path("force").asBoolean() ? " (force)" : "");
            default -> JsonTrees.write(input, false);
        };
        return oneLine(text);
    }

    private static String oneLine(String text) {
        String line = text.replace('\n', ' ').strip();
        return Excerpt.abbreviate(line, 200);
    }
}

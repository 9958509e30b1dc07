package dev.ccd.daemon.http;

import dev.ccd.daemon.store.RunRow;
import dev.ccd.daemon.store.Store;
import dev.ccd.daemon.store.StoreHealth;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntSupplier;

/**
 * {@code /metrics} in the Prometheus text format (version 0.0.4), read from the record at each
 * scrape: runs by status, iterations, their durations, tokens and cost by run name and provider,
 * runner restarts, resumes, prompt-cache tokens and model calls (how many, their retries, the
 * seconds spent in them and the tokens that are estimates), the record's health and queue, and the
 * dashboard's open streams. Counters sum over every run of a name, so they only grow. The
 * record keeps sums per iteration, not single calls, so call latency is a sum and a count (its
 * mean), not a histogram.
 */
final class Metrics {
    private final Store store;
    private final IntSupplier openStreams;
    private final long startedAtMillis = System.currentTimeMillis();

    Metrics(Store store, IntSupplier openStreams) {
        this.store = store;
        this.openStreams = openStreams;
    }

    /** Totals of all runs of one name and provider. */
    private static final class Totals {
        long tokensIn;
        long tokensOut;
        double cost;
        long restarts;
    }

    String scrape() throws SQLException {
        StringBuilder s = new StringBuilder(4096);
        family(s, "ccd_runs", "gauge", "Runs in the record by status.");
        for (Map.Entry<String, Integer> e : store.countByStatus().entrySet()) {
            sample(s, "ccd_runs", List.of("status", e.getKey()), e.getValue());
        }
        Map<List<String>, Totals> byRun = new TreeMap<>(Metrics::compare);
        for (RunRow r : store.listRuns(true)) {
            Totals t = byRun.computeIfAbsent(List.of("run", r.name(), "provider", nz(r.provider())), k -> new Totals());
            t.tokensIn += r.tokensIn();
            t.tokensOut += r.tokensOut();
            t.cost += r.costUsd();
            t.restarts += r.restartOf() == null ? 0 : 1;
        }
        List<Store.IterationTotals> iterations = store.iterationTotals();
        family(s, "ccd_iterations_total", "counter", "Iterations ended, by run name, provider and status.");
        for (Store.IterationTotals i : iterations) {
            sample(s, "ccd_iterations_total", List.of("run", i.name(), "provider", nz(i.provider()), "status", i.status()),
                    i.count());
        }
        family(s, "ccd_iteration_duration_seconds", "summary",
                "Wall time of ended iterations (model and tool calls), by run name and provider.");
        Map<List<String>, double[]> durations = new TreeMap<>(Metrics::compare);
        for (Store.IterationTotals i : iterations) {
            double[] d = durations.computeIfAbsent(List.of("run", i.name(), "provider", nz(i.provider())), k -> new double[2]);
            d[0] += i.seconds();
            d[1] += i.count();
        }
        durations.forEach((labels, d) -> {
            sample(s, "ccd_iteration_duration_seconds_sum", labels, d[0]);
            sample(s, "ccd_iteration_duration_seconds_count", labels, d[1]);
        });
        family(s, "ccd_tokens_total", "counter", "Model tokens used, by run name, provider and direction (input, output).");
        byRun.forEach((labels, t) -> {
            sample(s, "ccd_tokens_total", with(labels, "direction", "input"), t.tokensIn);
            sample(s, "ccd_tokens_total", with(labels, "direction", "output"), t.tokensOut);
        });
        family(s, "ccd_cost_dollars_total", "counter", "Model cost in US dollars, by run name and provider.");
        byRun.forEach((labels, t) -> sample(s, "ccd_cost_dollars_total", labels, t.cost));
        family(s, "ccd_runner_restarts_total", "counter", "Runs started again after a crash, by run name and provider.");
        byRun.forEach((labels, t) -> sample(s, "ccd_runner_restarts_total", labels, t.restarts));
        List<Store.RunCounters> counters = store.runCounters();
        family(s, "ccd_run_resumes_total", "counter",
                "Ended runs resumed (ccd agent resume, a daemon start), by run name and provider.");
        counters.forEach(c -> sample(s, "ccd_run_resumes_total", labels(c), c.resumes()));
        family(s, "ccd_cache_read_tokens_total", "counter",
                "Input tokens read from the provider's prompt cache, by run name and provider.");
        counters.forEach(c -> sample(s, "ccd_cache_read_tokens_total", labels(c), c.cacheReadTokens()));
        family(s, "ccd_cache_write_tokens_total", "counter",
                "Input tokens written to the provider's prompt cache, by run name and provider.");
        counters.forEach(c -> sample(s, "ccd_cache_write_tokens_total", labels(c), c.cacheWriteTokens()));
        family(s, "ccd_model_calls_total", "counter", "Model calls answered, by run name and provider.");
        counters.forEach(c -> sample(s, "ccd_model_calls_total", labels(c), c.modelCalls()));
        family(s, "ccd_model_retries_total", "counter",
                "Model requests sent beyond the first of each call (retries), failed calls' included, by run name and"
                        + " provider.");
        counters.forEach(c -> sample(s, "ccd_model_retries_total", labels(c), c.modelRetries()));
        family(s, "ccd_model_call_seconds_total", "counter",
                "Wall time spent in model calls (retries and their waits included), by run name and provider;"
                        + " divided by ccd_model_calls_total, the mean latency.");
        counters.forEach(c -> sample(s, "ccd_model_call_seconds_total", labels(c), c.modelSeconds()));
        family(s, "ccd_estimated_tokens_total", "counter",
                "The part of ccd_tokens_total that is ccd's estimate for abandoned attempts (the vendor never said),"
                        + " by run name and provider.");
        counters.forEach(c -> sample(s, "ccd_estimated_tokens_total", labels(c), c.estimatedTokens()));
        StoreHealth health = store.health();
        family(s, "ccd_record_healthy", "gauge", "1 when ccd.db takes writes, 0 while they are held (degraded).");
        sample(s, "ccd_record_healthy", List.of(), health.ok() ? 1 : 0);
        family(s, "ccd_record_writes_queued", "gauge", "Writes waiting for the ccd.db writer.");
        sample(s, "ccd_record_writes_queued", List.of(), health.writesQueued());
        family(s, "ccd_record_wal_bytes", "gauge", "Size of ccd.db-wal in bytes.");
        sample(s, "ccd_record_wal_bytes", List.of(), Math.max(health.walBytes(), 0));
        family(s, "ccd_dashboard_streams", "gauge", "Open server-sent event streams of the dashboard.");
        sample(s, "ccd_dashboard_streams", List.of(), openStreams.getAsInt());
        family(s, "ccd_daemon_start_time_seconds", "gauge", "When the daemon started, in seconds since the Unix epoch.");
        sample(s, "ccd_daemon_start_time_seconds", List.of(), startedAtMillis / 1000.0);
        return s.toString();
    }

    private static void family(StringBuilder s, String name, String type, String help) {
        s.append("# HELP ").append(name).append(' ').append(help).append('\n');
        s.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    /** {@code labels} alternates names and values. */
    private static void sample(StringBuilder s, String name, List<String> labels, double value) {
        s.append(name);
        if (!labels.isEmpty()) {
            s.append('{');
            for (int i = 0; i < labels.size(); i += 2) {
                s.append(i == 0 ? "" : ",").append(labels.get(i)).append("=\"").append(escape(labels.get(i + 1))).append('"');
            }
            s.append('}');
        }
        s.append(' ');
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            s.append((long) value);
        } else {
            s.append(new java.math.BigDecimal(Double.toString(value)).stripTrailingZeros().toPlainString());
        }
        s.append('\n');
    }

    private static List<String> labels(Store.RunCounters c) {
        return List.of("run", c.name(), "provider", nz(c.provider()));
    }

    private static List<String> with(List<String> labels, String name, String value) {
        List<String> all = new ArrayList<>(labels);
        all.add(name);
        all.add(value);
        return all;
    }

    static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static int compare(List<String> a, List<String> b) {
        return String.join("\u0000", a).compareTo(String.join("\u0000", b));
    }
}

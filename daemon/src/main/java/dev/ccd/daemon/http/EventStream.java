package dev.ccd.daemon.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.store.EventRow;
import dev.ccd.daemon.store.RunRow;
import dev.ccd.daemon.store.Store;
import dev.ccd.protocol.MessageCodec;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One server-sent event stream, fed by the store's event listeners (the same commits as
 * {@code ccd events -f}). What arrives within 250 ms of the last write is written together: for
 * all runs, {@code run} (the row of each run that had events); for one run also {@code events}
 * (its events after {@code since} with their log lines: the newest {@value #MAX_SHOWN} of the
 * batch, and how many older ones were left out) and {@code chart} (its results.tsv changed). So
 * a run recording thousands of rows a second costs a page a few writes a second.
 *
 * <p>Threading: {@code ccd-store-events} and {@code http-chart-watch} offer to the queue; the
 * request thread that owns the stream drains it and writes. A stream that falls
 * {@link #MAX_QUEUED} behind ends; the browser's EventSource reconnects with {@code Last-Event-ID}.
 */
final class EventStream {
    static final int MAX_QUEUED = 10_000;
    /** Events of one run sent at most per write; the page shows the newest 1,000 lines. */
    static final int MAX_SHOWN = 200;
    /** Writes are at least this far apart: a run recording thousands of rows a second costs a page 4 writes a second. */
    private static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final int BATCH = 1000;
    private static final Object CHART = new Object();
    private static final ObjectMapper JSON = MessageCodec.mapper();

    private final Store store;
    private final String runId;
    private final Function<JsonNode, String> logLine;
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>(MAX_QUEUED);
    private final Consumer<EventRow> listener;
    /** Set by a producer when the queue was full; the stream then ends. */
    private volatile boolean overflowed;

    /** For one run when {@code runId} is not null, else for all. */
    EventStream(Store store, String runId, Function<JsonNode, String> logLine) {
        this.store = store;
        this.runId = runId;
        this.logLine = logLine;
        this.listener = e -> {
            if ((runId == null ? e.runId() != null : runId.equals(e.runId()))) {
                offer(e);
            }
        };
        store.addEventListener(listener);
    }

    /** Marks that the chart changed (from the chart watch). */
    void chartChanged() {
        offer(CHART);
    }

    private void offer(Object item) {
        if (!queue.offer(item)) {
            overflowed = true;
        }
    }

    /** Writes until the client goes away, the stream overflows, or the thread is interrupted (shutdown). */
    void stream(OutputStream out, long since) throws IOException {
        try {
            out.write("retry: 1000\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            Batch batch = new Batch(since);
            if (runId != null) {
                List<EventRow> page;
                do {
                    page = store.events(batch.last, runId, BATCH, false);
                    page.forEach(batch::add);
                } while (page.size() == BATCH);
                write(out, batch);
            }
            long lastWrite = 0;
            while (!overflowed) {
                Object item = queue.poll(15, TimeUnit.SECONDS);
                if (item == null) {
                    out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    continue;
                }
                // Everything that comes within the interval goes into one write.
                long due = lastWrite + INTERVAL_NANOS;
                while (item != null) {
                    batch.add(item);
                    long wait = due - System.nanoTime();
                    item = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
                }
                write(out, batch);
                lastWrite = System.nanoTime();
            }
        } catch (SQLException e) {
            throw new IOException("reading events: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            store.removeEventListener(listener);
        }
    }

    /**
     * What arrived since the last write: the newest {@value #MAX_SHOWN} events of one run (the
     * page shows no more than that; older ones are counted), the runs they touched, whether the
     * chart changed.
     */
    private final class Batch {
        long last;
        final Deque<EventRow> events = new ArrayDeque<>();
        long skipped;
        final Set<String> runs = new LinkedHashSet<>();
        boolean chart;

        Batch(long since) {
            last = since;
        }

        void add(Object item) {
            if (item == CHART) {
                chart = true;
            } else if (item instanceof EventRow e && e.id() > last) {
                last = e.id();
                runs.add(e.runId());
                if (runId != null) {
                    events.addLast(e);
                    if (events.size() > MAX_SHOWN) {
                        events.removeFirst();
                        skipped++;
                    }
                }
            }
        }
    }

    private void write(OutputStream out, Batch batch) throws IOException, SQLException {
        if (!batch.events.isEmpty() || batch.skipped > 0) {
            ObjectNode data = JSON.createObjectNode().put("skipped", batch.skipped);
            ArrayNode events = data.putArray("events");
            for (EventRow e : batch.events) {
                ObjectNode node = node(e);
                node.put("line", logLine.apply(node));
                events.add(node);
            }
            send(out, "events", Long.toString(batch.last), JSON.writeValueAsString(data));
        }
        for (String id : batch.runs) {
            RunRow row = store.run(id).orElse(null);
            if (row != null) {
                send(out, "run", null, JSON.writeValueAsString(row));
            }
        }
        if (batch.chart) {
            send(out, "chart", null, "{}");
        }
        out.flush();
        batch.events.clear();
        batch.skipped = 0;
        batch.runs.clear();
        batch.chart = false;
    }

    void cancel() {
        store.removeEventListener(listener);
    }

    /** An event as the control API's JSON has it, the payload parsed once. */
    static ObjectNode node(EventRow e) throws IOException {
        ObjectNode node = JSON.createObjectNode().put("id", e.id()).put("ts", e.ts()).put("kind", e.kind())
                .put("run_id", e.runId());
        node.set("payload", e.payloadJson() == null ? null : JSON.readTree(e.payloadJson()));
        return node;
    }

    /** One event; JSON has no raw newlines, so one data line is enough. */
    private static void send(OutputStream out, String event, String id, String json) throws IOException {
        StringBuilder s = new StringBuilder();
        if (id != null) {
            s.append("id: ").append(id).append('\n');
        }
        s.append("event: ").append(event).append('\n').append("data: ").append(json).append("\n\n");
        out.write(s.toString().getBytes(StandardCharsets.UTF_8));
    }
}

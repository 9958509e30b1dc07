package dev.ccd.daemon.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.store.EventRow;
import dev.ccd.daemon.store.RunRow;
import dev.ccd.daemon.store.Store;
import dev.ccd.protocol.MessageCodec;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
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
 * {@code ccd events -f}). For all runs it sends {@code run} (a run's row, once per batch of its
 * events however many there were, so a busy run costs the page one row per batch); for one run
 * also {@code ev} (each event, with its log line, after the events since {@code since}) and
 * {@code chart} (its results.tsv changed).
 *
 * <p>Threading: {@code ccd-store-events} and {@code http-chart-watch} offer to the queue; the
 * request thread that owns the stream drains it and writes. A stream that falls
 * {@link #MAX_QUEUED} behind ends; the browser's EventSource reconnects with {@code Last-Event-ID}.
 */
final class EventStream {
    static final int MAX_QUEUED = 10_000;
    private static final int BATCH = 1000;
    private static final Object CHART = new Object();
    private static final ObjectMapper JSON = MessageCodec.mapper();

    private final Store store;
    private final String runId;
    private final Function<EventRow, String> logLine;
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>(MAX_QUEUED);
    private final Consumer<EventRow> listener;
    /** Set by a producer when the queue was full; the stream then ends. */
    private volatile boolean overflowed;

    /** For one run when {@code runId} is not null, else for all. */
    EventStream(Store store, String runId, Function<EventRow, String> logLine) {
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
            long last = since;
            if (runId != null) {
                while (true) {
                    List<EventRow> page = store.events(last, runId, BATCH, false);
                    for (EventRow e : page) {
                        writeEvent(out, e);
                        last = e.id();
                    }
                    if (page.size() < BATCH) {
                        break;
                    }
                }
                out.flush();
            }
            List<Object> batch = new ArrayList<>();
            while (!overflowed) {
                Object first = queue.poll(15, TimeUnit.SECONDS);
                if (first == null) {
                    out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    continue;
                }
                batch.clear();
                batch.add(first);
                queue.drainTo(batch, BATCH);
                Set<String> runs = new LinkedHashSet<>();
                boolean chart = false;
                for (Object item : batch) {
                    if (item == CHART) {
                        chart = true;
                    } else if (item instanceof EventRow e && e.id() > last) {
                        if (runId != null) {
                            writeEvent(out, e);
                        }
                        last = e.id();
                        runs.add(e.runId());
                    }
                }
                for (String id : runs) {
                    RunRow row = store.run(id).orElse(null);
                    if (row != null) {
                        send(out, "run", null, JSON.writeValueAsString(row));
                    }
                }
                if (chart) {
                    send(out, "chart", null, "{}");
                }
                out.flush();
            }
        } catch (SQLException e) {
            throw new IOException("reading events: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            store.removeEventListener(listener);
        }
    }

    void cancel() {
        store.removeEventListener(listener);
    }

    private void writeEvent(OutputStream out, EventRow e) throws IOException {
        ObjectNode data = JSON.valueToTree(e);
        data.put("line", logLine.apply(e));
        send(out, "ev", Long.toString(e.id()), JSON.writeValueAsString(data));
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

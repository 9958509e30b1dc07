package dev.ccd.daemon.control;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.store.EventRow;
import dev.ccd.daemon.store.Store;
import dev.ccd.protocol.MessageCodec;
import java.io.IOException;
import java.io.OutputStream;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An {@code events.subscribe} stream: the events after {@code since} from the database, then the
 * new ones as they are committed, each exactly once and in id order. The listener is registered
 * before the backlog is read, so no event falls between the two; ids already sent are skipped.
 *
 * <p>Threading: the store's event thread ({@code ccd-store-events}) fills the queue; the connection thread drains it.
 */
final class Subscription {
    private static final int BACKLOG_PAGE = 1000;
    static final int MAX_QUEUED = 10_000;

    private final Store store;
    private final long since;
    private final String runId;
    /** Events not yet written; bounded, since a client that stops reading must not fill the heap. */
    private final BlockingQueue<EventRow> queue = new LinkedBlockingQueue<>(MAX_QUEUED);
    private final Consumer<EventRow> listener;
    /** Set on the store's event thread when the queue overflowed; the stream then ends. */
    private volatile boolean overflowed;

    Subscription(Store store, long since, String runId) {
        this.store = store;
        this.since = since;
        this.runId = runId;
        this.listener = e -> {
            if ((runId == null || runId.equals(e.runId())) && !queue.offer(e)) {
                overflowed = true;
            }
        };
        store.addEventListener(listener);
    }

    ObjectNode ack() {
        ObjectNode ack = MessageCodec.mapper().createObjectNode().put("subscribed", true).put("since", since);
        if (runId != null) {
            ack.put("run_id", runId);
        }
        return ack;
    }

    /** Streams until the client goes away (a write fails) or the connection is closed. */
    void stream(OutputStream out) throws IOException {
        try {
            long last = since;
            while (true) {
                List<EventRow> page = store.events(last, runId, BACKLOG_PAGE, false);
                for (EventRow e : page) {
                    ControlServer.write(out, ControlServer.notification(e));
                    last = e.id();
                }
                if (page.size() < BACKLOG_PAGE) {
                    break;
                }
            }
            while (!overflowed) {
                EventRow e = queue.poll(30, TimeUnit.SECONDS);
                if (e == null) {
                    // A quiet stream: a heartbeat finds out whether the client is still there.
                    out.write('\n');
                    out.flush();
                } else if (e.id() > last) {
                    ControlServer.write(out, ControlServer.notification(e));
                    last = e.id();
                }
            }
        } catch (SQLException e) {
            throw new IOException("reading events: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            store.removeEventListener(listener);
        }
        if (overflowed) {
            // The client fell more than MAX_QUEUED events behind: it can resume with --since.
            ControlServer.write(out, ControlServer.error(null, new RpcException(RpcException.FAILED,
                    "subscription ended: the client fell " + MAX_QUEUED + " events behind; subscribe again with since="
                            + "the last id received")));
        }
    }

    /** Stops listening (when the stream never started). */
    void cancel() {
        store.removeEventListener(listener);
    }
}

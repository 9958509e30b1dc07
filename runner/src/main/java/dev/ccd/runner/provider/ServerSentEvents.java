package dev.ccd.runner.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;

/**
 * The framing of a server-sent-events body: {@code event:} and {@code data:} lines (several
 * {@code data:} lines joined by newlines), an empty line ending each event, {@code :} comments
 * ignored. Each event's data is given to a {@link HttpCaller.StreamReader} as JSON ({@code null}
 * for OpenAI's {@code [DONE]}) until the reader has seen the last one.
 *
 * <p>Used by one attempt on the agent loop thread.
 */
final class ServerSentEvents {
    /** The body ended before the reader saw its last event: the stream was cut. */
    static final class EndedEarly extends IOException {
        EndedEarly(int events) {
            super("the stream ended before its last event (cut after " + events + " events)");
        }
    }

    private final LineExchange exchange;
    private final Duration idle;
    private int count;

    ServerSentEvents(LineExchange exchange, Duration idle) {
        this.exchange = exchange;
        this.idle = idle;
    }

    /**
     * Reads events into {@code reader} until it has the last; waits at most the idle timeout for
     * each line ({@link java.net.http.HttpTimeoutException} past it).
     */
    void readAll(HttpCaller.StreamReader reader) throws IOException, HttpCaller.MalformedReply, InterruptedException {
        String name = null;
        StringBuilder data = new StringBuilder();
        while (true) {
            String line = exchange.line(idle);
            if (line == null || line.isEmpty()) {
                if (data.length() > 0) {
                    count++;
                    String payload = data.toString();
                    if (reader.event(name, payload.equals("[DONE]") ? null : json(payload))) {
                        return;
                    }
                }
                if (line == null) {
                    throw new EndedEarly(count);
                }
                name = null;
                data.setLength(0);
            } else if (!line.startsWith(":")) {
                int colon = line.indexOf(':');
                String field = colon < 0 ? line : line.substring(0, colon);
                String value = colon < 0 ? "" : line.substring(colon + 1);
                value = value.startsWith(" ") ? value.substring(1) : value;
                if (field.equals("event")) {
                    name = value;
                } else if (field.equals("data")) {
                    data.append(data.length() == 0 ? "" : "\n").append(value);
                }
            }
        }
    }

    /** Events read so far. */
    int count() {
        return count;
    }

    private static JsonNode json(String payload) throws HttpCaller.MalformedReply {
        try {
            JsonNode node = HttpCaller.JSON.readTree(payload);
            if (node != null && node.isObject()) {
                return node;
            }
        } catch (JsonProcessingException e) {
            // reported below
        }
        throw new HttpCaller.MalformedReply("event data that is not a JSON object: " + HttpCaller.oneLine(payload));
    }
}

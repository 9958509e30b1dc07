package dev.ccd.runner.provider;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link Transcript} kept in memory. Thread-safe: the provider writes from its calling thread
 * while a test may read from another.
 */
final class RecordingTranscript implements Transcript {

    /** One record: kind is request, response or failure; status is 0 except for responses. */
    record Entry(String kind, String provider, int status, JsonNode body, ModelTurn turn, String error) {
    }

    private final List<Entry> entries = new CopyOnWriteArrayList<>();

    @Override
    public void request(String provider, JsonNode body) {
        entries.add(new Entry("request", provider, 0, body, null, null));
    }

    @Override
    public void response(String provider, int status, JsonNode body, ModelTurn turn) {
        entries.add(new Entry("response", provider, status, body, turn, null));
    }

    @Override
    public void failure(String provider, String error) {
        entries.add(new Entry("failure", provider, 0, null, null, error));
    }

    List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** Kinds in order, with the status of responses: e.g. [request, response 429, request, response 200]. */
    List<String> kinds() {
        return entries.stream().map(e -> e.kind().equals("response") ? "response " + e.status() : e.kind()).toList();
    }

    boolean hasResponse(int status) {
        return entries.stream().anyMatch(e -> e.kind().equals("response") && e.status() == status);
    }

    /** Everything recorded, as text: for checking what must never appear. */
    String dump() {
        return entries.toString();
    }
}

package dev.ccd.daemon.store;

import com.fasterxml.jackson.databind.JsonNode;

/** One row of {@code daemon_events}; {@code payload} is the parsed {@code payload_json}. */
public record EventRow(long id, String ts, String kind, String runId, JsonNode payload) {
}

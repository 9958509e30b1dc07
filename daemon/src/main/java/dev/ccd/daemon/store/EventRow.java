package dev.ccd.daemon.store;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * One row of {@code daemon_events}. The payload stays the JSON text it is stored as (written
 * into API answers as is) and is parsed only by code that looks inside it: an event per iteration
 * must not cost a JSON tree on the way to the database.
 */
public record EventRow(long id, String ts, String kind, String runId,
        @JsonRawValue @JsonProperty("payload") String payloadJson) {

    /** The payload parsed; null when there is none. */
    @JsonIgnore
    public JsonNode payload() {
        return Rows.parse(payloadJson);
    }
}

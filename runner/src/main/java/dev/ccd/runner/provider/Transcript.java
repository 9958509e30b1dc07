package dev.ccd.runner.provider;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Where a provider records every request and response of a run ({@code runs/<run_id>/transcript.jsonl}),
 * so that a run can be audited and replayed. Implementations never see API keys: providers pass
 * bodies only, never headers.
 */
public interface Transcript {

    /** A request body as sent. */
    void request(String provider, JsonNode body);

    /**
     * A response: its HTTP status, its body (parsed JSON, or a text node when it was not JSON),
     * and, for a successful reply, the turn it was read as (null otherwise).
     */
    void response(String provider, int status, JsonNode body, ModelTurn turn);

    /** A call that got no HTTP response at all (connect failure, timeout, cut body). */
    void failure(String provider, String error);

    Transcript NONE = new Transcript() {
        @Override
        public void request(String provider, JsonNode body) {
        }

        @Override
        public void response(String provider, int status, JsonNode body, ModelTurn turn) {
        }

        @Override
        public void failure(String provider, String error) {
        }
    };
}

package dev.ccd.daemon.store;

import com.fasterxml.jackson.databind.JsonNode;

/** One row of {@code permission_requests}, with the name of its run. */
public record PermissionRow(String id, String runId, String name, String tool, JsonNode input, String rationale,
        String status, String createdAt, String answeredAt, String reason) {
}

package dev.ccd.daemon.supervisor;

import java.time.Instant;

/** A restart waiting for its backoff delay: which run crashed and when the next one starts. */
public record PendingRestart(String previousRunId, Instant dueAt) {
}

package dev.ccd.runner.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ccd.protocol.Message;
import dev.ccd.runner.RunnerLink;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Approval of mutating tool calls ({@code --ask}): sends {@code permission_request} and waits for
 * the operator's {@code permission_response}. The daemon expires an unanswered request after the
 * run's permission timeout and answers it as a denial; this gate waits a little longer than that
 * as a backstop, so that a lost answer is a denial too, never a hang.
 *
 * <p>Threading: {@link #ask} blocks the agent loop thread (interruptibly: a stop ends the wait);
 * {@link #answer} comes from the stdin reader thread.
 */
final class PermissionGate {
    private static final Logger log = LoggerFactory.getLogger(PermissionGate.class);
    static final Duration BACKSTOP = Duration.ofSeconds(5);

    /** The operator's decision; {@code reason} may be null. */
    record Decision(boolean granted, String reason) {
    }

    private final String runId;
    private final Duration timeout;
    private final RunnerLink link;
    private final Map<String, CompletableFuture<Decision>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger();

    PermissionGate(String runId, Duration timeout, RunnerLink link) {
        this.runId = runId;
        this.timeout = timeout;
        this.link = link;
    }

    /** Asks the operator; blocks until the answer, the timeout (a denial) or a stop. */
    Decision ask(String tool, JsonNode input, String rationale) throws InterruptedException {
        String id = runId + "-p" + next.incrementAndGet();
        CompletableFuture<Decision> answer = new CompletableFuture<>();
        pending.put(id, answer);
        try {
            if (!link.send(new Message.PermissionRequest(id, tool, input, rationale))) {
                log.warn("{} - permission request {} could not be sent: denied", runId, id);
                return new Decision(false, "the request could not be sent to the operator (its input is larger than"
                        + " a protocol message may be, or ccd is gone): not run; make the call smaller");
            }
            return answer.get(timeout.plus(BACKSTOP).toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("{} - no answer to permission request {} within {} s: denied", runId, id, timeout.toSeconds());
            return new Decision(false, "no answer within " + timeout.toSeconds() + " s (expired)");
        } catch (ExecutionException e) {
            return new Decision(false, "the request failed: " + e.getCause());
        } finally {
            pending.remove(id);
        }
    }

    /** An answer from the daemon; one for a request no longer waited for is logged and dropped. */
    void answer(Message.PermissionResponse response) {
        CompletableFuture<Decision> waiting = pending.get(response.requestId());
        if (waiting == null) {
            log.warn("{} - answer to unknown or finished permission request {}", runId, response.requestId());
            return;
        }
        waiting.complete(new Decision(response.granted(), response.reason()));
    }
}

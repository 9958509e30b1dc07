package dev.ccd.daemon.supervisor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.store.PermissionRow;
import dev.ccd.daemon.store.RunStatus;
import dev.ccd.daemon.store.Store;
import dev.ccd.daemon.store.Timestamps;
import dev.ccd.protocol.Excerpt;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.MessageCodec;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Permission requests of {@code --ask} runs: recorded {@code pending} with the run
 * {@code waiting_permission}; answered by the operator or expired after the run's timeout; the
 * answer goes to the runner and the run back to {@code running}. The database decides who
 * answers first: an answer only counts if the row was still pending, so an approval and an
 * expiry racing each other cannot both reach the runner.
 *
 * <p>Threading: requests arrive on runner reader threads, answers on control threads, expiries
 * on a timer thread; all state is in the store.
 */
final class Approvals {
    private static final Logger log = LoggerFactory.getLogger(Approvals.class);
    static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);

    private final Store store;
    /** Finds the live runner of a run id, if any. */
    private final Function<String, Optional<RunHandle>> liveRunner;

    Approvals(Store store, Function<String, Optional<RunHandle>> liveRunner) {
        this.store = store;
        this.liveRunner = liveRunner;
    }

    void onRequest(RunHandle runner, Message.PermissionRequest request) {
        store.permissionRequested(runner.runId, request, Timestamps.now());
        ObjectNode payload = MessageCodec.mapper().createObjectNode().put("request_id", request.requestId())
                .put("tool", request.tool()).put("input", Excerpt.abbreviate(request.input().toString(), INPUT_CHARS));
        store.setLiveStatus(runner.runId, RunStatus.WAITING_PERMISSION, "permission_request", payload);
        Duration timeout = timeout(runner);
        CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS).execute(() ->
                settle(request.requestId(), "expired", "no answer within " + timeout.toSeconds() + " s", false));
    }

    /**
     * The operator's answer.
     *
     * @throws SupervisorException NOT_FOUND for an unknown id, CONFLICT for one already answered,
     *     FAILED when the answer could not reach the runner (the request is then recorded
     *     {@code expired} with that reason, never {@code approved})
     */
    PermissionRow answer(String id, boolean granted, String reason) throws SupervisorException {
        PermissionRow row = find(id);
        if (!row.status().equals("pending")) {
            throw new SupervisorException(SupervisorException.Kind.CONFLICT, "permission request " + id + " is already "
                    + row.status() + (row.answeredAt() == null ? "" : " (at " + row.answeredAt() + ")"));
        }
        Optional<RunHandle> runner = liveRunner.apply(row.runId());
        if (runner.isEmpty() || !runner.get().reachable()) {
            // the run is ending: its end expires the request; nothing is sent, nothing claimed
            throw new SupervisorException(SupervisorException.Kind.FAILED, "permission request " + id
                    + " cannot be answered: its run " + row.runId() + " is ending and no longer reads answers");
        }
        Delivery delivery = settle(id, granted ? "approved" : "denied", reason, granted);
        if (delivery == null) {
            throw new SupervisorException(SupervisorException.Kind.CONFLICT, "permission request " + id
                    + " was answered meanwhile: it is " + find(id).status());
        }
        if (!delivery.delivered()) {
            throw new SupervisorException(SupervisorException.Kind.FAILED, "permission request " + id
                    + " was not answered: " + delivery.problem());
        }
        return find(id);
    }

    /**
     * Records the answer if the request is still pending, then tells the runner. The database
     * decides who answers first, and the record comes before the message: a runner that asks
     * again or pauses at once must not be overtaken by this answer's {@code running}. An answer
     * that then cannot be delivered is recorded {@code expired}, with why.
     *
     * @return null when the request was no longer pending; else whether the runner was told
     */
    private Delivery settle(String id, String status, String reason, boolean granted) {
        boolean settled;
        try {
            settled = store.permissionAnswered(id, status, reason, Timestamps.now()).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException e) {
            log.error("recording the answer to {} failed: {}", id, e.getCause().toString());
            return null;
        }
        if (!settled) {
            return null;
        }
        try {
            List<PermissionRow> rows = store.permissions(id);
            String runId = rows.isEmpty() ? null : rows.get(0).runId();
            ObjectNode payload = MessageCodec.mapper().createObjectNode().put("request_id", id).put("reason", reason);
            Optional<RunHandle> runner = runId == null ? Optional.empty() : liveRunner.apply(runId);
            if (runner.isEmpty()) {
                store.event("permission_" + status, runId, payload);
                return Delivery.failed("its run has ended");
            }
            store.setLiveStatus(runId, RunStatus.RUNNING, "permission_" + status, payload);
            Delivery delivery = runner.get().send(new Message.PermissionResponse(id, granted, reason));
            if (!delivery.delivered()) {
                log.warn("{} - the answer to {} did not reach the runner: {}", runId, id, delivery.problem());
                // committed before the caller hears of it: the record never claims the answer meanwhile
                awaitQuietly(store.permissionUndelivered(id, "the answer (" + status + ") did not reach the runner: "
                        + delivery.problem(), Timestamps.now()));
            }
            log.info("{} - permission request {} {}", runId, id, status);
            return delivery;
        } catch (SQLException e) {
            log.error("permission request {}: {}", id, e.getMessage());
            return Delivery.failed("ccd.db could not be read: " + e.getMessage());
        }
    }

    private static void awaitQuietly(java.util.concurrent.Future<?> write) {
        try {
            write.get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            log.error("recording an undelivered answer failed: {}", e.toString());
        }
    }

    private PermissionRow find(String id) throws SupervisorException {
        try {
            return store.permissions(id).stream().findFirst().orElseThrow(() -> new SupervisorException(
                    SupervisorException.Kind.NOT_FOUND, "no permission request '" + id + "' (see 'ccd permission list')"));
        } catch (SQLException e) {
            throw new SupervisorException(SupervisorException.Kind.FAILED, e.getMessage());
        }
    }

    private static Duration timeout(RunHandle runner) {
        Double seconds = runner.spec.config().permissionTimeoutS();
        return seconds == null ? DEFAULT_TIMEOUT : Duration.ofMillis(Math.round(seconds * 1000));
    }

    /** Characters of a tool call's input that its event keeps; the request row has all of it. */
    private static final int INPUT_CHARS = 500;
}

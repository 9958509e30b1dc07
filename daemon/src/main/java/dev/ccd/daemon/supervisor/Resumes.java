package dev.ccd.daemon.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.CcdHome;
import dev.ccd.daemon.store.EventRow;
import dev.ccd.daemon.store.RunRow;
import dev.ccd.daemon.store.RunStatus;
import dev.ccd.daemon.store.Store;
import dev.ccd.protocol.Budget;
import dev.ccd.protocol.MessageCodec;
import dev.ccd.protocol.ResumeFrom;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ended runs going on from their checkpoints (docs/ARCHITECTURE.md §8): {@code ccd agent resume}
 * of an ended run, and the resumes of a daemon start. What may be resumed is checked here, before
 * anything changes; {@link RunLaunch#resume} then takes the row back and starts the runner.
 *
 * <p>Threads: {@link #continueRun} runs on the control thread that asked; {@link #resumeOnStart}
 * hands each run to the {@code run-end} pool, so the daemon's start does not wait for them.
 */
final class Resumes {
    private static final Logger log = LoggerFactory.getLogger(Resumes.class);

    /** How soon after its resume a run that dies again counts against {@code --max-restarts} at the next start. */
    static final Duration QUICK_DEATH = Duration.ofSeconds(60);

    private final CcdHome home;
    private final Store store;
    private final LiveRuns runs;
    private final RunLaunch launches;
    private final Supervisor supervisor;

    Resumes(CcdHome home, Store store, LiveRuns runs, RunLaunch launches, Supervisor supervisor) {
        this.home = home;
        this.store = store;
        this.runs = runs;
        this.launches = launches;
        this.supervisor = supervisor;
    }


    /**
     * Goes on with the latest run of that name, ended {@code interrupted}, {@code crashed},
     * {@code stopped} or {@code failed} ({@code completed} too with {@code force}): the same run id
     * and row, a new runner that restores the run's checkpoint. The limits given replace the
     * recorded ones and must be above what the run has used. Refused, with nothing changed, when
     * the run is live, its start is not recorded, or its workdir is gone.
     */
    RunRow continueRun(String name, Supervisor.BudgetChange change, boolean force, Supervisor.Secrets secrets)
            throws SupervisorException {
        if (runs.get(name).isPresent()) {
            throw new SupervisorException(SupervisorException.Kind.CONFLICT, "agent '" + name
                    + "' is running and not paused for its budget: nothing to resume");
        }
        if (runs.restart(name).isPresent()) {
            throw new SupervisorException(SupervisorException.Kind.CONFLICT, "agent '" + name
                    + "' has a restart pending, which goes on from its checkpoint; 'ccd agent stop " + name
                    + "' cancels it");
        }
        RunRow row;
        try {
            row = store.latestRun(name).orElseThrow(() -> new SupervisorException(
                    SupervisorException.Kind.NOT_FOUND, "no agent named '" + name + "'"));
        } catch (SQLException e) {
            throw new SupervisorException(SupervisorException.Kind.FAILED, e.getMessage());
        }
        if (row.status().isLive()) {
            throw new SupervisorException(SupervisorException.Kind.CONFLICT, "agent '" + name + "' is "
                    + row.status().dbName() + ": nothing to resume");
        }
        if (row.status() == RunStatus.COMPLETED && !force) {
            throw new SupervisorException(SupervisorException.Kind.CONFLICT, "agent '" + name + "' completed (run "
                    + row.id() + "); resume it anyway with --force");
        }
        RunSpec spec = resumable(row);
        Budget next = change.applyTo(spec.config().budget() == null ? Budget.UNLIMITED : spec.config().budget());
        if (change.setTokens() || change.setCost()) {
            Supervisor.checkAbove(next, new dev.ccd.protocol.Usage(row.tokensIn(), row.tokensOut(), row.costUsd(), 0));
        }
        RunSpec resumed = spec.resumedWith(spec.config().withBudget(next), secrets.forProvider(spec.config().provider()));
        return resume(row, resumed, row.restartCount(), -1);
    }

    /** The recorded spec of an ended run, checked for what a resume needs; nothing is changed. */
    private RunSpec resumable(RunRow row) throws SupervisorException {
        RunSpec spec;
        try {
            spec = SpecFile.read(home.run(row.id()));
        } catch (IOException e) {
            throw new SupervisorException(SupervisorException.Kind.FAILED, "agent '" + row.name()
                    + "' cannot be resumed: " + e.getMessage());
        }
        if (!Files.isDirectory(spec.workdir())) {
            throw new SupervisorException(SupervisorException.Kind.FAILED, "agent '" + row.name()
                    + "' cannot be resumed: its workdir " + spec.workdir() + " is gone (nothing was changed; recreate"
                    + " it, or start a new run)");
        }
        return spec;
    }

    /** @param quickDeaths for a resume at daemon start: how often it died again soon after a resume; -1 otherwise */
    private RunRow resume(RunRow row, RunSpec spec, int restartCount, int quickDeaths) throws SupervisorException {
        if (supervisor.isShuttingDown()) {
            throw new SupervisorException(SupervisorException.Kind.FAILED, "the daemon is shutting down");
        }
        int nextIteration;
        int resumes;
        try {
            nextIteration = store.lastIterationNumber(row.id()) + 1;
            resumes = store.resumeCount(row.id());
        } catch (SQLException e) {
            throw new SupervisorException(SupervisorException.Kind.FAILED, e.getMessage());
        }
        // the record's usage, not the checkpoint's alone: the runner counts the higher of each
        ResumeFrom from = new ResumeFrom(home.run(row.id()).toString(), nextIteration, row.status().dbName())
                .recorded(row.tokensIn(), row.tokensOut(), row.costUsd());
        ObjectNode event = MessageCodec.mapper().createObjectNode().put("name", row.name())
                .put("how", row.status().dbName()).put("next_iteration", nextIteration).put("resume_count", resumes + 1)
                .put("automatic", quickDeaths >= 0);
        if (quickDeaths >= 0) {
            event.put("quick_deaths", quickDeaths);
        }
        log.info("{} - resuming after it was {}: iteration {} next", row.id(), row.status().dbName(), nextIteration);
        RunRow run = launches.resume(row, spec, restartCount, from, event);
        supervisor.sandboxWarning(spec, run);
        return run;
    }

    /**
     * At daemon start: resumes, in the background, each of these runs (interrupted by the last
     * daemon's end, or stopped by its {@code ccd stop}) whose spec says {@code resume_on_start}.
     * An interrupted one that died again within {@link #QUICK_DEATH} of its last resume counts as
     * a restart: past {@code --max-restarts} it is left ended, with a {@code resume_exhausted} event.
     *
     * @param died whether these runs died with their daemon (a clean stop is not a death)
     */
    void resumeOnStart(List<String> runIds, boolean died, Supervisor.Secrets secrets) {
        for (String id : runIds) {
            supervisor.endings().execute(() -> {
                try {
                    RunRow row = store.run(id).orElseThrow();
                    RunSpec spec;
                    try {
                        spec = SpecFile.read(home.run(id));
                    } catch (IOException e) {
                        return; // started by an older ccd: nothing to resume it with
                    }
                    if (!spec.resumeOnStart() || runs.get(row.name()).isPresent()) {
                        return;
                    }
                    int quick = died ? quickDeaths(row) : 0;
                    if (row.restartCount() + quick > spec.maxRestarts()) {
                        log.warn("{} - not resumed: it died again within {} s of a resume, {} times", id,
                                QUICK_DEATH.toSeconds(), quick);
                        store.event("resume_exhausted", id, MessageCodec.mapper().createObjectNode()
                                .put("name", row.name()).put("quick_deaths", quick)
                                .put("max_restarts", spec.maxRestarts()));
                        return;
                    }
                    resumable(row);
                    resume(row, spec.resumedWith(spec.config(), secrets.forProvider(spec.config().provider())),
                            row.restartCount() + quick, quick);
                } catch (SupervisorException | SQLException | RuntimeException e) {
                    log.warn("{} - was not resumed at start: {}", id, e.getMessage());
                    store.event("resume_failed", id, MessageCodec.mapper().createObjectNode()
                            .put("error", String.valueOf(e.getMessage())));
                }
            });
        }
    }

    /** Deaths in a row within {@link #QUICK_DEATH} of a resume, this one included. */
    private int quickDeaths(RunRow row) throws SQLException {
        Optional<EventRow> last = store.lastEvent(row.id(), "run_resumed");
        if (last.isEmpty() || row.endedAt() == null) {
            return 0;
        }
        Duration lived = Duration.between(Instant.parse(last.get().ts()), Instant.parse(row.endedAt()));
        if (lived.compareTo(QUICK_DEATH) >= 0) {
            return 0;
        }
        JsonNode payload = last.get().payload();
        return (payload == null ? 0 : payload.path("quick_deaths").asInt(0)) + 1;
    }
}

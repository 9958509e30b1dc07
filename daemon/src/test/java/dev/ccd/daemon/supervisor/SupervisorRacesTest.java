package dev.ccd.daemon.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ccd.daemon.store.RunRow;
import dev.ccd.daemon.store.RunStatus;
import dev.ccd.daemon.supervisor.fakes.DeafRunner;
import dev.ccd.daemon.supervisor.fakes.PausingRunner;
import dev.ccd.daemon.supervisor.fakes.SilentRunner;
import dev.ccd.daemon.testing.Db;
import dev.ccd.protocol.Budget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Requests that race each other or the run's own progress: each is decided once, and what the
 * record says is what happened.
 */
class SupervisorRacesTest extends SupervisorFixture {
    private RunSpec spec(String name) throws Exception {
        return spec(name, RunSpec.RestartPolicy.NEVER, 0);
    }

    private long events(String kind, String runId) {
        return Db.count(home.db(), "SELECT count(*) FROM daemon_events WHERE kind = '" + kind + "' AND run_id = '"
                + runId + "'");
    }

    /** Runs every call at once from its own thread; returns what each returned or threw. */
    private static <T> List<CompletableFuture<T>> together(List<Callable<T>> calls) {
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<T>> results = new ArrayList<>();
        for (Callable<T> call : calls) {
            CompletableFuture<T> result = new CompletableFuture<>();
            Thread thread = new Thread(() -> {
                try {
                    go.await();
                    result.complete(call.call());
                } catch (Exception e) {
                    result.completeExceptionally(e);
                }
            });
            thread.setDaemon(true);
            thread.start();
            results.add(result);
        }
        go.countDown();
        return results;
    }

    @Test
    void stopsRacingEachOtherAndTheShutdownRecordOneStop() throws Exception {
        Supervisor supervisor = supervisor(null);
        RunRow run = supervisor.start(spec("raced"));
        List<Callable<Object>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calls.add(() -> supervisor.stop("raced", Duration.ofSeconds(5)));
        }
        calls.add(() -> {
            supervisor.shutdown();
            return null;
        });

        for (CompletableFuture<Object> call : together(calls)) {
            try {
                call.get(20, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                // a stop arriving once the run has ended finds no live agent: that is fine here
                assertThat(e.getCause()).isInstanceOf(SupervisorException.class)
                        .hasMessageContaining("no live agent");
            }
        }

        assertThat(store.run(run.id()).orElseThrow().status()).isEqualTo(RunStatus.STOPPED);
        assertThat(events("stop_requested", run.id())).isEqualTo(1);
        assertThat(events("run_ended", run.id())).isEqualTo(1);
    }

    @Test
    void aShutdownThatHasToKillARunRecordsItsEndBeforeItReturns() throws Exception {
        Supervisor supervisor = supervisor(dev.ccd.daemon.supervisor.fakes.StubbornRunner.class);
        RunRow run = supervisor.start(spec("stubborn"));
        // the user's stop gives it a minute; the shutdown joins that stop and must kill it
        CompletableFuture<Object> userStop = together(List.<Callable<Object>>of(
                () -> supervisor.stop("stubborn", Duration.ofSeconds(60)))).get(0);
        await().atMost(Duration.ofSeconds(5)).until(() -> events("stop_requested", run.id()) == 1);

        supervisor.shutdown();

        RunRow ended = store.run(run.id()).orElseThrow();
        assertThat(ended.status()).isEqualTo(RunStatus.STOPPED);
        assertThat(ended.error()).contains("SIGKILL");
        assertThat(userStop.get(10, TimeUnit.SECONDS)).isInstanceOf(RunRow.class);
    }

    @Test
    void twoResumesOfOnePauseLiftItOnceAndTheSecondIsRefused() throws Exception {
        Supervisor supervisor = supervisor(PausingRunner.class);
        RunRow run = supervisor.start(spec("paused"));
        await().atMost(Duration.ofSeconds(5)).until(() ->
                store.run(run.id()).orElseThrow().status() == RunStatus.PAUSED_BUDGET);
        Supervisor.BudgetChange first = new Supervisor.BudgetChange(true, 1_000L, false, null);
        Supervisor.BudgetChange second = new Supervisor.BudgetChange(true, 2_000L, false, null);

        List<CompletableFuture<Budget>> results = together(List.of(
                () -> supervisor.resume("paused", first), () -> supervisor.resume("paused", second)));

        List<Budget> granted = new ArrayList<>();
        List<Throwable> refused = new ArrayList<>();
        for (CompletableFuture<Budget> result : results) {
            try {
                granted.add(result.get(10, TimeUnit.SECONDS));
            } catch (java.util.concurrent.ExecutionException e) {
                refused.add(e.getCause());
            }
        }
        assertThat(granted).hasSize(1);
        assertThat(refused).hasSize(1);
        assertThat(refused.get(0)).isInstanceOf(SupervisorException.class)
                .hasMessageContaining("is not paused for its budget");
        assertThat(supervisor.liveBudget("paused")).contains(granted.get(0));
        // the event is recorded without waiting for its commit: it may land just after the answer
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(events("resume_requested", run.id())).isEqualTo(1));
        await().atMost(Duration.ofSeconds(5)).until(() ->
                store.run(run.id()).orElseThrow().status() == RunStatus.RUNNING);
    }

    @Test
    void aStopWhileTheRunWaitsToStartEndsItBeforeItsRunnerExists() throws Exception {
        Supervisor supervisor = supervisor(SilentRunner.class);
        // silent runners hold every handshake place for the 5 s until they are given up
        List<Callable<Object>> fillers = new ArrayList<>();
        for (int i = 0; i < RunLaunch.MAX_STARTING; i++) {
            String name = "filler-" + i;
            fillers.add(() -> supervisor.start(spec(name)));
        }
        together(fillers);
        await().atMost(Duration.ofSeconds(10)).until(() -> java.util.stream.IntStream.range(0, RunLaunch.MAX_STARTING)
                .allMatch(i -> supervisor.livePid("filler-" + i).isPresent()));
        RunSpec waiting = spec("waiting");
        CompletableFuture<Object> start = together(List.<Callable<Object>>of(() -> supervisor.start(waiting))).get(0);
        await().atMost(Duration.ofSeconds(5)).until(() ->
                Db.count(home.db(), "SELECT count(*) FROM agent_runs WHERE name = 'waiting' AND status = 'starting'") == 1);

        RunRow stopped = supervisor.stop("waiting", Duration.ofSeconds(5));

        assertThat(stopped.status()).isEqualTo(RunStatus.STOPPED);
        assertThat(stopped.pid()).isNull();
        assertThat(stopped.error()).contains("stopped before its runner started");
        assertThatThrownBy(() -> start.get(10, TimeUnit.SECONDS)).hasMessageContaining("did not start");
    }

    @Test
    void aTemplateTooLargeForTheProtocolFailsTheStartWithItsSizeAndStartsNoRunner() throws Exception {
        Supervisor supervisor = supervisor(null);
        RunSpec small = spec("huge");
        RunSpec huge = new RunSpec(small.name(), small.templateName(), "# huge\n" + "x".repeat(1_200_000), null,
                small.workdir(), small.config(), RunSpec.RestartPolicy.NEVER, 0, null);

        assertThatThrownBy(() -> supervisor.start(huge)).isInstanceOf(SupervisorException.class)
                .hasMessageContaining("over the protocol's limit").hasMessageContaining("bytes");

        RunRow row = store.latestRun("huge").orElseThrow();
        assertThat(row.status()).isEqualTo(RunStatus.FAILED);
        assertThat(row.pid()).isNull();
        assertThat(supervisor.livePid("huge")).isEmpty();
    }

    @Test
    void anApprovalThatCannotReachTheRunnerIsReportedAndNotRecordedApproved() throws Exception {
        Supervisor supervisor = supervisor(DeafRunner.class);
        RunRow run = supervisor.start(spec("deaf"));
        String request = run.id() + "-p1";
        await().atMost(Duration.ofSeconds(5)).until(() -> events("notify", run.id()) == 1);

        assertThatThrownBy(() -> supervisor.answerPermission(request, true, null))
                .isInstanceOf(SupervisorException.class)
                .hasMessageContaining("was not answered").hasMessageContaining("closed");

        Object status = Db.scalar(home.db(), "SELECT status FROM permission_requests WHERE id = '" + request + "'");
        assertThat(status).isEqualTo("expired");
        assertThat(Db.scalar(home.db(), "SELECT reason FROM permission_requests WHERE id = '" + request + "'"))
                .asString().contains("did not reach the runner");
    }

    @Test
    void aResumeThatCannotReachTheRunnerFailsAndLeavesTheBudgetAsItWas() throws Exception {
        Supervisor supervisor = supervisor(DeafRunner.class);
        RunRow run = supervisor.start(spec("deaf"));
        await().atMost(Duration.ofSeconds(5)).until(() -> events("notify", run.id()) == 1);
        Budget before = supervisor.liveBudget("deaf").orElseThrow();

        assertThatThrownBy(() -> supervisor.resume("deaf", new Supervisor.BudgetChange(true, 10_000L, false, null)))
                .isInstanceOf(SupervisorException.class)
                .hasMessageContaining("was not resumed").hasMessageContaining("closed");

        assertThat(supervisor.liveBudget("deaf")).contains(before);
        assertThat(events("resume_requested", run.id())).isZero();
    }
}

package dev.ccd.runner.bench;

import dev.ccd.protocol.Budget;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.ProviderOptions;
import dev.ccd.protocol.RunConfig;
import dev.ccd.protocol.TemplateSpec;
import dev.ccd.runner.JvmProbe;
import dev.ccd.runner.RunnerHarness;
import dev.ccd.runner.provider.FakeModelServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Is a long run's memory flat? Runs a real runner JVM (the daemon's heap flags) for N iterations
 * against a fake OpenAI-compatible server whose replies overflow an 8k-token window again and
 * again (the {@code BoundedContextSoakTest} model), and at checkpoints forces a full GC
 * ({@code jcmd GC.run}) and reads the live heap ({@code jcmd GC.heap_info}) and RSS. Prints a
 * table and the largest request. Run by {@code scripts/bench context}; not a test.
 */
public final class ContextSoakBenchmark {

    public static void main(String[] args) throws Exception {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        Set<Integer> checkpoints = Set.of(100, iterations / 4, iterations / 2, 3 * iterations / 4, iterations);
        Path tmp = Files.createTempDirectory("ccd-soak");
        Path work = Files.createDirectories(tmp.resolve("work"));
        Files.writeString(work.resolve("big.txt"), "x".repeat(9_000));
        List<String> rows = new ArrayList<>();
        try (FakeModelServer server = FakeModelServer.start();
                RunnerHarness runner = RunnerHarness.launch(tmp, Map.of(),
                        List.of("-XX:+UseSerialGC", "-Xms8m", "-Xmx96m", "-Xss512k", "-XX:TieredStopAtLevel=1"))) {
            server.respondWith(SoakModel::reply);
            runner.send(new Message.Init(Message.PROTOCOL_VERSION, "r-soak", "soak", new TemplateSpec("t", "# t\nLoop."),
                    null, new RunConfig("openai", "soak-model", server.baseUrl() + "/v1", null, work.toString(),
                            tmp.resolve("run").toString(), 0, false, null, new Budget(null, null, iterations + 100),
                            new ProviderOptions(256, 1.0, 5.0, 2, 0.01, 0.05, 0.1), 8_000, 0.6, 0, null, null, null)));
            long pid = runner.process.pid();
            long start = System.nanoTime();
            int done = 0;
            int compactions = 0;
            Message m;
            do {
                m = runner.next();
                if (m instanceof Message.Notify n && n.text().startsWith("context compacted")) {
                    compactions++;
                }
                if (m instanceof Message.IterationDone) {
                    done++;
                    if (checkpoints.contains(done)) {
                        rows.add(String.format("%6d  %8d  %8d  %6d", done, JvmProbe.liveHeapKib(pid), JvmProbe.rssKib(pid), compactions));
                    }
                    if (done == iterations) {
                        runner.send(new Message.Stop("benchmark done"));
                    }
                }
            } while (!(m instanceof Message.Exit));
            double seconds = (System.nanoTime() - start) / 1e9;
            int largest = server.requests().stream().mapToInt(r -> r.body().length()).max().orElse(0);
            System.out.println("iter   live-heap(KiB)  RSS(KiB)  compactions");
            rows.forEach(System.out::println);
            System.out.printf("%d iterations in %.1f s; %d requests, largest %d chars (~%d tokens) for an 8000-token window%n",
                    done, seconds, server.requestCount(), largest, largest / 4);
        }
    }
}

package dev.ccd.daemon.supervisor.fakes;

import java.util.concurrent.CountDownLatch;

/** Answers the handshake, then ignores stop, stdin's end and SIGTERM: only SIGKILL ends it. */
public final class StubbornRunner {
    public static void main(String[] args) throws Exception {
        FakeRunner runner = new FakeRunner();
        runner.handshake();
        CountDownLatch never = new CountDownLatch(1);
        // SIGTERM runs shutdown hooks; one that never returns keeps the JVM alive.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                never.await();
            } catch (InterruptedException ignored) {
                // keep blocking the exit for as long as we can
            }
        }));
        while (!(runner.in.read() instanceof dev.ccd.protocol.ReadResult.EndOfStream)) {
            // ignore everything, including stop
        }
        never.await();
    }
}

package dev.ccd.daemon.supervisor.fakes;

import java.util.concurrent.CountDownLatch;

/** Never answers init: the daemon must give up after the handshake timeout and kill it. */
public final class SilentRunner {
    public static void main(String[] args) throws Exception {
        System.err.println("silent runner: not answering");
        new CountDownLatch(1).await();
    }
}

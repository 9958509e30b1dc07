package dev.ccd.daemon.supervisor.fakes;

/** Answers the handshake, complains on stderr and dies without an exit message. */
public final class CrashingRunner {
    public static void main(String[] args) throws Exception {
        FakeRunner runner = new FakeRunner();
        runner.handshake();
        System.err.println("boom: the fake runner crashes on purpose");
        System.exit(7);
    }
}

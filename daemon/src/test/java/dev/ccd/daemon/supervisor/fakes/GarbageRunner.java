package dev.ccd.daemon.supervisor.fakes;

import dev.ccd.protocol.EndReason;
import dev.ccd.protocol.IterationStatus;
import dev.ccd.protocol.Message;

/**
 * Between valid messages, writes every kind of bad line: not JSON, an over-long line, an unknown
 * op, a known op with a bad field, invalid UTF-8. Then exits as a completed run.
 */
public final class GarbageRunner {
    public static void main(String[] args) throws Exception {
        FakeRunner runner = new FakeRunner();
        runner.handshake();
        runner.out.send(new Message.IterationStart(1));
        runner.raw("this is not json");
        runner.raw("{\"op\":\"notify\",\"text\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}");
        runner.raw("{\"op\":\"teleport\",\"to\":\"mars\"}");
        runner.out.send(new Message.IterationDone(1, IterationStatus.OK, 0.5, "first", 10, 2, 0.0));
        runner.raw("{\"op\":\"iteration_start\",\"iteration\":\"two\"}");
        runner.raw(new byte[] {'{', '"', 'o', 'p', '"', ':', '"', (byte) 0xc3, (byte) 0x28, '"', '}'});
        runner.out.send(new Message.IterationStart(2));
        runner.out.send(new Message.Notify("still here"));
        runner.out.send(new Message.IterationDone(2, IterationStatus.OK, 0.25, "second", 20, 4, 0.0));
        runner.out.send(new Message.Exit(EndReason.MAX_ITERATIONS, 2, null));
        System.exit(0);
    }
}

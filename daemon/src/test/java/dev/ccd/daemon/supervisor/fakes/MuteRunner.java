package dev.ccd.daemon.supervisor.fakes;

import dev.ccd.protocol.Message;
import dev.ccd.protocol.ReadResult;

/**
 * Talks but never answers a ping: reads its stdin (and drops what it reads) while it sends a
 * notice every 200 ms. Lines that are not pongs must not pass for an answer.
 */
public final class MuteRunner {
    public static void main(String[] args) throws Exception {
        FakeRunner runner = new FakeRunner();
        runner.handshake();
        Thread talker = new Thread(() -> {
            try {
                for (int i = 0; ; i++) {
                    runner.out.send(new Message.Notify("still talking " + i));
                    Thread.sleep(200);
                }
            } catch (Exception e) {
                // the daemon is gone
            }
        });
        talker.setDaemon(true);
        talker.start();
        while (!(runner.in.read() instanceof ReadResult.EndOfStream)) {
            // pings and all: ignored
        }
    }
}

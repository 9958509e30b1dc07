package dev.ccd.daemon.supervisor.fakes;

import dev.ccd.protocol.Budget;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.ReadResult;
import dev.ccd.protocol.Usage;

/**
 * Pauses for its budget at once, as a runner past its limit does; a resume lifts the pause
 * ({@code resumed}), a stop or stdin's end ends it.
 */
public final class PausingRunner {
    public static void main(String[] args) throws Exception {
        FakeRunner runner = new FakeRunner();
        runner.handshake();
        runner.out.send(new Message.PausedBudget("max_tokens", new Budget(100L, null, null), new Usage(150, 0, 0.0, 1)));
        while (true) {
            ReadResult read = runner.in.read();
            if (read instanceof ReadResult.EndOfStream) {
                return;
            }
            if (read instanceof ReadResult.Received r && r.message() instanceof Message.Resume) {
                runner.out.send(new Message.Resumed());
            } else if (read instanceof ReadResult.Received r && r.message() instanceof Message.Stop) {
                runner.out.send(new Message.Exit(dev.ccd.protocol.EndReason.STOPPED, 0, null));
                return;
            }
        }
    }
}

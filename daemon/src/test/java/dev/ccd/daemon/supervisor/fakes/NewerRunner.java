package dev.ccd.daemon.supervisor.fakes;

import dev.ccd.protocol.IterationStatus;
import dev.ccd.protocol.Message;

/** A runner of a later version: it ends with an end reason this daemon does not know. */
public final class NewerRunner {
    public static void main(String[] args) throws Exception {
        FakeRunner runner = new FakeRunner();
        runner.handshake();
        runner.out.send(new Message.IterationStart(1));
        runner.out.send(new Message.IterationDone(1, IterationStatus.OK, 0.5, "all checks green", 10, 2, 0.0));
        runner.raw("{\"op\":\"exit\",\"reason\":\"goal_reached\",\"iterations\":1,\"error\":\"the goal was met\"}");
        System.exit(0);
    }
}

package dev.ccd.daemon.supervisor.fakes;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.ccd.protocol.Budget;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.Usage;
import java.util.concurrent.CountDownLatch;

/**
 * Asks for a permission and pauses for its budget, then closes its stdin and lives on: nothing
 * the daemon sends can reach it any more. Only a signal ends it.
 */
public final class DeafRunner {
    public static void main(String[] args) throws Exception {
        FakeRunner runner = new FakeRunner();
        Message.Init init = runner.handshake();
        runner.out.send(new Message.PermissionRequest(init.runId() + "-p1", "bash",
                JsonNodeFactory.instance.objectNode().put("command", "true"), "to test"));
        runner.out.send(new Message.PausedBudget("max_tokens", new Budget(100L, null, null), new Usage(150, 0, 0.0, 1)));
        System.in.close();
        runner.out.send(new Message.Notify("deaf now"));
        new CountDownLatch(1).await();
    }
}

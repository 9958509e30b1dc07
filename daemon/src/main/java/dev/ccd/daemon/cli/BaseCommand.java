package dev.ccd.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.CcdHome;
import dev.ccd.daemon.control.ControlClient;
import dev.ccd.daemon.control.JsonTrees;
import dev.ccd.daemon.control.RpcException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * What every verb shares: the home ({@code --home} is {@link Main}'s), the output writers (injected, so tests capture them),
 * and calls to the daemon with errors mapped to exit codes: invalid params are usage errors (2),
 * other refusals failures (1), no daemon 3.
 */
abstract class BaseCommand implements Callable<Integer> {
    /** Calls that may take seconds (a handshake, a stop ladder), and what the wait is for. */
    private static final Map<String, String> SLOW_CALLS = Map.of(
            "agent.start", "starting the agent",
            "agent.stop", "stopping the agent and its processes",
            "agent.resume", "resuming the agent");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;


    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** {@code --home} wherever it was typed (an option every command inherits from {@code ccd}). */
    CcdHome home() {
        return CcdHome.resolve(((Main) spec.root().userObject()).home);
    }

    ControlClient client() {
        try {
            return ControlClient.connect(home().socket());
        } catch (ControlClient.NotRunning e) {
            throw new CliException(ExitCodes.NOT_RUNNING, e.getMessage());
        }
    }

    /** Calls the daemon on a fresh connection; a slow answer shows progress on a terminal. */
    JsonNode call(String method, ObjectNode params) {
        String waiting = SLOW_CALLS.get(method);
        Progress progress = waiting == null ? Progress.none() : progress(waiting);
        try (ControlClient client = client()) {
            return client.call(method, params);
        } catch (ControlClient.RpcError e) {
            throw fromRpc(e);
        } catch (IOException e) {
            throw new CliException(ExitCodes.FAILED, "talking to the daemon: " + e.getMessage());
        } finally {
            progress.close();
        }
    }

    static CliException fromRpc(ControlClient.RpcError e) {
        int code = e.code() == RpcException.INVALID_PARAMS ? ExitCodes.USAGE : ExitCodes.FAILED;
        // the wire's "invalid params: " says nothing to a person at a command line
        return new CliException(code, e.getMessage().replaceFirst("^invalid params: ", ""));
    }

    static ObjectNode params() {
        return JsonTrees.object();
    }

    void printJson(JsonNode node) {
        out().println(JsonTrees.write(node, true));
    }

    /** Dots on stderr while a wait lasts, when stderr is a terminal. */
    Progress progress(String what) {
        return interactive() ? Progress.start(err(), what, Progress.QUIET) : Progress.none();
    }

    /**
     * True when stderr is a terminal: then long waits show progress. (Linux: where fd 2 leads;
     * {@code System.console()} answers for stdin and stdout, not for stderr.)
     */
    static boolean interactive() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}

package dev.ccd.process;

import java.io.IOException;

/**
 * Where and how a {@link Command} runs. One implementation per place: {@link LocalLauncher} forks
 * on this machine; a sandbox wraps the command before it forks, a cluster launcher hands it to
 * the scheduler. Whatever the place, the result is a {@link ManagedProcess} with the same stop
 * contract, so callers never care which launcher started it.
 */
public interface Launcher {
    /**
     * Starts the command. Blocks only for the fork (or the scheduler's acceptance); the process
     * then runs on its own.
     *
     * @throws IOException the command could not be started; nothing is left running
     */
    ManagedProcess start(Command command) throws IOException;
}

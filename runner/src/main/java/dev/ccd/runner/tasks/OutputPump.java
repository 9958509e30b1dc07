package dev.ccd.runner.tasks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a task's output (stdout and stderr merged) into its log file, up to a cap, and keeps its
 * latest bytes in a {@link ByteTail}.
 *
 * <p>Threads: {@link #run} runs on the task's own pump thread, which alone writes the log. Other
 * threads read {@link #tail} and {@link #truncated}.
 *
 * <p>Invariants: the log never exceeds the cap plus one marker line; the input is read to its end
 * whatever happens to the log (cap reached, disk full), so the task never blocks on a full pipe.
 * The pump ends when the last process holding the pipe's write end has exited, which may be
 * after the task itself when it left processes in the background.
 */
final class OutputPump implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(OutputPump.class);

    private final String taskId;
    private final InputStream in;
    private final OutputStream out;
    private final long capBytes;
    private final ByteTail tail = new ByteTail(ByteTail.DEFAULT_CAPACITY);
    /** Set once by the pump thread, read by output() callers. */
    private volatile boolean truncated;

    OutputPump(String taskId, InputStream in, OutputStream out, long capBytes) {
        this.taskId = taskId;
        this.in = in;
        this.out = out;
        this.capBytes = capBytes;
    }

    static String marker(long capBytes) {
        return "[ccd: output truncated at " + capBytes + " bytes; the task keeps running]\n";
    }

    ByteTail tail() {
        return tail;
    }

    boolean truncated() {
        return truncated;
    }

    @Override
    public void run() {
        byte[] buf = new byte[8192];
        long written = 0;
        boolean atLineStart = true;
        boolean writing = true;
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                tail.append(buf, 0, n);
                if (!writing) {
                    continue;
                }
                try {
                    int room = (int) Math.min(n, capBytes - written);
                    if (room > 0) {
                        out.write(buf, 0, room);
                        written += room;
                        atLineStart = buf[room - 1] == '\n';
                    }
                    if (room < n) {
                        out.write(((atLineStart ? "" : "\n") + marker(capBytes)).getBytes(StandardCharsets.UTF_8));
                        truncated = true;
                        writing = false;
                    }
                } catch (IOException e) {
                    // Disk full, say: the log stops here, but the pipe must still be drained.
                    log.warn("task {} - cannot write its log any more: {}", taskId, e.toString());
                    writing = false;
                }
            }
        } catch (IOException e) {
            // The pipe was closed under us: there is nothing more to read.
            log.debug("task {} - output stream closed: {}", taskId, e.toString());
        } finally {
            closeLog();
        }
    }

    private void closeLog() {
        try {
            out.close();
        } catch (IOException e) {
            log.warn("task {} - cannot close its log: {}", taskId, e.toString());
        }
    }
}

package dev.ccd.process;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One line of {@code /proc/PID/stat}: the fields the process layer needs. Linux only; elsewhere
 * every lookup is empty and group signals are skipped (the tree is still signalled).
 *
 * @param state      the state letter ({@code Z} for a zombie)
 * @param pgrp       the process group
 * @param startTicks when the process started, in clock ticks since boot: with the pid, it names
 *                   one process for good (a reused pid has a later start)
 */
record ProcStat(long pid, char state, long pgrp, long startTicks) {
    private static final Path PROC = Path.of("/proc");

    boolean zombie() {
        return state == 'Z';
    }

    static Optional<ProcStat> of(long pid) {
        try {
            return Optional.ofNullable(parse(pid, Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The live (not zombie) members of process group {@code pgrp}, as they are now. */
    static List<ProcStat> groupMembers(long pgrp) {
        List<ProcStat> members = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC)) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
                    of(Long.parseLong(name)).filter(s -> s.pgrp == pgrp && !s.zombie()).ifPresent(members::add);
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: nothing found, nothing signalled
        }
        return members;
    }

    /** Fields after the command name, which may itself hold spaces and parentheses. */
    private static ProcStat parse(long pid, String stat) {
        int nameEnd = stat.lastIndexOf(')');
        if (nameEnd < 0) {
            return null;
        }
        String[] f = stat.substring(nameEnd + 2).trim().split(" ");
        // f[0] state, f[1] ppid, f[2] pgrp, ..., f[19] starttime (field 22 of proc(5))
        return new ProcStat(pid, f[0].charAt(0), Long.parseLong(f[2]), Long.parseLong(f[19]));
    }
}

package dev.ccd.process;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reaches a locally forked process through its tree and, when it leads one, its process group.
 *
 * <p>The tree is remembered at every step: once a shell dies, its children are reparented and no
 * longer its descendants, so only a tree seen before can still name them. The group reaches what
 * left the tree (orphans of a crashed runner keep its group id) but not what left the group
 * ({@code setsid}); a sandbox's PID namespace reaches those.
 *
 * <p><b>Pid reuse.</b> While the root is not reaped, or while any member of its group lives, the
 * kernel cannot hand its pid to another process; once both are gone it can, and a later process
 * may lead a new group of the same number. So a group is signalled only when no process holds
 * the root's pid with another start time than the root's; members are signalled through {@link
 * ProcessHandle}, which checks the start time it read, so a member that exits and whose pid is
 * reused between the look-up and the signal is not hit either.
 *
 * <p>Threads: any; {@code seen} is guarded by {@code this}.
 */
final class TreeAndGroup implements ProcessSignals {
    /** Rounds of a group kill: members forking while they are killed are looked for again. */
    private static final int KILL_ROUNDS = 5;

    private final Process root;
    private final long pgid;
    private final boolean ownGroup;
    /** The root's start in clock ticks since boot, -1 when unknown (no /proc). */
    private final long rootStart;
    private final Set<ProcessHandle> seen = new LinkedHashSet<>();

    TreeAndGroup(Process root, boolean ownGroup) {
        this.root = root;
        this.pgid = root.pid();
        this.ownGroup = ownGroup;
        this.rootStart = ProcStat.of(root.pid()).map(ProcStat::startTicks).orElse(-1L);
        seen.add(root.toHandle());
    }

    @Override
    public synchronized void remember() {
        if (root.isAlive()) {
            seen.addAll(ProcessTree.snapshot(root.toHandle()));
        }
        for (ProcessHandle process : List.copyOf(seen)) {
            if (process.isAlive()) {
                seen.addAll(ProcessTree.snapshot(process));
            }
        }
    }

    @Override
    public synchronized void signal(boolean kill) {
        remember();
        for (ProcessHandle process : seen) {
            send(process, kill);
        }
        if (!ownGroup || !groupStillOurs()) {
            return;
        }
        Set<Long> signalled = new LinkedHashSet<>();
        for (int round = 0; round < (kill ? KILL_ROUNDS : 1); round++) {
            List<ProcessHandle> fresh = new ArrayList<>();
            for (ProcStat member : ProcStat.groupMembers(pgid)) {
                if (signalled.add(member.pid())) {
                    ProcessHandle.of(member.pid()).ifPresent(fresh::add);
                }
            }
            if (fresh.isEmpty()) {
                return;
            }
            fresh.forEach(process -> send(process, kill));
            seen.addAll(fresh);
        }
    }

    /** See the class header: false once another process holds the pid the group is named after. */
    boolean groupStillOurs() {
        if (root.isAlive()) {
            return true;
        }
        return ProcStat.of(pgid).map(holder -> rootStart >= 0 && holder.startTicks() == rootStart).orElse(true);
    }

    private static void send(ProcessHandle process, boolean kill) {
        if (process.pid() == ProcessHandle.current().pid()) {
            return;
        }
        if (kill) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
    }

    @Override
    public List<Long> survivors(Duration max) throws InterruptedException {
        List<ProcessHandle> all;
        synchronized (this) {
            remember();
            all = List.copyOf(seen);
        }
        ProcessTree.awaitGone(all, max);
        return all.stream().filter(ProcessTree::running).map(ProcessHandle::pid).toList();
    }

    @Override
    public synchronized int seen() {
        return seen.size();
    }
}

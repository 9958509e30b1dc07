package dev.ccd.runner.agent;

import dev.ccd.protocol.Excerpt;
import dev.ccd.protocol.ResumeFrom;
import dev.ccd.runner.tasks.TaskManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A run going on from an earlier runner's checkpoint ({@code init.resume}): what is restored, the
 * number its next iteration takes, and the one message that tells the model what happened. The
 * iteration that was in progress is not continued: it starts again from its beginning, so its
 * tool calls (listed in the message, from the journal) may run twice.
 */
public final class Resumption {
    static final int TAIL_LINES = 5;
    static final int TAIL_CHARS = 800;
    /** The last calls of the unfinished iteration that are listed: the note stays short. */
    static final int SHOWN_STEPS = 30;

    private final Optional<Checkpoint> checkpoint;
    private final int nextIteration;
    private final int lastTaskId;
    private final String note;
    private final IterationJournal.Spent spent;

    private Resumption(Optional<Checkpoint> checkpoint, int nextIteration, int lastTaskId, String note,
            IterationJournal.Spent spent) {
        this.checkpoint = checkpoint;
        this.nextIteration = nextIteration;
        this.lastTaskId = lastTaskId;
        this.note = note;
        this.spent = spent;
    }

    /** Reads the checkpoint and journal {@code from} names. */
    public static Resumption load(ResumeFrom from) throws IOException {
        Path dir = Path.of(from.checkpointDir());
        Optional<Checkpoint> checkpoint = Checkpoint.read(dir);
        IterationJournal.Contents journal = IterationJournal.read(dir);
        int done = checkpoint.map(Checkpoint::iteration).orElse(0);
        boolean unfinished = journal.iteration() > done;
        int next = Math.max(from.nextIteration(), Math.max(done, journal.iteration()) + 1);

        Map<String, Checkpoint.RunningTask> lost = new LinkedHashMap<>();
        checkpoint.ifPresent(c -> c.tasks().forEach(t -> lost.put(t.id(), t)));
        if (unfinished) {
            journal.tasksStarted().forEach(t -> lost.put(t.id(), t));
        }
        int lastTask = checkpoint.map(Checkpoint::lastTaskId).orElse(0);
        for (String id : lost.keySet()) {
            lastTask = Math.max(lastTask, taskNumber(id));
        }

        StringBuilder note = new StringBuilder("[ccd] The run was ").append(from.how());
        if (unfinished) {
            note.append(" during iteration ").append(journal.iteration()).append(", and goes on from ")
                    .append(done == 0 ? "the start" : "the end of iteration " + done).append(". That iteration starts"
                            + " again from its beginning");
            if (journal.steps().isEmpty()) {
                note.append("; it had made no tool call.");
            } else {
                List<String> steps = journal.steps();
                note.append("; these tool calls of it were made and may have run already")
                        .append(steps.size() > SHOWN_STEPS ? " (the last " + SHOWN_STEPS + " of " + steps.size() + ")" : "")
                        .append(':');
                for (String step : steps.subList(Math.max(0, steps.size() - SHOWN_STEPS), steps.size())) {
                    note.append("\n- ").append(step);
                }
            }
        } else {
            note.append(done == 0 ? " before its first iteration, and starts now." : " after iteration " + done
                    + ", and goes on from there.");
        }
        for (Checkpoint.RunningTask task : lost.values()) {
            note.append("\nBackground task ").append(task.id()).append(" (`")
                    .append(Excerpt.abbreviate(task.command(), 200)).append("`) was lost");
            String tail = lastLines(dir, task.log());
            note.append(tail.isEmpty() ? "; it had written no output." : "; its last output lines:\n" + tail);
        }
        // the unfinished iteration's model calls were paid for: the budget counts them
        IterationJournal.Spent spent = unfinished && journal.spent() != null ? journal.spent()
                : checkpoint.map(c -> new IterationJournal.Spent(c.tokensIn(), c.tokensOut(), c.costUsd(), c.modelCalls()))
                        .orElse(new IterationJournal.Spent(0, 0, 0, 0));
        return new Resumption(checkpoint, next, lastTask, note.toString(), atLeastRecorded(spent, from));
    }

    /**
     * The files are the run's own and within the agent's reach: lost, stale or rewritten, they
     * may say less than was spent. Each figure is the higher of theirs and the daemon's record.
     */
    private static IterationJournal.Spent atLeastRecorded(IterationJournal.Spent files, ResumeFrom from) {
        return new IterationJournal.Spent(
                Math.max(files.tokensIn(), from.tokensIn() == null ? 0 : from.tokensIn()),
                Math.max(files.tokensOut(), from.tokensOut() == null ? 0 : from.tokensOut()),
                Math.max(files.costUsd(), from.costUsd() == null ? 0 : from.costUsd()),
                files.modelCalls());
    }

    private static int taskNumber(String id) {
        try {
            return Integer.parseInt(id.substring(1));
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /**
     * The last lines of a lost task's log, read only where the run's task logs are ({@code
     * tasks/} of the run's directory, no link on the way): a checkpoint names the file, and a
     * name elsewhere (a key, the dashboard's token) must never reach the model.
     */
    private static String lastLines(Path runDir, String logName) {
        String end;
        try {
            Path tasks = runDir.resolve("tasks").toAbsolutePath().normalize();
            Path log = Path.of(logName).toAbsolutePath().normalize();
            if (!log.startsWith(tasks) || Files.exists(log) && !log.toRealPath().startsWith(tasks.toRealPath())) {
                return "  | [ccd: " + logName + " is not one of the run's task logs: not read]";
            }
            end = TaskManager.logEnd(log, TAIL_CHARS).strip();
        } catch (IOException e) {
            return "";
        }
        List<String> lines = end.lines().toList();
        StringBuilder out = new StringBuilder();
        for (String line : lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size())) {
            out.append(out.length() == 0 ? "" : "\n").append("  | ").append(line);
        }
        return out.toString();
    }

    Optional<Checkpoint> checkpoint() {
        return checkpoint;
    }

    /** What the run has spent so far, the unfinished iteration's model calls included. */
    IterationJournal.Spent spent() {
        return spent;
    }

    /** Model calls answered in the run so far: a scripted model's script goes on after them. */
    public long modelCalls() {
        return spent.modelCalls();
    }

    /** What was restored, in a few words for the run's log. */
    public String restored() {
        return checkpoint.map(c -> "the checkpoint of iteration " + c.iteration() + " (" + c.conversation().size()
                + " messages) restored").orElse("no checkpoint found, the conversation starts afresh");
    }

    /** The number of the first iteration this runner runs. */
    public int nextIteration() {
        return nextIteration;
    }

    /** The highest task number the earlier runners used. */
    public int lastTaskId() {
        return lastTaskId;
    }

    /** The message that opens the first iteration: what happened, before the iteration's prompt. */
    public String note() {
        return note;
    }
}

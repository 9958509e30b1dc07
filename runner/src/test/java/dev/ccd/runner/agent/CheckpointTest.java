package dev.ccd.runner.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ccd.protocol.ResumeFrom;
import dev.ccd.runner.provider.ChatMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint file, the journal of the iteration in progress, and what a resume makes of them. */
class CheckpointTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static Checkpoint sample(int iteration) throws Exception {
        List<ChatMessage> conversation = List.of(
                ChatMessage.user("Begin the program."),
                new ChatMessage(ChatMessage.Role.ASSISTANT, List.of(new ChatMessage.Text("running it"),
                        new ChatMessage.ToolUse("c1", "bash", JSON.readTree("{\"command\":\"echo \\\"hi\\\"\",\"n\":[1,2]}")))),
                new ChatMessage(ChatMessage.Role.USER, List.of(new ChatMessage.ToolResultBlock("c1", "hi\nünïcödé", false))),
                new ChatMessage(ChatMessage.Role.ASSISTANT, List.of(new ChatMessage.Text("done"))));
        return new Checkpoint(iteration, 5, 1200, 340, 0.25, 9, new StopRules.State("done", 2, null, 0, 0), 3,
                List.of(new Checkpoint.RunningTask("t3", "./train.sh > run.log", "/r/tasks/t3.log")), conversation);
    }

    @Test
    void aCheckpointReadsBackAsItWasWrittenAndReplacesTheLastOneWhole() throws Exception {
        sample(6).write(dir);
        Checkpoint later = sample(7);

        long bytes = later.write(dir);

        assertThat(Checkpoint.read(dir)).contains(later);
        assertThat(Files.size(dir.resolve(Checkpoint.FILE))).isEqualTo(bytes);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly(Checkpoint.FILE);
        }
    }

    @Test
    void fieldsAndBlocksOfANewerRunnerAreIgnoredAndNoFileIsNoCheckpoint() throws Exception {
        assertThat(Checkpoint.read(dir)).isEmpty();
        Files.writeString(dir.resolve(Checkpoint.FILE), "{\"version\":2,\"iteration\":4,\"completed\":4,\"future\":{\"x\":1},"
                + "\"conversation\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"go\","
                + "\"cache_control\":{\"type\":\"ephemeral\"}},{\"type\":\"image\",\"data\":\"...\"}]},"
                + "{\"role\":\"assistant\",\"content\":[{\"type\":\"thinking\",\"text\":\"hm\"}]}]}",
                StandardCharsets.UTF_8);

        Checkpoint read = Checkpoint.read(dir).orElseThrow();

        assertThat(read.iteration()).isEqualTo(4);
        assertThat(read.conversation()).containsExactly(ChatMessage.user("go"));
        assertThat(read.tasks()).isEmpty();
    }

    @Test
    void aResumeAfterADeathMidIterationNamesItsCallsAndLostTasksAndNumbersOn() throws Exception {
        sample(6).write(dir);
        Path log = Files.writeString(Files.createDirectories(dir.resolve("tasks")).resolve("t4.log"),
                "epoch 1\nepoch 2\nloss 0.31\n");
        // a journal the agent reached could name any file: only the run's task logs are read
        Path secret = Files.writeString(dir.resolve("secret.txt"), "sk-ant-do-not-show\n");
        Files.createSymbolicLink(dir.resolve("tasks/t5.log"), secret);
        IterationJournal journal = new IterationJournal(dir);
        journal.begin(7);
        journal.spent(1300, 360, 0.27, 10);
        journal.call("bash", JSON.readTree("{\"command\":\"make\"}"));
        journal.result("built\n", false);
        journal.taskStarted("t4", "python train.py", log);
        journal.taskStarted("t5", "cat secret", dir.resolve("tasks/t5.log"));
        journal.taskStarted("t6", "cat secret", secret);
        journal.call("write_file", JSON.readTree("{\"path\":\"a.txt\"}"));
        journal.close();
        Files.writeString(dir.resolve(IterationJournal.FILE), "{\"call\":\"tor", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.APPEND);

        Resumption resumption = Resumption.load(new ResumeFrom(dir.toString(), 8, "interrupted"));

        assertThat(resumption.nextIteration()).as("7 is recorded already: the redo takes a new number").isEqualTo(8);
        assertThat(resumption.lastTaskId()).isEqualTo(6);
        assertThat(resumption.checkpoint()).contains(sample(6));
        assertThat(resumption.spent()).as("the unfinished iteration's model call was paid for")
                .isEqualTo(new IterationJournal.Spent(1300, 360, 0.27, 10));
        assertThat(resumption.note())
                .contains("The run was interrupted during iteration 7, and goes on from the end of iteration 6")
                .contains("- bash {\"command\":\"make\"} -> built")
                .contains("- write_file {\"path\":\"a.txt\"}")
                .contains("Background task t3 (`./train.sh > run.log`) was lost; its last output lines:\n"
                        + "  | [ccd: /r/tasks/t3.log is not one of the run's task logs: not read]")
                .contains("Background task t4 (`python train.py`) was lost; its last output lines:\n  | epoch 1\n"
                        + "  | epoch 2\n  | loss 0.31")
                .contains("Background task t5 (`cat secret`) was lost; its last output lines:\n  | [ccd: "
                        + dir.resolve("tasks/t5.log") + " is not one of the run's task logs: not read]")
                .doesNotContain("sk-ant-do-not-show");
    }

    @Test
    void aResumeBetweenIterationsTakesTheNextNumberAndAJournalIsEmptiedByTheNextIteration() throws Exception {
        sample(6).write(dir);
        IterationJournal journal = new IterationJournal(dir);
        journal.begin(6);
        journal.call("bash", JSON.readTree("{\"command\":\"old\"}"));
        journal.begin(6);
        journal.close();

        Resumption resumption = Resumption.load(new ResumeFrom(dir.toString(), 1, "stopped"));

        assertThat(IterationJournal.read(dir).steps()).isEmpty();
        assertThat(resumption.nextIteration()).isEqualTo(7);
        assertThat(resumption.spent()).isEqualTo(new IterationJournal.Spent(1200, 340, 0.25, 9));
        assertThat(resumption.note()).startsWith("[ccd] The run was stopped after iteration 6, and goes on from there.")
                .doesNotContain("old");
    }

    @Test
    void aResumeCountsTheHigherOfEachFigureOfTheRecordAndTheCheckpointSoAForgedOneGivesNoBudgetBack()
            throws Exception {
        sample(6).write(dir);

        Resumption lower = Resumption.load(new ResumeFrom(dir.toString(), 7, "stopped").recorded(1500, 300, 0.4));
        Resumption none = Resumption.load(new ResumeFrom(dir.toString(), 7, "stopped"));
        Files.delete(dir.resolve(Checkpoint.FILE));
        Resumption deleted = Resumption.load(new ResumeFrom(dir.toString(), 7, "stopped").recorded(1500, 300, 0.4));

        assertThat(lower.spent()).as("in and cost from the record, out and the calls from the checkpoint")
                .isEqualTo(new IterationJournal.Spent(1500, 340, 0.4, 9));
        assertThat(none.spent()).as("an older daemon's resume: the checkpoint alone")
                .isEqualTo(new IterationJournal.Spent(1200, 340, 0.25, 9));
        assertThat(deleted.spent()).isEqualTo(new IterationJournal.Spent(1500, 300, 0.4, 0));
        assertThat(deleted.nextIteration()).isEqualTo(7);
    }
}

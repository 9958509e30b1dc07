package dev.ccd.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The status words on the wire: today's exact strings, and nothing else. */
class StatusWordsTest {

    @Test
    void eachEnumEncodesAsItsWireNameAndDecodesBack() {
        assertThat(Arrays.stream(IterationStatus.values()).map(IterationStatus::wireName))
                .containsExactly("ok", "error", "stopped");
        assertThat(Arrays.stream(TaskStatus.values()).map(TaskStatus::wireName))
                .containsExactly("running", "completed", "failed", "timeout", "stopped");
        assertThat(Arrays.stream(EndReason.values()).map(EndReason::wireName)).containsExactly("stopped",
                "max_iterations", "script_exhausted", "stagnation", "completed", "failed", "protocol_mismatch",
                "bad_config");
        for (IterationStatus s : IterationStatus.values()) {
            assertThat(IterationStatus.fromWire(s.wireName())).isSameAs(s);
            assertThat(MessageCodec.mapper().valueToTree(s).textValue()).isEqualTo(s.wireName());
        }
        for (EndReason r : EndReason.values()) {
            assertThat(EndReason.fromWire(r.wireName())).isSameAs(r);
            assertThat(decode("{\"op\":\"exit\",\"reason\":\"" + r.wireName() + "\",\"iterations\":1}"))
                    .isEqualTo(new Message.Exit(r, 1, null));
        }
        for (TaskStatus s : TaskStatus.values()) {
            assertThat(MessageCodec.mapper().valueToTree(s).textValue()).isEqualTo(s.wireName());
            if (s.isFinal()) {
                assertThat(TaskStatus.fromWire(s.wireName())).isSameAs(s);
            }
        }
    }

    @Test
    void anUnknownIterationStatusIsAProtocolErrorNamingFieldValueAndAllowedValues() {
        assertThat(MessageCodec.decode(iterationDone("\"okay\"")))
                .isEqualTo(statusField("must be one of ok, error, stopped, got \"okay\""));
        // the words are exact: no case folding
        assertThat(MessageCodec.decode(iterationDone("\"OK\""))).isInstanceOfSatisfying(ReadResult.InvalidFields.class,
                f -> assertThat(f.field()).isEqualTo("status"));
    }

    @Test
    void aStatusThatIsNoStringOrIsNullIsRefusedAsBefore() {
        assertThat(MessageCodec.decode(iterationDone("5"))).isEqualTo(statusField("must be a string, got number 5"));
        assertThat(MessageCodec.decode(iterationDone("true")))
                .isEqualTo(statusField("must be a string, got boolean true"));
        assertThat(MessageCodec.decode(iterationDone("1.5")))
                .isEqualTo(statusField("must be a string, got number 1.5"));
        assertThat(MessageCodec.decode(iterationDone("[\"ok\"]")))
                .isEqualTo(statusField("must be a string, got array [\"ok\"]"));
        assertThat(MessageCodec.decode(iterationDone("{\"s\":\"ok\"}")))
                .isEqualTo(statusField("must be a string, got object {\"s\":\"ok\"}"));
        assertThat(MessageCodec.decode(iterationDone("null"))).isEqualTo(statusField("is required"));
    }

    @Test
    void anUnknownValueIsShownShortly() {
        ReadResult result = MessageCodec.decode(iterationDone("\"" + "x".repeat(5_000) + "\""));

        assertThat(result).isInstanceOfSatisfying(ReadResult.InvalidFields.class,
                f -> assertThat(f.detail()).hasSizeLessThan(120).endsWith("...\""));
    }

    @Test
    void taskDoneCarriesOnlyAFinalStatus() {
        assertThat(MessageCodec.decode("{\"op\":\"task_done\",\"task_id\":\"t1\",\"status\":\"running\","
                + "\"duration_s\":1}"))
                .isEqualTo(new ReadResult.InvalidFields("task_done", "status",
                        "must be one of completed, failed, timeout, stopped, got \"running\""));
        assertThatThrownBy(() -> new Message.TaskDone("t1", TaskStatus.RUNNING, null, 1))
                .isInstanceOf(FieldException.class)
                .hasMessage("field 'status' must be one of completed, failed, timeout, stopped, got \"running\"");
        assertThatThrownBy(() -> TaskStatus.fromWire("running")).isInstanceOf(FieldException.class);
    }

    @Test
    void anUnknownEndReasonIsReadAsAFailureThatKeepsTheReasonGiven() {
        assertThat(decode("{\"op\":\"exit\",\"reason\":\"goal_reached\",\"iterations\":4,\"error\":\"all green\"}"))
                .isEqualTo(new Message.Exit(EndReason.FAILED, 4, "unknown end reason \"goal_reached\": all green"));
        assertThat(decode("{\"op\":\"exit\",\"reason\":\"goal_reached\",\"iterations\":4}"))
                .isEqualTo(new Message.Exit(EndReason.FAILED, 4, "unknown end reason \"goal_reached\""));
        assertThatThrownBy(() -> EndReason.fromWire("goal_reached"))
                .isInstanceOf(FieldException.class)
                .hasMessageStartingWith("field 'reason' must be one of stopped, max_iterations,")
                .hasMessageEndingWith(", got \"goal_reached\"");
    }

    @Test
    void anEndReasonMustStillBeAPresentString() {
        assertThat(MessageCodec.decode("{\"op\":\"exit\",\"iterations\":1}"))
                .isEqualTo(new ReadResult.InvalidFields("exit", "reason", "is required"));
        assertThat(MessageCodec.decode("{\"op\":\"exit\",\"reason\":null,\"iterations\":1}"))
                .isEqualTo(new ReadResult.InvalidFields("exit", "reason", "is required"));
        assertThat(MessageCodec.decode("{\"op\":\"exit\",\"reason\":7,\"iterations\":1}"))
                .isEqualTo(new ReadResult.InvalidFields("exit", "reason", "must be a string, got number 7"));
        assertThat(MessageCodec.decode("{\"op\":\"exit\",\"reason\":\"stopped\"}"))
                .isEqualTo(new ReadResult.InvalidFields("exit", "iterations", "is required"));
    }

    private static String iterationDone(String status) {
        return "{\"op\":\"iteration_done\",\"iteration\":3,\"status\":" + status
                + ",\"duration_s\":1.5,\"tokens_in\":10,\"tokens_out\":2,\"cost_usd\":0}";
    }

    private static ReadResult statusField(String detail) {
        return new ReadResult.InvalidFields("iteration_done", "status", detail);
    }

    private static Message decode(String line) {
        ReadResult result = MessageCodec.decode(line);
        assertThat(result).as(result.describe()).isInstanceOf(ReadResult.Received.class);
        return ((ReadResult.Received) result).message();
    }
}

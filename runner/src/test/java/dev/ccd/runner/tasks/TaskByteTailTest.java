package dev.ccd.runner.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TaskByteTailTest {

    private static ByteTail tailOf(int capacity, String... chunks) {
        ByteTail tail = new ByteTail(capacity);
        for (String chunk : chunks) {
            byte[] bytes = chunk.getBytes(StandardCharsets.UTF_8);
            tail.append(bytes, 0, bytes.length);
        }
        return tail;
    }

    @Test
    void keepsTheLastLinesWithoutTheFinalNewline() {
        assertThat(tailOf(64, "a\nb\n", "c\nd\n").lastLines(2)).isEqualTo("c\nd");
        assertThat(tailOf(64, "a\nb").lastLines(5)).isEqualTo("a\nb");
        assertThat(tailOf(64).lastLines(5)).isEmpty();
    }

    @Test
    void lineCutByTheRingIsMarked() {
        assertThat(tailOf(16, "0123456789\n", "abcdefghij\n").lastLines(5)).isEqualTo("[...]6789\nabcdefghij");
        assertThat(tailOf(16, "x".repeat(100)).lastLines(5)).isEqualTo("[...]" + "x".repeat(16));
    }

    @Test
    void utf8SequenceCutByTheRingIsDroppedNotGarbled() {
        // "é" is two bytes: the ring keeps the last 16 of 19, starting with the second byte of one.
        assertThat(tailOf(16, "é".repeat(9), "z").lastLines(1)).isEqualTo("[...]" + "é".repeat(7) + "z");
    }

    @Test
    void carriageReturnsShowTheLineAsATerminalWould() {
        assertThat(tailOf(64, "10%\r50%\r100%\r\nok\r\n").lastLines(5)).isEqualTo("100%\nok");
    }
}

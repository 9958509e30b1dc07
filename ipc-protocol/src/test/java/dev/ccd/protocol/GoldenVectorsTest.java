package dev.ccd.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The vectors under src/test/resources/vectors are the contract; both sides must agree on them. */
class GoldenVectorsTest {

    /** The oversize vector is ~2 KB; the reader in that case is built with this limit. */
    private static final int SMALL_LIMIT = 1024;

    @ParameterizedTest(name = "{0}")
    @MethodSource("validOps")
    void canonicalLineDecodesAndReencodesToTheIdenticalLine(String op) {
        byte[] line = stripNewline(resource("vectors/valid/" + op + ".jsonl"));

        ReadResult result = MessageCodec.decode(line, 0, line.length);

        assertThat(result).isInstanceOf(ReadResult.Received.class);
        Message message = ((ReadResult.Received) result).message();
        assertThat(new String(MessageCodec.encode(message), StandardCharsets.UTF_8))
                .isEqualTo(new String(line, StandardCharsets.UTF_8));
    }

    @Test
    void everyKnownOpHasACanonicalVector() {
        assertThat(validOps().collect(Collectors.toSet())).isEqualTo(MessageCodec.knownOps());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidCases")
    void invalidLineGivesItsOutcomeAndTheNextValidLineStillDecodes(InvalidCase c) throws IOException {
        byte[] bad = resource("vectors/invalid/" + c.name() + ".line");
        byte[] good = resource("vectors/valid/iteration_done.jsonl");
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.write(bad);
        stream.write('\n');
        stream.write(good);
        MessageReader reader = new MessageReader(new ByteArrayInputStream(stream.toByteArray()), SMALL_LIMIT);

        ReadResult first = reader.read();
        ReadResult second = reader.read();

        assertThat(first.isProtocolError()).as(first.describe()).isTrue();
        switch (c.outcome()) {
            case "invalid_json" -> assertThat(first).isInstanceOf(ReadResult.InvalidJson.class);
            case "line_too_long" -> assertThat(first).isInstanceOf(ReadResult.LineTooLong.class)
                    .isEqualTo(new ReadResult.LineTooLong(bad.length, SMALL_LIMIT));
            case "unknown_op" -> assertThat(first).isInstanceOfSatisfying(ReadResult.UnknownOp.class,
                    u -> {
                        assertThat(u.op()).isEqualTo(c.op());
                        assertThat(u.raw().toString()).isEqualTo(new String(bad, StandardCharsets.UTF_8));
                    });
            case "invalid_fields" -> assertThat(first).isInstanceOfSatisfying(ReadResult.InvalidFields.class,
                    f -> {
                        assertThat(f.op()).isEqualTo(c.op());
                        assertThat(f.field()).isEqualTo(c.field());
                        assertThat(f.describe()).contains(c.op()).contains(c.field());
                    });
            default -> throw new AssertionError("unknown outcome in cases.tsv: " + c.outcome());
        }
        assertThat(second).isInstanceOfSatisfying(ReadResult.Received.class,
                r -> assertThat(r.message()).isInstanceOf(Message.IterationDone.class));
        assertThat(reader.read()).isEqualTo(new ReadResult.EndOfStream(0));
        assertThat(reader.protocolErrors()).isEqualTo(1);
    }

    @Test
    void invalidCasesCoverEveryOutcome() {
        Set<String> outcomes = invalidCases().map(InvalidCase::outcome).collect(Collectors.toSet());
        assertThat(outcomes).containsExactlyInAnyOrder("invalid_json", "line_too_long", "unknown_op", "invalid_fields");
    }

    record InvalidCase(String name, String outcome, String op, String field) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<String> validOps() {
        return Stream.of("init", "permission_response", "resume", "stop", "ping", "ready", "pong", "iteration_start",
                "iteration_done", "permission_request", "paused_budget", "resumed", "task_started",
                "task_done", "notify", "log", "exit");
    }

    static Stream<InvalidCase> invalidCases() {
        String tsv = new String(resource("vectors/invalid/cases.tsv"), StandardCharsets.UTF_8);
        List<InvalidCase> cases = tsv.lines()
                .filter(l -> !l.isBlank() && !l.startsWith("#"))
                .map(l -> Arrays.copyOf(l.split("\t", -1), 4))
                .map(f -> new InvalidCase(f[0], f[1], f[2], f[3]))
                .toList();
        assertThat(cases).hasSizeGreaterThan(10);
        return cases.stream();
    }

    private static byte[] resource(String path) {
        try (InputStream in = GoldenVectorsTest.class.getClassLoader().getResourceAsStream(path)) {
            assertThat(in).as(path).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] stripNewline(byte[] bytes) {
        assertThat(bytes[bytes.length - 1]).isEqualTo((byte) '\n');
        return Arrays.copyOf(bytes, bytes.length - 1);
    }
}

package dev.ccd.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class MessageChannelTest {

    @Test
    void readInitHandsOverTheProtocolBeforeTheRestOfTheLineIsJudged() throws IOException {
        byte[] input = ("{\"op\":\"init\",\"protocol\":1,\"run_id\":\"r-1\"}\n{\"op\":\"stop\"}\n")
                .getBytes(StandardCharsets.UTF_8);
        MessageReader reader = new MessageReader(new ByteArrayInputStream(input));
        List<Integer> protocols = new ArrayList<>();

        ReadResult first = reader.readInit(protocols::add);

        assertThat(protocols).containsExactly(1);
        assertThat(first).isInstanceOfSatisfying(ReadResult.InvalidFields.class, f -> assertThat(f.op()).isEqualTo("init"));
        assertThat(reader.readInit(protocols::add)).isEqualTo(new ReadResult.Received(new Message.Stop(null)));
        assertThat(protocols).containsExactly(1);
    }

    @Test
    void lineOverTheDefaultLimitIsReportedAndTheStreamStaysUsable() throws IOException {
        String huge = "{\"op\":\"notify\",\"text\":\"" + "y".repeat(3 * MessageReader.DEFAULT_MAX_LINE_BYTES) + "\"}";
        byte[] input = (huge + "\n{\"op\":\"resumed\"}\n").getBytes(StandardCharsets.UTF_8);
        MessageReader reader = new MessageReader(new ByteArrayInputStream(input));

        assertThat(reader.read()).isEqualTo(
                new ReadResult.LineTooLong(huge.length(), MessageReader.DEFAULT_MAX_LINE_BYTES));
        assertThat(reader.read()).isEqualTo(new ReadResult.Received(new Message.Resumed()));
        assertThat(reader.protocolErrors()).isEqualTo(1);
    }

    @Test
    void lineOfExactlyTheLimitIsAccepted() throws IOException {
        int limit = 256;
        String prefix = "{\"op\":\"notify\",\"text\":\"";
        String text = "z".repeat(limit - prefix.length() - 2);
        String line = prefix + text + "\"}";
        assertThat(line).hasSize(limit);

        MessageReader reader = new MessageReader(new ByteArrayInputStream((line + "\n").getBytes(StandardCharsets.UTF_8)), limit);

        assertThat(reader.read()).isEqualTo(new ReadResult.Received(new Message.Notify(text)));
    }

    @Test
    void partialLastLineIsEndOfStreamAndCountedNotDecoded() throws IOException {
        byte[] input = "{\"op\":\"resumed\"}\n{\"op\":\"resumed\"}".getBytes(StandardCharsets.UTF_8);
        MessageReader reader = new MessageReader(new ByteArrayInputStream(input));

        assertThat(reader.read()).isInstanceOf(ReadResult.Received.class);
        assertThat(reader.read()).isEqualTo(new ReadResult.EndOfStream(16));
        assertThat(reader.read()).isEqualTo(new ReadResult.EndOfStream(0));
        assertThat(reader.protocolErrors()).isEqualTo(1);
    }

    @Test
    void messagesSplitAcrossTinyReadsAreReassembled() throws IOException {
        byte[] input = "{\"op\":\"iteration_start\",\"iteration\":3}\r\n{\"op\":\"stop\"}\n".getBytes(StandardCharsets.UTF_8);
        InputStream trickle = new InputStream() {
            private int pos;

            @Override
            public int read() {
                return pos < input.length ? input[pos++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                int c = read();
                if (c < 0) {
                    return -1;
                }
                b[off] = (byte) c;
                return 1;
            }
        };
        MessageReader reader = new MessageReader(trickle);

        assertThat(reader.read()).isEqualTo(new ReadResult.Received(new Message.IterationStart(3)));
        assertThat(reader.read()).isEqualTo(new ReadResult.Received(new Message.Stop(null)));
        assertThat(reader.read()).isEqualTo(new ReadResult.EndOfStream(0));
    }

    @Test
    void concurrentSendersNeverInterleaveLines() throws Exception {
        PipedInputStream pipeIn = new PipedInputStream(1 << 16);
        PipedOutputStream pipeOut = new PipedOutputStream(pipeIn);
        MessageWriter writer = new MessageWriter(pipeOut);
        MessageReader reader = new MessageReader(pipeIn);
        int threads = 4;
        int perThread = 500;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> sends = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            sends.add(pool.submit(() -> {
                for (int i = 0; i < perThread; i++) {
                    writer.send(new Message.Notify(thread + ":" + i + ":" + "p".repeat(300)));
                }
                return null;
            }));
        }
        Set<String> seen = new HashSet<>();
        for (int n = 0; n < threads * perThread; n++) {
            ReadResult r = reader.read();
            assertThat(r).isInstanceOf(ReadResult.Received.class);
            seen.add(((Message.Notify) ((ReadResult.Received) r).message()).text());
        }
        for (Future<?> f : sends) {
            f.get();
        }
        pool.shutdown();
        writer.close();
        assertThat(seen).hasSize(threads * perThread);
        assertThat(reader.read()).isEqualTo(new ReadResult.EndOfStream(0));
        assertThat(reader.protocolErrors()).isZero();
    }

    @Test
    void writerRefusesAMessageThePeerWouldDiscard() {
        MessageWriter writer = new MessageWriter(new ByteArrayOutputStream(), 128);

        assertThatThrownBy(() -> writer.send(new Message.Notify("n".repeat(200))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("over the line limit of 128");
    }

    @Test
    void buildingAnInvalidMessageNamesTheField() {
        assertThatThrownBy(() -> new Message.IterationDone(1, IterationStatus.OK, -1, null, 0, 0, 0))
                .isInstanceOf(FieldException.class)
                .hasMessage("field 'duration_s' must be a finite number >= 0, got -1.0");
    }
}

package dev.ccd.protocol.bench;

import dev.ccd.protocol.IterationStatus;
import dev.ccd.protocol.Message;
import dev.ccd.protocol.MessageCodec;
import dev.ccd.protocol.MessageReader;
import dev.ccd.protocol.MessageWriter;
import dev.ccd.protocol.ReadResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * Measures the codec on one thread: encode + decode of an {@code iteration_done} with a
 * 400-character summary, as bare codec calls and through the line channel (writer into a buffer,
 * reader out of it). Prints the median of several timed rounds after a warm-up. Run by
 * {@code scripts/bench}; not a test.
 */
public final class CodecBenchmark {

    private static final int ROUNDS = 7;
    private static final long ROUND_NANOS = 1_000_000_000L;

    public static void main(String[] args) throws IOException {
        Message message = new Message.IterationDone(42, IterationStatus.OK, 12.25,
                "val_loss improved from 0.9123 to 0.9051 after lowering the learning rate; kept. ".repeat(5)
                        .substring(0, 400),
                51_234, 8_310, 0.2781);
        long sink = 0;
        long warmUntil = System.nanoTime() + 3 * ROUND_NANOS;
        while (System.nanoTime() < warmUntil) {
            sink += codecRound(message, 10_000) + channelRound(message, 10_000);
        }
        double[] codec = new double[ROUNDS];
        double[] channel = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            codec[r] = rate(() -> codecRound(message, 10_000));
            channel[r] = rate(() -> channelRound(message, 10_000));
        }
        System.out.printf("codec   encode+decode iteration_done (400-char summary): median %,.0f msg/s (rounds: %s)%n",
                median(codec), Arrays.toString(round(codec)));
        System.out.printf("channel write+read   iteration_done (400-char summary): median %,.0f msg/s (rounds: %s)%n",
                median(channel), Arrays.toString(round(channel)));
        if (sink == 42) {
            System.out.println();
        }
    }

    interface Round {
        long run() throws IOException;
    }

    private static double rate(Round round) throws IOException {
        long messages = 0;
        long start = System.nanoTime();
        long end;
        do {
            messages += round.run();
            end = System.nanoTime();
        } while (end - start < ROUND_NANOS);
        return messages * 1e9 / (end - start);
    }

    private static long codecRound(Message message, int count) {
        long n = 0;
        for (int i = 0; i < count; i++) {
            byte[] bytes = MessageCodec.encode(message);
            if (MessageCodec.decode(bytes, 0, bytes.length) instanceof ReadResult.Received) {
                n++;
            }
        }
        return n;
    }

    private static long channelRound(Message message, int count) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(count * 600);
        MessageWriter writer = new MessageWriter(buffer);
        for (int i = 0; i < count; i++) {
            writer.send(message);
        }
        MessageReader reader = new MessageReader(new ByteArrayInputStream(buffer.toByteArray()));
        long n = 0;
        while (reader.read() instanceof ReadResult.Received) {
            n++;
        }
        return n;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static long[] round(double[] values) {
        return Arrays.stream(values).mapToLong(Math::round).toArray();
    }
}

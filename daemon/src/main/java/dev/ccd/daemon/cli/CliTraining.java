package dev.ccd.daemon.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The training run of the CLI's class-data archive ({@code scripts/ccd} runs it once per build
 * under {@code -XX:ArchiveClassesAtExit}): typical commands, in this JVM, against a stand-in
 * socket in a scratch home that answers every call with an error, so that the classes of
 * parsing, help, a call over the socket, JSON and the error paths are all loaded. It starts no
 * daemon and writes only under the scratch directory, which it removes.
 */
public final class CliTraining {
    private CliTraining() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Path scratch = Files.createTempDirectory("ccd-cli-training-");
        try {
            Path socket = Files.createDirectories(scratch.resolve("run")).resolve("ccd.sock");
            try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                server.bind(UnixDomainSocketAddress.of(socket));
                Thread answering = new Thread(() -> answer(server), "training-socket");
                answering.setDaemon(true);
                answering.start();
                PrintWriter none = new PrintWriter(OutputStream.nullOutputStream());
                String home = scratch.toString();
                String[][] lines = {
                    {"--help"}, {"--version"}, {"status", "--home", home}, {"--home", home, "status", "--json"},
                    {"agent", "list", "--home", home}, {"agent", "list", "--all", "--json", "--home", home},
                    {"agent", "status", "x", "--home", home}, {"agent", "logs", "x", "-n", "5", "--home", home},
                    {"agent", "start", "x", "--template", "hello", "--script", "s.jsonl", "--home", home},
                    {"agent", "start", "x", "--interval", "abc", "--home", home}, {"agent", "start", "--help"},
                    {"agent", "stop", "x", "--home", home}, {"events", "--home", home}, {"templates", "list", "--home", home},
                    {"permission", "list", "--home", home}, {"bogus"},
                };
                for (String[] line : lines) {
                    Main.execute(none, none, line);
                }
            }
        } finally {
            try (Stream<Path> files = Files.walk(scratch)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Every request line gets an error answer with its id 1 (each command's first call). */
    private static void answer(ServerSocketChannel server) {
        byte[] reply = "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32001,\"message\":\"training\"}}\n"
                .getBytes(StandardCharsets.UTF_8);
        while (server.isOpen()) {
            try (SocketChannel client = server.accept()) {
                ByteBuffer in = ByteBuffer.allocate(1 << 16);
                while (client.read(in) > 0 && in.get(in.position() - 1) != '\n') {
                    // the request is one line
                }
                client.write(ByteBuffer.wrap(reply));
            } catch (IOException e) {
                return;
            }
        }
    }
}

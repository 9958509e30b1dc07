package dev.ccd.daemon.supervisor.fakes;

import dev.ccd.protocol.Message;
import dev.ccd.protocol.MessageReader;
import dev.ccd.protocol.MessageWriter;
import dev.ccd.protocol.ReadResult;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** Shared plumbing of the misbehaving runner mains the supervisor tests launch as real JVMs. */
final class FakeRunner {
    final OutputStream rawOut = new FileOutputStream(FileDescriptor.out);
    final MessageWriter out = new MessageWriter(rawOut);
    final MessageReader in = new MessageReader(new FileInputStream(FileDescriptor.in));

    /** Reads init and answers ready, as a real runner does. */
    Message.Init handshake() throws IOException {
        ReadResult first = in.read();
        if (!(first instanceof ReadResult.Received r) || !(r.message() instanceof Message.Init init)) {
            throw new IOException("expected init, got " + first.describe());
        }
        out.send(new Message.Ready(Message.PROTOCOL_VERSION, ProcessHandle.current().pid()));
        return init;
    }

    void raw(byte[] line) throws IOException {
        rawOut.write(line);
        rawOut.write('\n');
        rawOut.flush();
    }

    void raw(String line) throws IOException {
        raw(line.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}

package dev.ccd.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HandshakeTest {

    private static int protocolOf(String line) {
        byte[] bytes = ("xx" + line + "yy").getBytes(StandardCharsets.UTF_8);
        return Handshake.initProtocol(bytes, 2, bytes.length - 4);
    }

    @Test
    void theGoldenInitAsksForProtocolOne() throws Exception {
        String line = Files.readString(Path.of("src/test/resources/vectors/valid/init.jsonl")).strip();

        assertThat(protocolOf(line)).isEqualTo(1);
    }

    @Test
    void theProtocolIsFoundWhereverItStandsAmongTheTopLevelFields() {
        assertThat(protocolOf("{\"config\":{\"protocol\":7,\"x\":[1,{\"op\":\"stop\"}]},\"protocol\":3,\"op\":\"init\"}"))
                .isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"op\":\"stop\",\"protocol\":1}",
            "{\"op\":\"init\"}",
            "{\"op\":\"init\",\"protocol\":\"1\"}",
            "{\"op\":\"init\",\"protocol\":1.0}",
            "{\"op\":\"init\",\"protocol\":99999999999}",
            "{\"op\":\"init\",\"protocol\":-1}",
            "{\"op\":\"init\",\"config\":{\"protocol\":1}}",
            "{\"op\":1,\"protocol\":1}",
            "[\"op\",\"init\"]",
            "{\"op\":\"init\",\"protocol\":1",
            "{\"op\":\"init\",\"protocol\":1,\"protocol\":2}",
            "hello runner",
            ""})
    void anythingElseIsLeftToTheFullDecoder(String line) {
        assertThat(protocolOf(line)).isEqualTo(-1);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 4_194_304, Long.MAX_VALUE})
    void readyIsWrittenByteForByteAsTheCodecWritesIt(long pid) {
        Message.Ready ready = new Message.Ready(Message.PROTOCOL_VERSION, pid);

        assertThat(new String(Handshake.ready(ready), StandardCharsets.UTF_8))
                .isEqualTo(MessageCodec.encodeToString(ready));
    }
}

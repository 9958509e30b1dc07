package dev.ccd.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The runner's side of the handshake without Jackson databind: reading the {@code op} and
 * {@code protocol} of an {@code init} line, and writing {@code ready}. A runner answers
 * {@code ready} as soon as it knows the protocol is its own; building the databind mapper and
 * the record decoders costs more than the whole JVM start-up before that, so it happens after
 * {@code ready} (or alongside, on another thread), when the full {@code init} is decoded.
 *
 * <p>Stateless and thread-safe.
 */
public final class Handshake {

    /** Duplicate keys are an error here: such a line is left to the full decoder to judge. */
    static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private Handshake() {
    }

    /**
     * The protocol an {@code init} line asks for, or -1 when the line is not a JSON object whose
     * {@code op} is {@code "init"} with an integer {@code protocol}: such a line is left to the
     * full decoder, which says what is wrong with it. Never throws.
     */
    public static int initProtocol(byte[] buf, int off, int len) {
        boolean isInit = false;
        int protocol = -1;
        try (JsonParser p = FACTORY.createParser(buf, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return -1;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if ("op".equals(field)) {
                    isInit = value == JsonToken.VALUE_STRING && "init".equals(p.getText());
                } else if ("protocol".equals(field) && value == JsonToken.VALUE_NUMBER_INT
                        && p.getNumberType() == JsonParser.NumberType.INT) {
                    protocol = p.getIntValue();
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return isInit && protocol >= 0 ? protocol : -1;
    }

    /** {@code ready} as compact JSON, byte for byte what {@link MessageCodec#encode} writes. */
    public static byte[] ready(Message.Ready ready) {
        return ("{\"op\":\"ready\",\"protocol\":" + ready.protocol() + ",\"pid\":" + ready.pid() + "}")
                .getBytes(StandardCharsets.US_ASCII);
    }
}

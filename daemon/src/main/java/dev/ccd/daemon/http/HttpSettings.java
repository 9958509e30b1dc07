package dev.ccd.daemon.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ccd.protocol.MessageCodec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether and where the daemon serves its dashboard: {@code ccd start --http PORT [--http-bind
 * ADDR] [--metrics-open]}, else {@code http_port} / {@code http_bind} / {@code metrics_open} in
 * {@code config.json}. Port 0 takes a free port (the one taken is in {@code run/http.addr}).
 *
 * @param port        null: no dashboard
 * @param bind        the address to listen on; 127.0.0.1 unless said otherwise
 * @param metricsOpen whether {@code /metrics} answers without the token
 */
public record HttpSettings(Integer port, String bind, boolean metricsOpen) {
    public static final String LOOPBACK = "127.0.0.1";
    public static final HttpSettings OFF = new HttpSettings(null, LOOPBACK, false);

    public HttpSettings {
        if (port != null && (port < 0 || port > 65535)) {
            throw new IllegalArgumentException("port " + port + " is out of range; expected 0-65535");
        }
        bind = bind == null ? LOOPBACK : bind;
    }

    public boolean enabled() {
        return port != null;
    }

    /** Whether {@code bind} is a loopback address; a name that does not resolve counts as not. */
    public boolean loopback() {
        try {
            return InetAddress.getByName(bind).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** These settings where given, else config.json's; a bad value in the file is refused with its key. */
    public HttpSettings orConfig(Path configFile) throws IOException {
        if (enabled() || !Files.exists(configFile)) {
            return this;
        }
        JsonNode config = MessageCodec.mapper().readTree(configFile.toFile());
        if (config == null || !config.hasNonNull("http_port")) {
            return this;
        }
        JsonNode port = config.get("http_port");
        if (!port.canConvertToInt() || !port.isIntegralNumber() || port.asInt() < 0 || port.asInt() > 65535) {
            throw new IOException(configFile + ": 'http_port' is " + port + "; expected a port number 0-65535");
        }
        JsonNode bindNode = config.get("http_bind");
        if (bindNode != null && !bindNode.isNull() && !bindNode.isTextual()) {
            throw new IOException(configFile + ": 'http_bind' is " + bindNode + "; expected an address such as \"127.0.0.1\"");
        }
        String configBind = bindNode == null || bindNode.isNull() ? bind : bindNode.asText();
        return new HttpSettings(port.asInt(), configBind, metricsOpen || config.path("metrics_open").asBoolean(false));
    }

    /** The arguments that carry these settings to the daemon process. */
    public List<String> arguments() {
        List<String> args = new ArrayList<>();
        if (enabled()) {
            args.addAll(List.of("--http", port.toString(), "--http-bind", bind));
        }
        if (metricsOpen) {
            args.add("--metrics-open");
        }
        return args;
    }

    /** Parses what {@link #arguments()} wrote. */
    public static HttpSettings parse(List<String> args) {
        Integer port = null;
        String bind = null;
        boolean open = false;
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "--http" -> port = Integer.parseInt(args.get(++i));
                case "--http-bind" -> bind = args.get(++i);
                case "--metrics-open" -> open = true;
                default -> throw new IllegalArgumentException("unknown argument '" + args.get(i) + "'");
            }
        }
        return new HttpSettings(port, bind, open);
    }
}

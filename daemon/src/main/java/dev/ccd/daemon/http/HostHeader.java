package dev.ccd.daemon.http;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which {@code Host} headers the dashboard answers (the defence against DNS rebinding): a page of
 * another site whose name the attacker points at 127.0.0.1 reaches the dashboard with that name
 * in {@code Host}, and is refused. Accepted are {@code localhost}, the address the dashboard was
 * bound to as configured ({@code --http-bind}, which may be a name), and any IP literal: a
 * browser that sends an IP literal has that address as its origin, so no rebinding is involved.
 * The port is not compared, so that an SSH tunnel from another local port
 * ({@code ssh -L 9000:127.0.0.1:8080}) keeps working.
 *
 * <p>Immutable; safe from any thread.
 */
final class HostHeader {
    private static final String OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
    private static final Pattern IPV4 = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");
    private static final Pattern IPV6 = Pattern.compile("\\[[0-9a-fA-F:.]+(%[0-9A-Za-z]+)?]");
    private static final Pattern PORT = Pattern.compile(":\\d{1,5}");

    private final String bind;

    HostHeader(String bind) {
        this.bind = bind.toLowerCase(Locale.ROOT);
    }

    /** Whether {@code host}, a request's {@code Host} header (null when it had none), is one of ours. */
    boolean allowed(String host) {
        if (host == null) {
            return false;
        }
        String h = host.strip().toLowerCase(Locale.ROOT);
        int end = h.startsWith("[") ? h.indexOf(']') + 1 : h.lastIndexOf(':') < 0 ? h.length() : h.lastIndexOf(':');
        if (end <= 0) {
            return false;
        }
        String name = h.substring(0, end);
        String port = h.substring(end);
        if (!port.isEmpty() && !PORT.matcher(port).matches()) {
            return false;
        }
        return name.equals("localhost") || name.equals(bind) || IPV4.matcher(name).matches()
                || IPV6.matcher(name).matches();
    }
}

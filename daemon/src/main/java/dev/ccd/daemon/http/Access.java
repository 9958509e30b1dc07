package dev.ccd.daemon.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Who may use the dashboard: whoever holds the token of {@code run/http.token} (0600, new at each
 * start). A request carries it as the {@code ccd_token} cookie (set, HttpOnly and SameSite=Strict,
 * by the one URL that has it as {@code ?token=}) or as {@code Authorization: Bearer}. An action
 * (approve, deny, stop, resume) must also carry, in {@code X-CCD-Token}, either the token or the
 * action key the pages hold (an HMAC of the token, so the token itself is in no page): a cross-site
 * form or script can send the cookie but cannot set that header or read the page that has the key.
 *
 * <p>Immutable; safe from any thread.
 */
final class Access {
    static final String COOKIE = "ccd_token";
    static final String ACTION_HEADER = "X-CCD-Token";

    private final String token;
    private final String actionKey;

    private Access(String token) {
        this.token = token;
        this.actionKey = hmac(token, "ccd-dashboard-actions");
    }

    /** A new random token, written to {@code file} readable by its owner only. */
    static Access create(Path file) throws IOException {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, token + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
        return new Access(token);
    }

    String actionKey() {
        return actionKey;
    }

    String cookieHeader() {
        return COOKIE + "=" + token + "; Path=/; HttpOnly; SameSite=Strict";
    }

    /** Whether the query's {@code token} is the token (the URL {@code ccd dashboard} prints). */
    boolean queryHasToken(HttpExchange exchange) {
        String query = exchange.getRequestURI().getRawQuery();
        if (query == null) {
            return false;
        }
        for (String pair : query.split("&")) {
            if (pair.startsWith("token=") && same(pair.substring("token=".length()), token)) {
                return true;
            }
        }
        return false;
    }

    boolean authenticated(HttpExchange exchange) {
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        if (auth != null && auth.startsWith("Bearer ") && same(auth.substring(7).strip(), token)) {
            return true;
        }
        for (String header : exchange.getRequestHeaders().getOrDefault("Cookie", java.util.List.of())) {
            for (String cookie : header.split(";")) {
                String c = cookie.strip();
                if (c.startsWith(COOKIE + "=") && same(c.substring(COOKIE.length() + 1), token)) {
                    return true;
                }
            }
        }
        return false;
    }

    boolean actionAllowed(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst(ACTION_HEADER);
        return header != null && (same(header, token) || same(header, actionKey));
    }

    private static boolean same(String given, String expected) {
        return MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
    }

    private static String hmac(String key, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}

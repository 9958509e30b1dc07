package dev.ccd.process;

import java.util.Locale;

/** Environment variables that must not reach processes that do not need them: keys, tokens, ccd's home. */
public final class Secrets {
    private Secrets() {
    }

    /**
     * Named like a credential ({@code *_API_KEY}, {@code *_TOKEN}, {@code *_SECRET}, {@code *PASSWORD*})
     * or {@code CCD_HOME}, which would lead to the record and the control socket.
     */
    public static boolean named(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        return upper.equals("CCD_HOME") || upper.endsWith("_API_KEY") || upper.endsWith("_TOKEN")
                || upper.endsWith("_SECRET") || upper.contains("PASSWORD");
    }
}

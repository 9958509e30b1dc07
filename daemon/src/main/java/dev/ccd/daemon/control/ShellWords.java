package dev.ccd.daemon.control;

import java.util.ArrayList;
import java.util.List;

/**
 * Words of a line as a shell splits it, for options typed as one string ({@code --slurm-args
 * "--partition=gpu --time=08:00:00"}): white space separates, '...' and "..." quote, nothing else.
 */
public final class ShellWords {
    private ShellWords() {
    }

    /** The words; an IllegalArgumentException naming an unclosed quote. */
    public static List<String> split(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                word = word == null ? new StringBuilder() : word;
            } else if (Character.isWhitespace(c)) {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
            } else {
                word = word == null ? new StringBuilder() : word;
                word.append(c);
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("has an unclosed " + quote + " quote");
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words;
    }
}

package dev.ccd.protocol;

import java.util.Arrays;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The strict lookup the protocol's status enums share: a word on the wire is one of the allowed
 * wire names exactly (case included), else a {@link FieldException} that names the field, the
 * value and what is allowed, which the codec reports as a protocol error with the field's path.
 */
final class WireNames {
    /** Long enough to recognise a value, short enough for one log line. */
    static final int SHOWN_CHARS = 40;

    private WireNames() {
    }

    /** The value whose wire name is {@code name}; null for null or an unknown name. */
    static <E> E find(E[] allowed, Function<E, String> wireName, String name) {
        // a scan: the lists are a few words long
        for (E value : allowed) {
            if (wireName.apply(value).equals(name)) {
                return value;
            }
        }
        return null;
    }

    /** The value whose wire name is {@code name}, or a {@link FieldException} for {@code field}. */
    static <E> E require(E[] allowed, Function<E, String> wireName, String field, String name) {
        if (name == null) {
            throw new FieldException(field, "is required");
        }
        E value = find(allowed, wireName, name);
        if (value == null) {
            throw notAllowed(allowed, wireName, field, name);
        }
        return value;
    }

    static <E> FieldException notAllowed(E[] allowed, Function<E, String> wireName, String field, String name) {
        return new FieldException(field, "must be one of "
                + Arrays.stream(allowed).map(wireName).collect(Collectors.joining(", "))
                + ", got \"" + Excerpt.abbreviate(name, SHOWN_CHARS) + "\"");
    }
}

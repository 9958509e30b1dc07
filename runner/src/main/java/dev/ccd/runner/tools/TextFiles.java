package dev.ccd.runner.tools;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reading files as text. Tools that only show text decode leniently (bad bytes become U+FFFD);
 * a tool that writes text back ({@code edit_file}) decodes strictly, so it never silently
 * replaces bytes it could not read.
 */
final class TextFiles {
    /** Files larger than this are not loaded whole (edit) or searched (grep). */
    static final long MAX_WHOLE_FILE_BYTES = 10L * 1024 * 1024;
    /** A NUL byte in this many leading bytes marks a file as binary, as git and grep decide. */
    static final int BINARY_SNIFF_BYTES = 8 * 1024;

    private TextFiles() {
    }

    /** UTF-8, malformed input replaced. */
    static BufferedReader lenientReader(Path file) throws IOException {
        return new BufferedReader(new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8));
    }

    static boolean looksBinary(Path file) throws IOException {
        byte[] start = new byte[BINARY_SNIFF_BYTES];
        int length;
        try (InputStream in = Files.newInputStream(file)) {
            length = in.readNBytes(start, 0, start.length);
        }
        for (int i = 0; i < length; i++) {
            if (start[i] == 0) {
                return true;
            }
        }
        return false;
    }

    /** The whole file as strict UTF-8, refusing files too large or not text. */
    static String readWhole(Path file, String shown) throws IOException {
        long size = Files.size(file);
        if (size > MAX_WHOLE_FILE_BYTES) {
            throw new ToolException(shown + " is " + size + " bytes; files over "
                    + MAX_WHOLE_FILE_BYTES + " bytes are not loaded whole");
        }
        byte[] bytes = Files.readAllBytes(file);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ToolException(shown + " is not valid UTF-8 text");
        }
    }

    /** Refuses a path that is a directory (or missing) where a regular file is needed. */
    static void requireRegularFile(Path file, String shown) {
        if (Files.isDirectory(file)) {
            throw new ToolException(shown + " is a directory; use list_files to see its entries");
        }
        if (!Files.exists(file)) {
            throw new ToolException("no such file: " + shown);
        }
        if (!Files.isRegularFile(file)) {
            throw new ToolException(shown + " is not a regular file");
        }
    }
}

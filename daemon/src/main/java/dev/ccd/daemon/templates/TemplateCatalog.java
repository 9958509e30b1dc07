package dev.ccd.daemon.templates;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Where templates come from: the built-in ones packaged in the runner jar ({@code templates/*.md}),
 * the user's in {@code $CCD_HOME/templates} (a user template overrides a built-in one of the same
 * name), or an explicit path to a Markdown file. Read on each call: templates are small and a
 * user may edit one while the daemon runs.
 */
public final class TemplateCatalog {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    private final Path runnerJar;
    private final Path userDir;

    public TemplateCatalog(Path runnerJar, Path userDir) {
        this.runnerJar = runnerJar;
        this.userDir = userDir;
    }

    /**
     * A template: name, where it comes from ({@code built-in}, {@code user} or a path), its text;
     * {@code problem} says why a listed file cannot be used (its text is then empty), else null.
     */
    public record Template(String name, String source, String text, String problem) {
        public Template(String name, String source, String text) {
            this(name, source, text, null);
        }

        public FrontMatter frontMatter() {
            return FrontMatter.parse(text);
        }

        /** The header's description, else the first Markdown heading, for listings. */
        public String description() {
            if (problem != null) {
                return "(cannot be used: " + problem + ")";
            }
            String described = frontMatter().values().get("description");
            if (described != null && !described.isBlank()) {
                return described;
            }
            return frontMatter().body().lines()
                    .map(String::strip)
                    .filter(l -> l.startsWith("#"))
                    .findFirst()
                    .map(l -> l.replaceFirst("^#+\\s*", ""))
                    .orElse("");
        }
    }

    /**
     * The catalog of this installation (the runner jar from {@code -Dccd.runner.dir}, as
     * {@code scripts/ccd} sets it) and a home's templates: what the daemon would see, read
     * without it.
     */
    public static TemplateCatalog installed(Path userDir) {
        String dir = System.getProperty("ccd.runner.dir", "");
        return new TemplateCatalog(Path.of(dir).toAbsolutePath().resolve("ccd-runner.jar"), userDir);
    }

    /** All templates by name, user templates overriding built-in ones. */
    public List<Template> list() throws IOException {
        Map<String, Template> byName = new TreeMap<>();
        for (Template t : builtIn()) {
            byName.put(t.name(), t);
        }
        if (Files.isDirectory(userDir)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(userDir, "*.md")) {
                for (Path file : files) {
                    String name = stripMd(file.getFileName().toString());
                    try {
                        byName.put(name, new Template(name, "user", read(file)));
                    } catch (NotText e) {
                        // one bad file must not hide the others
                        byName.put(name, new Template(name, "user", "", e.getMessage()));
                    }
                }
            }
        }
        return new ArrayList<>(byName.values());
    }

    /**
     * Finds a template by name, or reads it from a path when {@code nameOrPath} contains a slash
     * or ends in {@code .md}.
     */
    public Optional<Template> find(String nameOrPath) throws IOException {
        if (nameOrPath.contains("/") || nameOrPath.endsWith(".md")) {
            Path file = Path.of(nameOrPath).toAbsolutePath();
            if (!Files.isRegularFile(file)) {
                return Optional.empty();
            }
            return Optional.of(new Template(stripMd(file.getFileName().toString()), file.toString(), read(file)));
        }
        if (!NAME.matcher(nameOrPath).matches()) {
            return Optional.empty();
        }
        Path user = userDir.resolve(nameOrPath + ".md");
        if (Files.isRegularFile(user)) {
            return Optional.of(new Template(nameOrPath, "user", read(user)));
        }
        return builtIn().stream().filter(t -> t.name().equals(nameOrPath)).findFirst();
    }

    private List<Template> builtIn() throws IOException {
        List<Template> templates = new ArrayList<>();
        if (!Files.isRegularFile(runnerJar)) {
            return templates;
        }
        try (ZipFile zip = new ZipFile(runnerJar.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                String path = entry.getName();
                if (path.startsWith("templates/") && path.endsWith(".md") && path.indexOf('/', 10) < 0) {
                    try (InputStream in = zip.getInputStream(entry)) {
                        templates.add(new Template(stripMd(path.substring(10)), "built-in",
                                new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                    }
                }
            }
        }
        return templates;
    }

    /** A template file that is not UTF-8 text (a binary, say): named, with what it is not. */
    public static final class NotText extends IOException {
        NotText(Path file) {
            super(file + " is not UTF-8 text");
        }
    }

    /** The file as UTF-8 text; anything else is refused by name rather than read as mojibake. */
    private static String read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
            if (text.indexOf('\0') >= 0) {
                throw new NotText(file);
            }
            return text;
        } catch (CharacterCodingException e) {
            throw new NotText(file);
        }
    }

    private static String stripMd(String fileName) {
        return fileName.endsWith(".md") ? fileName.substring(0, fileName.length() - 3) : fileName;
    }
}

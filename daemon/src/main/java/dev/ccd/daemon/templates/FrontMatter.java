package dev.ccd.daemon.templates;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A template's optional header: {@code key: value} lines between two {@code ---} lines at the very
 * top. It carries defaults for runs of the template ({@code interval}, {@code max_iterations},
 * {@code max_tokens}, {@code max_cost_usd}), paths and variables its sandbox adds
 * ({@code sandbox_read_only}, {@code sandbox_read_write}, {@code sandbox_env}), the arguments it
 * requires ({@code required_args}); lists are comma-separated; and a {@code description}. The body (what the model reads) is the rest.
 */
public record FrontMatter(Map<String, String> values, String body) {

    public FrontMatter {
        values = Map.copyOf(values);
    }

    /** Splits a template's text; a text without a header has empty values and is all body. */
    public static FrontMatter parse(String text) {
        List<String> lines = text.lines().toList();
        if (lines.isEmpty() || !lines.get(0).strip().equals("---")) {
            return new FrontMatter(Map.of(), text);
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.strip().equals("---")) {
                String body = String.join("\n", lines.subList(i + 1, lines.size())).stripLeading();
                return new FrontMatter(values, body);
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                values.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        return new FrontMatter(Map.of(), text); // no closing line: not a header after all
    }

    public List<String> requiredArgs() {
        String list = values.getOrDefault("required_args", "");
        return list.isBlank() ? List.of() : List.of(list.split("\\s*,\\s*"));
    }
}

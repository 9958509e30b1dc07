package dev.ccd.daemon.control;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.templates.FrontMatter;
import dev.ccd.protocol.MessageCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a template's front matter asks of a start: run defaults ({@code interval},
 * {@code max_iterations}, {@code max_tokens}, {@code max_cost_usd}), what the sandbox adds
 * ({@code sandbox_read_only}, {@code sandbox_read_write}, {@code sandbox_env}: comma-separated
 * lists, added to config.json's) and required arguments, given
 * in {@code --args} as {@code key=value} pairs (values with spaces quoted: {@code command='make
 * test'}).
 */
final class TemplateArgs {
    private static final Pattern PAIR = Pattern.compile("([A-Za-z_][\\w.-]*)=(?:'([^']*)'|\"([^\"]*)\"|(\\S*))");
    /** Front matter key to agent.start param. */
    private static final Map<String, String> DEFAULTS = Map.of("interval", "interval_s",
            "max_iterations", "max_iterations", "max_tokens", "max_tokens", "max_cost_usd", "max_cost_usd");
    /** Front matter keys of comma-separated lists, under the same names as the agent.start params. */
    private static final List<String> LISTS = List.of("sandbox_read_only", "sandbox_read_write", "sandbox_env");

    private TemplateArgs() {
    }

    /** The {@code key=value} pairs of an args text; other words are ignored. */
    static Map<String, String> parse(String args) {
        Map<String, String> pairs = new LinkedHashMap<>();
        if (args == null) {
            return pairs;
        }
        Matcher m = PAIR.matcher(args);
        while (m.find()) {
            String value = m.group(2) != null ? m.group(2) : m.group(3) != null ? m.group(3) : m.group(4);
            pairs.put(m.group(1), value);
        }
        return pairs;
    }

    /**
     * The args the run gets: those given, plus the template's {@code default_args} for required
     * ones not given, when the workdir holds every file of {@code defaults_in} (a checkout laid out
     * the way the defaults expect, such as karpathy/autoresearch's {@code train.py}, {@code
     * prepare.py}, {@code program.md}). A required arg still missing is refused, saying what is
     * missing and how to give it.
     */
    static String withDefaults(FrontMatter header, String template, String args, Path workdir) throws RpcException {
        List<String> required = header.requiredArgs();
        if (required.isEmpty()) {
            return args;
        }
        Map<String, String> given = parse(args);
        List<String> missing = required.stream().filter(k -> given.get(k) == null || given.get(k).isEmpty()).toList();
        if (missing.isEmpty()) {
            return args;
        }
        Map<String, String> defaults = parse(header.values().get("default_args"));
        List<String> marks = list(header.values().get("defaults_in"));
        List<String> absent = marks.stream().filter(f -> !Files.exists(workdir.resolve(f))).toList();
        if (!defaults.isEmpty() && absent.isEmpty() && defaults.keySet().containsAll(missing)) {
            StringBuilder all = new StringBuilder(args == null ? "" : args.strip());
            for (String key : missing) {
                String value = defaults.get(key);
                all.append(all.length() == 0 ? "" : " ").append(key).append('=')
                        .append(value.matches("\\S+") ? value : "'" + value + "'");
            }
            return all.toString();
        }
        String how = "template " + template + " needs " + String.join(", ", required) + " as key=value pairs, e.g. --args \""
                + String.join(" ", missing.stream().map(k -> k + "=" + (defaults.containsKey(k) ? quoted(defaults.get(k)) : "..."))
                        .toList()) + "\" (see 'ccd templates show " + template + "')";
        if (!defaults.isEmpty() && !absent.isEmpty()) {
            how += "; in a checkout with " + String.join(", ", marks) + " they default to those values, and " + workdir
                    + " has no " + String.join(", ", absent) + " (run it there, or give --workdir DIR)";
        }
        throw RpcException.invalidParam("args", "lacks " + String.join(", ", missing) + ": " + how);
    }

    private static String quoted(String value) {
        return value.matches("\\S+") ? value : "'" + value + "'";
    }

    private static List<String> list(String value) {
        return value == null || value.isBlank() ? List.of() : List.of(value.strip().split("\\s*,\\s*"));
    }

    /** The run defaults of the front matter as agent.start params. */
    static ObjectNode defaults(FrontMatter header, String template) throws RpcException {
        ObjectNode node = MessageCodec.mapper().createObjectNode();
        for (Map.Entry<String, String> e : DEFAULTS.entrySet()) {
            String value = header.values().get(e.getKey());
            if (value == null || value.isBlank()) {
                continue;
            }
            try {
                if (value.equals("unlimited")) {
                    node.put(e.getValue(), value);
                } else if (value.matches("\\d+")) {
                    node.put(e.getValue(), Long.parseLong(value));
                } else {
                    node.put(e.getValue(), Double.parseDouble(value));
                }
            } catch (NumberFormatException ex) {
                throw new RpcException(RpcException.INVALID_PARAMS, "template " + template + ": front matter '"
                        + e.getKey() + "' is '" + value + "'; expected a number", "template");
            }
        }
        for (String key : LISTS) {
            String value = header.values().get(key);
            if (value != null && !value.isBlank()) {
                var list = node.putArray(key);
                for (String item : value.strip().split("\\s*,\\s*")) {
                    if (!item.isEmpty()) {
                        list.add(item);
                    }
                }
            }
        }
        return node;
    }
}

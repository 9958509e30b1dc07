package dev.ccd.daemon.http;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4: every sample belongs to a
 * family announced by {@code # HELP} and {@code # TYPE} before it (once each), names and labels
 * are valid, label values are escaped, values are floats, a counter is named {@code _total}, a
 * summary has only {@code _sum}, {@code _count} and quantile samples, and no series repeats.
 * Anything else is an {@link IllegalArgumentException} naming the line.
 */
final class PrometheusText {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "summary", "histogram", "untyped");

    record Sample(String name, Map<String, String> labels, double value) {
    }

    record Family(String name, String type, String help, List<Sample> samples) {
    }

    static Map<String, Family> parse(String text) {
        if (!text.endsWith("\n")) {
            throw new IllegalArgumentException("the exposition must end with a line feed");
        }
        Map<String, Family> families = new LinkedHashMap<>();
        Map<String, String> help = new HashMap<>();
        Set<String> series = new java.util.HashSet<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            String where = "line " + (i + 1) + " '" + line + "': ";
            if (line.startsWith("# HELP ")) {
                String[] parts = line.substring(7).split(" ", 2);
                name(parts[0], where);
                if (help.put(parts[0], parts.length > 1 ? parts[1] : "") != null) {
                    throw new IllegalArgumentException(where + "second HELP for " + parts[0]);
                }
            } else if (line.startsWith("# TYPE ")) {
                String[] parts = line.substring(7).split(" ");
                if (parts.length != 2 || !TYPES.contains(parts[1])) {
                    throw new IllegalArgumentException(where + "bad TYPE line");
                }
                if (!help.containsKey(parts[0])) {
                    throw new IllegalArgumentException(where + "TYPE before HELP for " + parts[0]);
                }
                if (families.containsKey(parts[0])) {
                    throw new IllegalArgumentException(where + "second TYPE for " + parts[0]);
                }
                if (parts[1].equals("counter") && !parts[0].endsWith("_total")) {
                    throw new IllegalArgumentException(where + "a counter's name must end in _total");
                }
                families.put(parts[0], new Family(parts[0], parts[1], help.get(parts[0]), new ArrayList<>()));
            } else if (line.startsWith("#") || line.isEmpty()) {
                throw new IllegalArgumentException(where + "unexpected comment or empty line");
            } else {
                Sample s = sample(line, where);
                Family f = familyOf(s.name(), families, where);
                if (!series.add(s.name() + s.labels())) {
                    throw new IllegalArgumentException(where + "repeated series");
                }
                f.samples().add(s);
            }
        }
        return families;
    }

    private static Family familyOf(String sample, Map<String, Family> families, String where) {
        Family f = families.get(sample);
        if (f != null && !f.type().equals("summary") && !f.type().equals("histogram")) {
            return f;
        }
        for (String suffix : List.of("_sum", "_count", "_bucket")) {
            if (sample.endsWith(suffix)) {
                Family base = families.get(sample.substring(0, sample.length() - suffix.length()));
                if (base != null && (base.type().equals("summary") || base.type().equals("histogram"))) {
                    return base;
                }
            }
        }
        if (f != null) {
            return f;
        }
        throw new IllegalArgumentException(where + "sample of no announced family");
    }

    private static Sample sample(String line, String where) {
        Matcher m = Pattern.compile("([^{ ]+)(\\{(.*)})? (\\S+)( -?\\d+)?").matcher(line);
        if (!m.matches()) {
            throw new IllegalArgumentException(where + "not a sample line");
        }
        String name = name(m.group(1), where);
        Map<String, String> labels = new LinkedHashMap<>();
        if (m.group(3) != null) {
            String body = m.group(3);
            int i = 0;
            while (i < body.length()) {
                int eq = body.indexOf('=', i);
                if (eq < 0 || eq + 1 >= body.length() || body.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException(where + "bad label at " + i);
                }
                String label = body.substring(i, eq);
                if (!LABEL_NAME.matcher(label).matches() || label.startsWith("__")) {
                    throw new IllegalArgumentException(where + "bad label name '" + label + "'");
                }
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                for (; j < body.length() && body.charAt(j) != '"'; j++) {
                    char c = body.charAt(j);
                    if (c == '\\') {
                        char next = body.charAt(++j);
                        value.append(switch (next) {
                            case 'n' -> '\n';
                            case '\\' -> '\\';
                            case '"' -> '"';
                            default -> throw new IllegalArgumentException(where + "bad escape \\" + next);
                        });
                    } else {
                        value.append(c);
                    }
                }
                if (j >= body.length()) {
                    throw new IllegalArgumentException(where + "unterminated label value");
                }
                if (labels.put(label, value.toString()) != null) {
                    throw new IllegalArgumentException(where + "repeated label " + label);
                }
                i = j + 1;
                if (i < body.length()) {
                    if (body.charAt(i) != ',') {
                        throw new IllegalArgumentException(where + "expected ',' at " + i);
                    }
                    i++;
                }
            }
        }
        String v = m.group(4);
        double value = switch (v) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> {
                if (!v.matches("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?")) {
                    throw new IllegalArgumentException(where + "bad value '" + v + "'");
                }
                yield Double.parseDouble(v);
            }
        };
        return new Sample(name, labels, value);
    }

    private static String name(String name, String where) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(where + "bad metric name '" + name + "'");
        }
        return name;
    }
}

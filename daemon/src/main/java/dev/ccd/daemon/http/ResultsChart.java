package dev.ccd.daemon.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The curve of an autoresearch run: one point per row of its workdir's {@code results.tsv}
 * (columns {@code commit metric status description}, see templates/autoresearch.md), coloured by
 * status ({@code keep}, {@code discard}, {@code crash}), with the best kept result so far as a
 * line; which way is better comes from the run's {@code direction=lower|higher} argument (lower
 * when it has none). The same SVG is served to the run page and written by {@code ccd agent chart}.
 *
 * @param rows the experiments in file order; a row whose metric is not a number is left out
 */
public record ResultsChart(String metric, boolean lowerIsBetter, List<Row> rows) {
    public static final String FILE = "results.tsv";
    static final long MAX_BYTES = 16L * 1024 * 1024;
    private static final Pattern ARG = Pattern.compile("(?:^|\\s)(metric|direction)=(?:'([^']*)'|\"([^\"]*)\"|(\\S*))");
    private static final int WIDTH = 760;
    private static final int HEIGHT = 340;
    private static final int LEFT = 64;
    private static final int RIGHT = 20;
    private static final int TOP = 48;
    private static final int BOTTOM = 40;

    /** One experiment. */
    public record Row(int number, String commit, double metric, String status, String description) {
    }

    public ResultsChart {
        rows = List.copyOf(rows);
    }

    /**
     * The chart of {@code workdir/results.tsv}; empty when the file does not exist.
     *
     * @throws IOException when it cannot be read, is a link, or is over 16 MiB
     */
    public static Optional<ResultsChart> read(String workdir, String args) throws IOException {
        if (workdir == null) {
            return Optional.empty();
        }
        Path file = Path.of(workdir).resolve(FILE);
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        // The agent writes this file: it must not point the daemon at another one, nor fill its heap.
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
                || ((Number) Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS)).intValue() != 1) {
            throw new IOException(file + " is not a plain file (a link or a directory): not charted");
        }
        if (Files.size(file) > MAX_BYTES) {
            throw new IOException(file + " is over " + MAX_BYTES / (1024 * 1024) + " MiB: not charted");
        }
        String metric = "metric";
        boolean lower = true;
        Matcher m = ARG.matcher(args == null ? "" : args);
        while (m.find()) {
            String value = m.group(2) != null ? m.group(2) : m.group(3) != null ? m.group(3) : m.group(4);
            if (m.group(1).equals("metric")) {
                metric = value;
            } else {
                lower = !value.equalsIgnoreCase("higher");
            }
        }
        return Optional.of(new ResultsChart(metric, lower, parse(Files.readAllLines(file, StandardCharsets.UTF_8))));
    }

    static List<Row> parse(List<String> lines) {
        List<Row> rows = new ArrayList<>();
        int metricColumn = 1;
        int statusColumn = 2;
        int commitColumn = 0;
        int descriptionColumn = 3;
        for (int i = 0; i < lines.size(); i++) {
            String[] cells = lines.get(i).split("\t", -1);
            if (i == 0 && List.of(cells).contains("metric")) {
                List<String> header = List.of(cells);
                metricColumn = header.indexOf("metric");
                statusColumn = header.indexOf("status");
                commitColumn = header.indexOf("commit");
                descriptionColumn = header.indexOf("description");
                continue;
            }
            if (cells.length <= metricColumn || lines.get(i).isBlank()) {
                continue;
            }
            double value;
            try {
                value = Double.parseDouble(cells[metricColumn].strip());
            } catch (NumberFormatException e) {
                continue;
            }
            if (!Double.isFinite(value)) {
                continue;
            }
            rows.add(new Row(rows.size() + 1, cell(cells, commitColumn), value,
                    cell(cells, statusColumn).toLowerCase(Locale.ROOT), cell(cells, descriptionColumn)));
        }
        return rows;
    }

    private static String cell(String[] cells, int column) {
        return column >= 0 && column < cells.length ? cells[column].strip() : "";
    }

    /** The best kept metric after each experiment; null before the first kept one. */
    List<Double> bestSoFar() {
        List<Double> best = new ArrayList<>();
        Double current = null;
        for (Row r : rows) {
            if (r.status().equals("keep")
                    && (current == null || (lowerIsBetter ? r.metric() < current : r.metric() > current))) {
                current = r.metric();
            }
            best.add(current);
        }
        return best;
    }

    /** A standalone SVG document (also inlined by the run page). */
    public String svg() {
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"results-chart\" viewBox=\"0 0 ")
                .append(WIDTH).append(' ').append(HEIGHT).append("\" width=\"").append(WIDTH).append("\" height=\"")
                .append(HEIGHT).append("\" font-family=\"sans-serif\" font-size=\"12\">\n")
                .append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        Double best = bestSoFar().isEmpty() ? null : bestSoFar().get(rows.size() - 1);
        s.append(text(LEFT, 20, "start", 14, esc(metric) + " per experiment (" + (lowerIsBetter ? "lower" : "higher")
                + " is better) — " + rows.size() + " experiments" + (best == null ? "" : ", best " + number(best))));
        double[] range = range();
        double plotW = WIDTH - LEFT - RIGHT;
        double plotH = HEIGHT - TOP - BOTTOM;
        int n = Math.max(rows.size(), 1);
        s.append("<rect x=\"").append(LEFT).append("\" y=\"").append(TOP).append("\" width=\"").append((int) plotW)
                .append("\" height=\"").append((int) plotH).append("\" fill=\"none\" stroke=\"#999\"/>\n");
        for (int t = 0; t <= 4; t++) {
            double v = range[0] + (range[1] - range[0]) * t / 4;
            double y = y(v, range, plotH);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>%n",
                    LEFT, WIDTH - RIGHT, y, y));
            s.append(text(LEFT - 6, y + 4, "end", 11, number(v)));
        }
        s.append(text(LEFT + plotW / 2, HEIGHT - 8, "middle", 12, "experiment"));
        for (Row r : rows) {
            double x = x(r.number(), n, plotW);
            s.append(text(x, TOP + plotH + 16, "middle", 10, rows.size() <= 30 || r.number() % 5 == 0
                    ? Integer.toString(r.number()) : ""));
        }
        List<Double> bestLine = bestSoFar();
        StringBuilder points = new StringBuilder();
        for (int i = 0; i < rows.size(); i++) {
            if (bestLine.get(i) != null) {
                double x = x(i + 1, n, plotW);
                double y = y(bestLine.get(i), range, plotH);
                if (points.length() > 0 && i > 0 && bestLine.get(i - 1) != null) {
                    points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y(bestLine.get(i - 1), range, plotH)));
                }
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
        }
        if (points.length() > 0) {
            s.append("<polyline class=\"best\" fill=\"none\" stroke=\"#2a7d2a\" stroke-width=\"2\" points=\"")
                    .append(points.toString().strip()).append("\"/>\n");
        }
        for (Row r : rows) {
            double x = x(r.number(), n, plotW);
            String title = "<title>#" + r.number() + " " + esc(r.status()) + " " + number(r.metric())
                    + (r.commit().isEmpty() ? "" : " " + esc(r.commit())) + ": " + esc(r.description()) + "</title>";
            if (r.status().equals("crash")) {
                double y = TOP + plotH - 6;
                s.append(String.format(Locale.ROOT, "<path class=\"point crash\" data-n=\"%d\" d=\"M%.1f %.1f l8 8 m0 -8 l-8 8\""
                        + " transform=\"translate(-4 -4)\" stroke=\"#c62828\" stroke-width=\"2.5\">%s</path>%n",
                        r.number(), x, y, title));
            } else {
                String colour = r.status().equals("keep") ? "#2e7d32" : "#9e9e9e";
                String cls = r.status().equals("keep") ? "keep" : "discard";
                s.append(String.format(Locale.ROOT, "<circle class=\"point %s\" data-n=\"%d\" cx=\"%.1f\" cy=\"%.1f\" r=\"5\""
                        + " fill=\"%s\" stroke=\"#333\" stroke-width=\"0.5\">%s</circle>%n",
                        cls, r.number(), x, y(r.metric(), range, plotH), colour, title));
            }
        }
        int legendX = LEFT;
        s.append(legend(legendX, "#2e7d32", "keep")).append(legend(legendX + 70, "#9e9e9e", "discard"))
                .append(legend(legendX + 150, "#c62828", "crash"));
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"36\" y2=\"36\" stroke=\"#2a7d2a\" stroke-width=\"2\"/>%n",
                legendX + 210, legendX + 230));
        s.append(text(legendX + 234, 40, "start", 11, "best so far"));
        return s.append("</svg>\n").toString();
    }

    /** Min and max of the plotted (not crashed) metrics, padded; crashes sit on the bottom edge. */
    private double[] range() {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (Row r : rows) {
            if (!r.status().equals("crash")) {
                min = Math.min(min, r.metric());
                max = Math.max(max, r.metric());
            }
        }
        if (min == Double.POSITIVE_INFINITY) {
            return new double[] {0, 1};
        }
        double pad = max > min ? (max - min) * 0.1 : Math.max(Math.abs(max) * 0.1, 0.5);
        return new double[] {min - pad, max + pad};
    }

    private static double x(int number, int n, double plotW) {
        return LEFT + plotW * number / (n + 1);
    }

    private static double y(double v, double[] range, double plotH) {
        return TOP + plotH - plotH * (v - range[0]) / (range[1] - range[0]);
    }

    private static String legend(int x, String colour, String label) {
        return String.format(Locale.ROOT, "<circle cx=\"%d\" cy=\"36\" r=\"5\" fill=\"%s\"/>%n", x, colour)
                + text(x + 9, 40, "start", 11, label);
    }

    private static String text(double x, double y, String anchor, int size, String content) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\">%s</text>%n",
                x, y, anchor, size, content);
    }

    private static String number(double v) {
        return new java.math.BigDecimal(String.format(Locale.ROOT, "%.4g", v)).stripTrailingZeros().toPlainString();
    }

    static String esc(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}

package dev.ccd.runner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Looks into another JVM from outside, as an operator would: {@code jcmd} and {@code /proc}. */
public final class JvmProbe {
    /** Serial GC's generations in {@code GC.heap_info}. */
    private static final Pattern USED = Pattern.compile("(?:def new generation|tenured generation)\\s+total \\d+K, used (\\d+)K");

    private JvmProbe() {
    }

    /** The live heap: a full collection first ({@code GC.run}), then young + tenured used, in KiB. */
    public static long liveHeapKib(long pid) throws IOException, InterruptedException {
        jcmd(pid, "GC.run");
        String info = jcmd(pid, "GC.heap_info");
        Matcher m = USED.matcher(info);
        long used = 0;
        int generations = 0;
        while (m.find()) {
            used += Long.parseLong(m.group(1));
            generations++;
        }
        if (generations != 2) {
            throw new IllegalStateException("no serial-GC heap in jcmd GC.heap_info of " + pid + ":\n" + info);
        }
        return used;
    }

    public static long rssKib(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(pid), command).redirectErrorStream(true).start();
        try {
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }
}

package dev.ccd.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts every command inside a bubblewrap ({@code bwrap}) sandbox, for the processes an agent's
 * tools start. The agent is untrusted, so the sandbox is what makes ccd's guarantees hold
 * whatever it runs:
 * <ul>
 *   <li><b>its own PID namespace</b> ({@code --unshare-pid}, {@code --new-session}): {@code /proc}
 *       shows only the sandbox's processes, so the runner's pipes and environment, other runners
 *       and the daemon are out of reach; when the sandbox's first process ends, the kernel ends
 *       every process in it, however it detached ({@code setsid}, {@code nohup}, double forks);
 *       {@code --die-with-parent} ends it when the runner dies, even by SIGKILL;</li>
 *   <li><b>its own mount view</b>: the system directories read-only, the workdir read-write, a
 *       private {@code /tmp}, an empty private {@code $HOME}; the paths of {@link Policy#hidden}
 *       (the daemon's home: its database, socket and other runs) empty whatever else is mounted;
 *       extra paths only as the policy lists them;</li>
 *   <li><b>a clean environment</b>: {@code PATH}, {@code HOME}, {@code LANG}, {@code TERM},
 *       {@code TMPDIR} and the variables the policy names, never one that looks like a secret
 *       ({@code *_API_KEY}, {@code *_TOKEN}, {@code *_SECRET}) nor {@code CCD_HOME}; bwrap itself is
 *       started with that environment, so not even the sandbox's first process holds more;</li>
 *   <li><b>network</b> as the policy says: off is {@code --unshare-net}, no interface but loopback.</li>
 * </ul>
 *
 * <p>Processes are started from the calling thread, and {@code --die-with-parent} follows that
 * thread: start them from a thread that lives as long as they may (the runner's agent loop).
 * The returned process is bwrap; ending it ends the whole sandbox.
 */
public final class BubblewrapLauncher implements Launcher {
    /** System directories mounted read-only, when they exist. */
    private static final List<String> SYSTEM_DIRS = List.of("/usr", "/etc", "/opt", "/srv", "/sys");
    /** Top-level directories that merged-/usr systems make symlinks into /usr. */
    private static final List<String> LINKED_DIRS = List.of("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32");
    private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /**
     * What one run's sandbox lets in.
     *
     * @param workdir   mounted read-write, and where commands start unless they say otherwise
     * @param readOnly  host paths visible read-only (missing ones are skipped)
     * @param readWrite host paths visible read-write (missing ones are skipped)
     * @param hidden    host paths that are empty inside whatever the lists above mount
     * @param network   false: no network
     * @param variables names of variables passed in from {@code environment}, besides the fixed ones
     */
    public record Policy(Path workdir, List<Path> readOnly, List<Path> readWrite, List<Path> hidden, boolean network,
            List<String> variables) {
        public Policy {
            if (workdir == null || !workdir.isAbsolute()) {
                throw new IllegalArgumentException("the sandbox's workdir must be an absolute path, got " + workdir);
            }
            readOnly = List.copyOf(readOnly);
            readWrite = List.copyOf(readWrite);
            hidden = List.copyOf(hidden);
            variables = List.copyOf(variables);
        }
    }

    private final Path bwrap;
    private final Policy policy;
    private final Map<String, String> environment;
    /** The bwrap arguments up to the command, made once: every call of a run has the same view. */
    private final List<String> prefix;

    /**
     * @param bwrap       the bwrap executable
     * @param environment where the passed variables' values come from (the runner's own)
     */
    public BubblewrapLauncher(Path bwrap, Policy policy, Map<String, String> environment) {
        this.bwrap = bwrap;
        this.policy = policy;
        this.environment = cleanEnvironment(policy, environment);
        this.prefix = List.copyOf(arguments(policy, this.environment.get("HOME")));
    }

    /** The first {@code bwrap} on {@code PATH}, else null. */
    public static Path find(Map<String, String> environment) {
        String path = environment.getOrDefault("PATH", DEFAULT_PATH);
        for (String dir : path.split(":")) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, "bwrap");
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        return null;
    }

    @Override
    public ManagedProcess start(Command command) throws IOException {
        List<String> argv = new ArrayList<>(prefix.size() + command.argv().size() + 3);
        argv.add(bwrap.toString());
        argv.addAll(prefix);
        argv.add("--chdir");
        argv.add(command.workdir().toString());
        argv.add("--");
        argv.addAll(command.argv());
        Map<String, String> env = new LinkedHashMap<>(environment);
        command.environment().forEach((name, value) -> {
            if (!Secrets.named(name)) {
                env.put(name, value);
            }
        });
        // bwrap's own session: the sandbox is one tree under it, and its PID namespace does the rest
        return LocalLauncher.instance().start(new Command(argv, command.workdir(), env, false, command.stdin(),
                command.stdout(), command.stderr(), command.mergeStderr(), command.newSession()));
    }

    private static List<String> arguments(Policy policy, String home) {
        List<String> args = new ArrayList<>();
        args.add("--unshare-pid");
        args.add("--unshare-ipc");
        args.add("--unshare-uts");
        if (!policy.network()) {
            args.add("--unshare-net");
        }
        args.add("--die-with-parent");
        args.add("--new-session");
        args.add("--proc");
        args.add("/proc");
        args.add("--dev");
        args.add("/dev");
        for (String dir : SYSTEM_DIRS) {
            if (Files.isDirectory(Path.of(dir))) {
                bind(args, "--ro-bind", Path.of(dir));
            }
        }
        for (String dir : LINKED_DIRS) {
            Path path = Path.of(dir);
            if (Files.isSymbolicLink(path)) {
                try {
                    args.add("--symlink");
                    args.add(Files.readSymbolicLink(path).toString());
                    args.add(dir);
                } catch (IOException e) {
                    args.subList(args.size() - 1, args.size()).clear();
                }
            } else if (Files.isDirectory(path)) {
                bind(args, "--ro-bind", path);
            }
        }
        args.add("--tmpfs");
        args.add("/tmp");
        args.add("--dir");
        args.add("/var");
        args.add("--tmpfs");
        args.add("/var/tmp");
        if (home != null && home.startsWith("/") && !home.equals("/")) {
            args.add("--tmpfs");
            args.add(home);
        }
        policy.readOnly().forEach(path -> bind(args, "--ro-bind-try", path));
        policy.readWrite().forEach(path -> bind(args, "--bind-try", path));
        for (Path hidden : policy.hidden()) {
            args.add("--tmpfs");
            args.add(hidden.toString());
        }
        // last: a workdir inside a hidden path (a run's default workspace is) is still there
        bind(args, "--bind", policy.workdir());
        // and a hidden path inside the workdir stays hidden
        for (Path hidden : policy.hidden()) {
            if (hidden.startsWith(policy.workdir()) && !hidden.equals(policy.workdir())) {
                args.add("--tmpfs");
                args.add(hidden.toString());
            }
        }
        return args;
    }

    private static void bind(List<String> args, String how, Path path) {
        args.add(how);
        args.add(path.toString());
        args.add(path.toString());
    }

    private static Map<String, String> cleanEnvironment(Policy policy, Map<String, String> from) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", from.getOrDefault("PATH", DEFAULT_PATH));
        env.put("HOME", from.getOrDefault("HOME", "/root"));
        env.put("LANG", from.getOrDefault("LANG", "C.UTF-8"));
        env.put("TERM", from.getOrDefault("TERM", "dumb"));
        env.put("TMPDIR", "/tmp");
        for (String name : policy.variables()) {
            if (from.containsKey(name) && !Secrets.named(name)) {
                env.put(name, from.get(name));
            }
        }
        return env;
    }
}

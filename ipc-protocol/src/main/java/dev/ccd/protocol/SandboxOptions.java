package dev.ccd.protocol;

import java.util.List;

/**
 * The sandbox around the processes a run's tools start (bubblewrap). Every field is optional;
 * null takes the default. What the lists add never lifts the fixed protections: the daemon's home
 * ({@code hidden}) stays absent and the environment stays clean whatever is listed.
 *
 * @param enabled   tool processes run sandboxed (default true); false runs them as the runner does
 * @param network   the sandbox has the network (default true); false: no network at all
 * @param readOnly  host paths visible read-only inside (a model or package cache)
 * @param readWrite host paths visible read-write inside
 * @param env       names of environment variables passed in, besides PATH, HOME, LANG, TERM, TMPDIR
 * @param hidden    host paths that are absent inside whatever the lists say (the daemon's home);
 *                  set by the daemon
 */
public record SandboxOptions(Boolean enabled, Boolean network, List<String> readOnly, List<String> readWrite,
        List<String> env, List<String> hidden) {

    public static final SandboxOptions DEFAULT = new SandboxOptions(null, null, null, null, null, null);

    public SandboxOptions {
        readOnly = absolutePaths(readOnly, "read_only");
        readWrite = absolutePaths(readWrite, "read_write");
        hidden = absolutePaths(hidden, "hidden");
        env = env == null ? List.of() : List.copyOf(env);
        for (int i = 0; i < env.size(); i++) {
            if (!env.get(i).matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new FieldException("env[" + i + "]", "must be an environment variable name, got '"
                        + env.get(i) + "'");
            }
        }
    }

    public boolean sandboxed() {
        return enabled == null || enabled;
    }

    public boolean networked() {
        return network == null || network;
    }

    private static List<String> absolutePaths(List<String> paths, String field) {
        if (paths == null) {
            return List.of();
        }
        for (int i = 0; i < paths.size(); i++) {
            String path = paths.get(i);
            if (path == null || !path.startsWith("/")) {
                throw new FieldException(field + "[" + i + "]", "must be an absolute path, got '" + path + "'");
            }
        }
        return List.copyOf(paths);
    }
}

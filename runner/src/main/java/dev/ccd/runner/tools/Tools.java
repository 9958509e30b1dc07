package dev.ccd.runner.tools;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The tools a run offers the model, by name, in the order they are offered. Immutable and
 * thread-safe once built.
 *
 * <p>{@link #call} is the one entry point the agent loop needs: it never throws for an unknown
 * name or a tool's bug, since both are results the model can read and recover from.
 */
public final class Tools {
    private final Map<String, Tool> byName;

    /** @throws IllegalArgumentException two tools share a name */
    public Tools(Collection<? extends Tool> tools) {
        Map<String, Tool> map = new LinkedHashMap<>();
        for (Tool tool : tools) {
            if (map.putIfAbsent(tool.name(), tool) != null) {
                throw new IllegalArgumentException("two tools are named '" + tool.name() + "'");
            }
        }
        byName = map;
    }

    /** {@code bash}, {@code read_file}, {@code write_file}, {@code edit_file}, {@code list_files}, {@code grep}. */
    public static List<Tool> builtIn() {
        return List.of(new BashTool(), new ReadFileTool(), new WriteFileTool(), new EditFileTool(),
                new ListFilesTool(), new GrepTool());
    }

    /** The built-in tools followed by {@code more} (the background tools, say). */
    public static Tools withBuiltIns(Collection<? extends Tool> more) {
        List<Tool> all = new ArrayList<>(builtIn());
        all.addAll(more);
        return new Tools(all);
    }

    /** In the order given; what the provider lists to the model. */
    public List<Tool> all() {
        return List.copyOf(byName.values());
    }

    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    public Optional<Tool> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /**
     * Runs the named tool. An unknown name, or a tool that breaks its contract by throwing, is an
     * error result.
     *
     * @throws InterruptedException the run is stopping; the tool has ended what it started
     */
    public ToolResult call(String name, JsonNode input, ToolContext context) throws InterruptedException {
        Tool tool = byName.get(name);
        if (tool == null) {
            return unknown(name);
        }
        try {
            return tool.run(input, context);
        } catch (RuntimeException e) {
            return ToolResult.error(name + ": internal error: " + e);
        }
    }

    /** The result for a call of a tool this run does not have. */
    public ToolResult unknown(String name) {
        return ToolResult.error("unknown tool '" + name + "'; available: " + String.join(", ", byName.keySet()));
    }
}

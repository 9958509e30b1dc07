package dev.ccd.runner.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Something the model can call. Implementations are stateless or thread-safe; one instance
 * serves the whole run.
 *
 * <p>{@link #run} blocks the agent loop until the call is done. It never throws for bad input
 * or a failed operation: those are {@link ToolResult#error} results the model reads and can act
 * on. It throws {@link InterruptedException} only when the run is stopping, after it has ended
 * whatever it started (a child process tree is killed before the exception leaves).
 */
public interface Tool {

    /** The name the model calls, e.g. {@code bash}. */
    String name();

    /** One or two sentences for the model: what the tool does and its limits. */
    String description();

    /** JSON Schema (an {@code object} schema) of the input. */
    ObjectNode inputSchema();

    /** True when a call can change something (files, processes): such calls may need approval. */
    boolean mutating();

    ToolResult run(JsonNode input, ToolContext context) throws InterruptedException;
}

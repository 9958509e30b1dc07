package dev.ccd.runner.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A tool as declared to the model: name, description and JSON Schema of its input. */
public record ToolSpec(String name, String description, ObjectNode inputSchema) {
}

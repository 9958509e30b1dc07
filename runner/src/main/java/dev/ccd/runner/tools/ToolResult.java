package dev.ccd.runner.tools;

/** What a tool call gave the model: its text, and whether it is an error. */
public record ToolResult(String content, boolean isError) {
    public ToolResult {
        if (content == null) {
            throw new IllegalArgumentException("content is required");
        }
    }

    public static ToolResult ok(String content) {
        return new ToolResult(content, false);
    }

    public static ToolResult error(String content) {
        return new ToolResult(content, true);
    }
}

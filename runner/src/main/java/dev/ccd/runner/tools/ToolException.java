package dev.ccd.runner.tools;

/**
 * A call the tool cannot carry out as asked: bad input, a path outside the workdir, text not
 * found. {@link BaseTool} turns it into an error result prefixed with the tool's name, so the
 * message is written for the model: what was wrong and what is allowed.
 */
final class ToolException extends RuntimeException {
    ToolException(String message) {
        super(message);
    }
}

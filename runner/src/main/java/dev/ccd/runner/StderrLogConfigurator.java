package dev.ccd.runner;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.time.Instant;

/**
 * The runner's logging, set up in code (found by logback through {@code META-INF/services}):
 * INFO and above to stderr, never stdout, which carries the protocol. Configuring by XML costs a
 * runner ~150 ms of start-up (an XML parser and logback's model classes); this costs a few.
 */
public final class StderrLogConfigurator extends ContextAwareBase implements Configurator {

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        Layout layout = new Layout();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("stderr");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(stderr);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** {@code 2026-11-21T10:15:30.123Z INFO  AgentLoop - message}, and the stack trace if any. */
    static final class Layout extends LayoutBase<ILoggingEvent> {
        @Override
        public String doLayout(ILoggingEvent event) {
            String logger = event.getLoggerName();
            StringBuilder line = new StringBuilder(128)
                    .append(Instant.ofEpochMilli(event.getTimeStamp())).append(' ')
                    .append(String.format("%-5s", event.getLevel())).append(' ')
                    .append(logger.substring(logger.lastIndexOf('.') + 1)).append(" - ")
                    .append(event.getFormattedMessage()).append('\n');
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) {
                line.append(ThrowableProxyUtil.asString(thrown)).append('\n');
            }
            return line.toString();
        }
    }
}

package dev.ccd.daemon.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.protocol.MessageCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.TreeSet;

/**
 * {@code $CCD_HOME/config.json}: defaults for {@code agent.start}, using the same names as its
 * params (e.g. {@code {"provider": "anthropic", "max_cost_usd": 5}}). Read at each start, so an
 * edit applies to the next run without restarting the daemon. A file that is not a JSON object,
 * or names a key ccd does not know, is refused with the key named: a typo must not silently drop
 * a budget.
 */
final class DaemonConfig {
    /** Keys the daemon reads at its start (the dashboard's, see {@code http.HttpSettings}); agent.start ignores them. */
    static final java.util.Set<String> DAEMON_KEYS = java.util.Set.of("http_port", "http_bind", "metrics_open");

    private DaemonConfig() {
    }

    static ObjectNode load(Path file) throws RpcException {
        if (!Files.exists(file)) {
            return MessageCodec.mapper().createObjectNode();
        }
        JsonNode node;
        try {
            node = MessageCodec.mapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new RpcException(RpcException.FAILED, file + " is not valid JSON: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
        if (node == null || !node.isObject()) {
            throw new RpcException(RpcException.FAILED, file + " must hold a JSON object of defaults");
        }
        for (Iterator<String> keys = node.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!AgentStartRequest.CONFIGURABLE.contains(key) && !DAEMON_KEYS.contains(key)) {
                throw new RpcException(RpcException.FAILED, file + ": unknown key '" + key + "'; known keys: "
                        + String.join(", ", new TreeSet<>(AgentStartRequest.CONFIGURABLE)));
            }
        }
        return (ObjectNode) node;
    }
}

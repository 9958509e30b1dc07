package dev.ccd.daemon.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.protocol.MessageCodec;
import dev.ccd.protocol.RunConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code runs/RUN/spec.json}: what a run was started with (template, arguments, workdir, config,
 * restart policy), so that a later daemon can start it again where it stopped. Secrets are never
 * in it: a resume gets the key of whoever resumes it (the CLI's, else the daemon's).
 */
final class SpecFile {
    static final String FILE = "spec.json";

    private SpecFile() {
    }

    static void write(Path runDir, RunSpec spec) throws IOException {
        ObjectMapper json = MessageCodec.mapper();
        ObjectNode node = json.createObjectNode().put("name", spec.name()).put("template", spec.templateName())
                .put("template_text", spec.templateText()).put("args", spec.args())
                .put("workdir", spec.workdir().toString())
                .put("restart", spec.restart().name().toLowerCase(Locale.ROOT).replace('_', '-'))
                .put("max_restarts", spec.maxRestarts()).put("resume_on_start", spec.resumeOnStart());
        node.set("config", json.valueToTree(spec.config().withRunDir("")));
        Placement placement = spec.placement();
        ObjectNode placed = node.putObject("placement").put("where", placement.word())
                .put("queue_timeout_s", placement.queueTimeout().toMillis() / 1000.0).put("java", placement.java());
        placement.slurmArgs().forEach(placed.putArray("slurm_args")::add);
        Path tmp = runDir.resolve(FILE + ".tmp");
        Files.writeString(tmp, node.toString(), StandardCharsets.UTF_8);
        Files.move(tmp, runDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The spec a run was started with, without secrets; a clear IOException when it cannot be read. */
    static RunSpec read(Path runDir) throws IOException {
        Path file = runDir.resolve(FILE);
        JsonNode node;
        try {
            node = MessageCodec.mapper().readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw new IOException("its start is not recorded (" + file + " is missing; runs started by an older ccd"
                    + " cannot be resumed)");
        }
        try {
            RunConfig config = MessageCodec.mapper().treeToValue(node.get("config"), RunConfig.class);
            return new RunSpec(node.path("name").asText(), node.path("template").asText(),
                    node.path("template_text").asText(), node.hasNonNull("args") ? node.get("args").asText() : null,
                    Path.of(node.path("workdir").asText()), config,
                    "on-crash".equals(node.path("restart").asText()) ? RunSpec.RestartPolicy.ON_CRASH
                            : RunSpec.RestartPolicy.NEVER,
                    node.path("max_restarts").asInt(), Map.of(), placement(node.path("placement")),
                    node.path("resume_on_start").asBoolean());
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + " cannot be read: " + e.getMessage());
        }
    }

    /** A spec written before placements were recorded ran here. */
    private static Placement placement(JsonNode node) {
        if (!node.isObject() || !"slurm".equals(node.path("where").asText())) {
            return Placement.LOCAL;
        }
        List<String> args = new ArrayList<>();
        node.path("slurm_args").forEach(a -> args.add(a.asText()));
        return new Placement(Placement.Where.SLURM, args,
                Duration.ofMillis((long) (node.path("queue_timeout_s").asDouble(600) * 1000)),
                node.hasNonNull("java") ? node.get("java").asText() : null);
    }
}

package dev.ccd.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The fast init decoder agrees with the full one or defers to it, whatever the line; and it
 * reads every field the records have (a field added to a record and forgotten here fails).
 */
class InitDecoderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An init with every field of every record set to a valid, non-default value. */
    private static final String FULL = "{\"op\":\"init\",\"protocol\":1,\"run_id\":\"r-1\",\"name\":\"research\","
            + "\"template\":{\"name\":\"autoresearch\",\"text\":\"# loop\\nforever\"},\"args\":\"metric=val_loss\","
            + "\"config\":{\"provider\":\"anthropic\",\"model\":\"claude-x\",\"base_url\":\"http://127.0.0.1:9/v1\","
            + "\"script\":\"/tmp/s.jsonl\",\"workdir\":\"/w\",\"run_dir\":\"/r\",\"interval_s\":2.5,\"ask\":true,"
            + "\"permission_timeout_s\":60,\"budget\":{\"max_tokens\":5000000000,\"max_cost_usd\":2.5,\"max_iterations\":50},"
            + "\"provider_options\":{\"max_output_tokens\":2048,\"connect_timeout_s\":3,\"request_timeout_s\":120.5,"
            + "\"max_retries\":7,\"retry_base_s\":0.5,\"retry_max_s\":30,\"cooldown_s\":0,"
            + "\"stream\":false,\"stream_idle_timeout_s\":45,\"cache_ttl\":\"1h\",\"max_tokens_field\":\"max_tokens\"},\"context_window\":200000,"
            + "\"compact_threshold\":0.7,\"stagnation_limit\":4,"
            + "\"prices\":{\"claude-x\":{\"input_per_mtok\":3,\"output_per_mtok\":15.5,\"cache_read_per_mtok\":0.3},\"m2\":{\"input_per_mtok\":0,"
            + "\"output_per_mtok\":0.1}},\"task_options\":{\"default_timeout_s\":3600,\"max_wait_s\":1800,"
            + "\"output_cap_bytes\":67108864},\"sandbox\":{\"enabled\":true,\"network\":false,"
            + "\"read_only\":[\"/opt/models\",\"/data\"],\"read_write\":[\"/cache\"],\"env\":[\"HF_HOME\"],"
            + "\"hidden\":[\"/home/u/.ccd\"]}},\"resume\":{\"checkpoint_dir\":\"/r/prev\",\"next_iteration\":43,"
            + "\"how\":\"interrupted\",\"tokens_in\":6000000000,\"tokens_out\":3400,\"cost_usd\":1.25},\"unknown_later_field\":{\"x\":[1,2,{\"y\":null}]}}";

    private static Message.Init fast(String line) {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        return InitDecoder.decode(bytes, 0, bytes.length);
    }

    /** The fast path's answer, checked against the full decoder's. */
    private static void agrees(String line) {
        Message.Init fast = fast(line);
        if (fast != null) {
            assertThat(MessageCodec.decode(line)).as(line).isEqualTo(new ReadResult.Received(fast));
        }
    }

    @Test
    void aFullInitAndTheGoldenOneAreDecodedOnTheFastPathAsTheFullDecoderDecodesThem() throws IOException {
        String golden = Files.readString(Path.of("src/test/resources/vectors/valid/init.jsonl")).strip();

        for (String line : List.of(FULL, golden)) {
            assertThat(fast(line)).as(line).isNotNull();
            agrees(line);
        }
    }

    @Test
    void aResumeWithoutTheRecordedUsageOfAnOlderDaemonDecodesWithNoneOnBothPaths() {
        String older = FULL.replace(",\"tokens_in\":6000000000,\"tokens_out\":3400,\"cost_usd\":1.25", "");

        assertThat(fast(older)).isNotNull();
        agrees(older);
        assertThat(fast(older).resume()).isEqualTo(new ResumeFrom("/r/prev", 43, "interrupted"));
        assertThat(fast(FULL).resume()).isEqualTo(new ResumeFrom("/r/prev", 43, "interrupted", 6_000_000_000L, 3400L, 1.25));
    }

    @Test
    void everyFieldOfEveryRecordInAnInitIsInTheFullSample() throws IOException {
        JsonNode full = JSON.readTree(FULL);
        for (Class<?> record : List.of(Message.Init.class, TemplateSpec.class, RunConfig.class, Budget.class,
                ProviderOptions.class, TaskOptions.class, Price.class, ResumeFrom.class)) {
            for (var component : record.getRecordComponents()) {
                String field = component.getName().replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase();
                assertThat(full.findValue(field)).as(record.getSimpleName() + "." + field
                        + ": add it to the sample, and to InitDecoder").isNotNull();
            }
        }
    }

    @Test
    void everyMutationOfTheFullSampleIsDecodedAlikeOrLeftToTheFullDecoder() throws IOException {
        int mutations = 0;
        for (String line : mutations(JSON.readTree(FULL))) {
            agrees(line);
            mutations++;
        }
        assertThat(mutations).isGreaterThan(300);
    }

    @Test
    void invalidGoldenLinesAreLeftToTheFullDecoder() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("src/test/resources/vectors/invalid"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".line")).toList()) {
                byte[] bytes = Files.readAllBytes(file);
                assertThat(InitDecoder.decode(bytes, 0, bytes.length)).as(file.toString()).isNull();
            }
        }
        assertThat(fast("{\"op\":\"init\",\"protocol\":1}")).isNull();
        assertThat(fast(FULL + " {}")).isNull();
        assertThat(fast(FULL.replace("\"ask\":true", "\"ask\":true,\"ask\":false"))).as("a duplicate key").isNull();
        assertThat(fast(FULL.replace("\"op\":\"init\"", "\"op\":\"stop\""))).isNull();
    }

    /** The sample with each field removed, and each value replaced by values of every other kind. */
    private static List<String> mutations(JsonNode full) {
        List<String> out = new ArrayList<>();
        List<JsonNode> replacements = List.of(JSON.nullNode(), JSON.getNodeFactory().textNode("1"),
                JSON.getNodeFactory().numberNode(1.5), JSON.getNodeFactory().numberNode(-1),
                JSON.getNodeFactory().numberNode(0), JSON.getNodeFactory().numberNode(99_999_999_999L),
                JSON.getNodeFactory().numberNode(new java.math.BigInteger("123456789012345678901234567890")),
                JSON.getNodeFactory().booleanNode(true), JSON.createArrayNode(), JSON.createObjectNode(),
                JSON.getNodeFactory().numberNode(new java.math.BigDecimal("1e400")));
        for (List<String> path : paths(full, new ArrayList<>())) {
            ObjectNode removed = full.deepCopy();
            parentOf(removed, path).remove(path.get(path.size() - 1));
            out.add(removed.toString());
            for (JsonNode value : replacements) {
                ObjectNode changed = full.deepCopy();
                parentOf(changed, path).set(path.get(path.size() - 1), value);
                out.add(changed.toString());
            }
        }
        return out;
    }

    private static List<List<String>> paths(JsonNode node, List<String> prefix) {
        List<List<String>> paths = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            List<String> path = new ArrayList<>(prefix);
            path.add(e.getKey());
            paths.add(path);
            if (e.getValue().isObject()) {
                paths.addAll(paths(e.getValue(), path));
            }
        }
        return paths;
    }

    private static ObjectNode parentOf(ObjectNode root, List<String> path) {
        JsonNode node = root;
        for (String step : path.subList(0, path.size() - 1)) {
            node = node.get(step);
        }
        return (ObjectNode) node;
    }
}

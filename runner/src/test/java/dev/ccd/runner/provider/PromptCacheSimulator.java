package dev.ccd.runner.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The vendors' prompt caches as a fake server sees them, on a clock the test controls, giving
 * each request the usage the vendor would bill. Tokens are characters / 4 of each block's JSON.
 *
 * <p>Anthropic: the request is a sequence of blocks (tools, system, then every message's content
 * blocks); a block with {@code cache_control} is a breakpoint whose prefix (everything up to it,
 * markers left out) may be cached for its {@code ttl} (5m or 1h), if at least {@link #MIN_TOKENS}
 * long. The longest cached breakpoint prefix is read ({@code cache_read_input_tokens}) and its
 * lifetime refreshed; the rest up to the last breakpoint is written ({@code
 * cache_creation_input_tokens}, split in {@code cache_creation.ephemeral_5m/1h_input_tokens});
 * what follows is {@code input_tokens}.
 *
 * <p>OpenAI: automatic; the longest prefix (in 128-token steps, {@link #MIN_TOKENS} at least)
 * shared with a prompt seen within {@link #OPENAI_LIFETIME} is {@code cached_tokens}.
 *
 * <p>Thread-safe (synchronized): the server's handler threads call it.
 */
public final class PromptCacheSimulator {
    static final int MIN_TOKENS = 1024;
    static final Duration OPENAI_LIFETIME = Duration.ofMinutes(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Supplier<Instant> clock;
    private final Map<String, Instant> anthropic = new HashMap<>();
    private final List<Map.Entry<String, Instant>> openAi = new ArrayList<>();

    public PromptCacheSimulator(Supplier<Instant> clock) {
        this.clock = clock;
    }

    private record Block(long tokens, String ttl) {
    }

    /** The usage of an Messages request, with {@code output} output tokens. */
    public synchronized ObjectNode anthropicUsage(JsonNode request, long output) {
        Instant now = clock.get();
        List<Block> blocks = new ArrayList<>();
        List<String> hashes = new ArrayList<>();
        MessageDigest digest = sha256();
        for (JsonNode tool : request.path("tools")) {
            add(tool, "tool", blocks, hashes, digest);
        }
        JsonNode system = request.path("system");
        if (system.isTextual()) {
            add(JSON.createObjectNode().put("type", "text").put("text", system.textValue()), "system", blocks, hashes, digest);
        } else {
            for (JsonNode block : system) {
                add(block, "system", blocks, hashes, digest);
            }
        }
        for (JsonNode message : request.path("messages")) {
            String role = message.path("role").asText();
            JsonNode content = message.path("content");
            if (content.isTextual()) {
                add(JSON.createObjectNode().put("type", "text").put("text", content.textValue()), role, blocks, hashes, digest);
            } else {
                for (JsonNode block : content) {
                    add(block, role, blocks, hashes, digest);
                }
            }
        }
        long[] upTo = new long[blocks.size() + 1];
        for (int i = 0; i < blocks.size(); i++) {
            upTo[i + 1] = upTo[i] + blocks.get(i).tokens();
        }
        int read = -1;
        int lastBreakpoint = -1;
        for (int i = 0; i < blocks.size(); i++) {
            if (blocks.get(i).ttl() == null) {
                continue;
            }
            lastBreakpoint = i;
            Instant expiry = anthropic.get(hashes.get(i));
            if (expiry != null && expiry.isAfter(now)) {
                read = i;
            }
        }
        long readTokens = read < 0 ? 0 : upTo[read + 1];
        if (read >= 0) {
            anthropic.put(hashes.get(read), now.plus(ttl(blocks.get(read).ttl())));
        }
        long write5m = 0;
        long write1h = 0;
        long from = readTokens;
        for (int i = read + 1; i <= lastBreakpoint; i++) {
            Block b = blocks.get(i);
            if (b.ttl() == null || upTo[i + 1] < MIN_TOKENS) {
                continue;
            }
            anthropic.put(hashes.get(i), now.plus(ttl(b.ttl())));
            if (b.ttl().equals("1h")) {
                write1h += upTo[i + 1] - from;
            } else {
                write5m += upTo[i + 1] - from;
            }
            from = upTo[i + 1];
        }
        ObjectNode usage = JSON.createObjectNode()
                .put("input_tokens", upTo[blocks.size()] - from)
                .put("cache_creation_input_tokens", write5m + write1h)
                .put("cache_read_input_tokens", readTokens);
        usage.putObject("cache_creation").put("ephemeral_5m_input_tokens", write5m)
                .put("ephemeral_1h_input_tokens", write1h);
        usage.put("output_tokens", output);
        return usage;
    }

    /** The usage of a Chat Completions request. */
    public synchronized ObjectNode openAiUsage(JsonNode request, long output) {
        Instant now = clock.get();
        ObjectNode prompt = JSON.createObjectNode();
        prompt.set("tools", request.path("tools"));
        prompt.set("messages", request.path("messages"));
        String text = prompt.toString();
        long best = 0;
        Map.Entry<String, Instant> hit = null;
        for (Iterator<Map.Entry<String, Instant>> it = openAi.iterator(); it.hasNext(); ) {
            Map.Entry<String, Instant> e = it.next();
            if (!e.getValue().isAfter(now)) {
                it.remove();
                continue;
            }
            long common = commonPrefix(e.getKey(), text) / 4;
            if (common > best) {
                best = common;
                hit = e;
            }
        }
        long cached = best >= MIN_TOKENS ? best / 128 * 128 : 0;
        if (hit != null && cached > 0) {
            hit.setValue(now.plus(OPENAI_LIFETIME));
        }
        openAi.add(new java.util.AbstractMap.SimpleEntry<>(text, now.plus(OPENAI_LIFETIME)));
        ObjectNode usage = JSON.createObjectNode()
                .put("prompt_tokens", (text.length() + 3) / 4)
                .put("completion_tokens", output)
                .put("total_tokens", (text.length() + 3) / 4 + output);
        usage.putObject("prompt_tokens_details").put("cached_tokens", cached);
        return usage;
    }

    private static void add(JsonNode block, String role, List<Block> blocks, List<String> hashes, MessageDigest digest) {
        JsonNode marker = block.path("cache_control");
        String ttl = marker.isObject() ? marker.path("ttl").asText("5m") : null;
        ObjectNode plain = block.deepCopy();
        plain.remove("cache_control");
        byte[] bytes = (role + ":" + plain).getBytes(StandardCharsets.UTF_8);
        digest.update(bytes);
        hashes.add(HexFormat.of().formatHex(clone(digest).digest()));
        blocks.add(new Block((plain.toString().length() + 3) / 4, ttl));
    }

    private static Duration ttl(String ttl) {
        return ttl.equals("1h") ? Duration.ofHours(1) : Duration.ofMinutes(5);
    }

    private static int commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static MessageDigest clone(MessageDigest digest) {
        try {
            return (MessageDigest) digest.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.ccd.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fast path for the one message a runner decodes while it starts: {@code init}, read with
 * jackson-core's streaming parser into the same records {@link MessageCodec} builds. Building
 * databind's decoders for these records costs a cold JVM tens of milliseconds, on the path to
 * the first iteration; this costs about one.
 *
 * <p>It accepts only what is plainly well-formed: each known field with its exact JSON type, no
 * nulls, nothing after the object, every record's own checks passed. Anything else (a wrong
 * type, a null, a missing field, a bad value) yields null, and the caller decodes the line with
 * {@link MessageCodec}, which names what is wrong. So it can only agree with the full decoder
 * or defer to it: a test holds it to that over the golden vectors and their mutations, and
 * checks that every field of the records is read here.
 *
 * <p>Stateless and thread-safe.
 */
final class InitDecoder {

    /** Thrown to leave the fast path; carries no stack trace. */
    private static final class Defer extends RuntimeException {
        Defer() {
            super(null, null, false, false);
        }
    }

    private static final Defer DEFER = new Defer();

    private InitDecoder() {
    }

    /** The init on the line, or null when the full decoder must judge the line. Never throws. */
    static Message.Init decode(byte[] buf, int off, int len) {
        try (JsonParser p = Handshake.FACTORY.createParser(buf, off, len)) {
            p.nextToken();
            Message.Init init = init(p);
            return p.nextToken() == null ? init : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Message.Init init(JsonParser p) throws IOException {
        expectObject(p);
        String op = null;
        Integer protocol = null;
        String runId = null;
        String name = null;
        String args = null;
        TemplateSpec template = null;
        RunConfig config = null;
        ResumeFrom resume = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "op" -> op = string(p);
                case "protocol" -> protocol = integer(p);
                case "run_id" -> runId = string(p);
                case "name" -> name = string(p);
                case "args" -> args = string(p);
                case "template" -> template = template(p);
                case "config" -> config = config(p);
                case "resume" -> resume = resume(p);
                default -> p.skipChildren();
            }
        }
        if (!"init".equals(op)) {
            throw DEFER;
        }
        return new Message.Init(present(protocol), runId, name, template, args, config, resume);
    }

    private static ResumeFrom resume(JsonParser p) throws IOException {
        expectObject(p);
        String checkpointDir = null;
        Integer nextIteration = null;
        String how = null;
        Long tokensIn = null;
        Long tokensOut = null;
        Double costUsd = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "checkpoint_dir" -> checkpointDir = string(p);
                case "next_iteration" -> nextIteration = integer(p);
                case "how" -> how = string(p);
                case "tokens_in" -> tokensIn = longInteger(p);
                case "tokens_out" -> tokensOut = longInteger(p);
                case "cost_usd" -> costUsd = number(p);
                default -> p.skipChildren();
            }
        }
        return new ResumeFrom(checkpointDir, present(nextIteration), how, tokensIn, tokensOut, costUsd);
    }

    private static TemplateSpec template(JsonParser p) throws IOException {
        expectObject(p);
        String name = null;
        String text = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "name" -> name = string(p);
                case "text" -> text = string(p);
                default -> p.skipChildren();
            }
        }
        return new TemplateSpec(name, text);
    }

    private static RunConfig config(JsonParser p) throws IOException {
        expectObject(p);
        String provider = null;
        String model = null;
        String baseUrl = null;
        String script = null;
        String workdir = null;
        String runDir = null;
        Double intervalS = null;
        Boolean ask = null;
        Double permissionTimeoutS = null;
        Budget budget = null;
        ProviderOptions providerOptions = null;
        Integer contextWindow = null;
        Double compactThreshold = null;
        Integer stagnationLimit = null;
        Map<String, Price> prices = null;
        TaskOptions taskOptions = null;
        SandboxOptions sandbox = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "provider" -> provider = string(p);
                case "model" -> model = string(p);
                case "base_url" -> baseUrl = string(p);
                case "script" -> script = string(p);
                case "workdir" -> workdir = string(p);
                case "run_dir" -> runDir = string(p);
                case "interval_s" -> intervalS = number(p);
                case "ask" -> ask = bool(p);
                case "permission_timeout_s" -> permissionTimeoutS = number(p);
                case "budget" -> budget = budget(p);
                case "provider_options" -> providerOptions = providerOptions(p);
                case "context_window" -> contextWindow = integer(p);
                case "compact_threshold" -> compactThreshold = number(p);
                case "stagnation_limit" -> stagnationLimit = integer(p);
                case "prices" -> prices = prices(p);
                case "task_options" -> taskOptions = taskOptions(p);
                case "sandbox" -> sandbox = sandbox(p);
                default -> p.skipChildren();
            }
        }
        return new RunConfig(provider, model, baseUrl, script, workdir, runDir, present(intervalS), present(ask),
                permissionTimeoutS, budget, providerOptions, contextWindow, compactThreshold, stagnationLimit, prices,
                taskOptions, sandbox);
    }

    private static Budget budget(JsonParser p) throws IOException {
        expectObject(p);
        Long maxTokens = null;
        Double maxCostUsd = null;
        Integer maxIterations = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "max_tokens" -> maxTokens = longInteger(p);
                case "max_cost_usd" -> maxCostUsd = number(p);
                case "max_iterations" -> maxIterations = integer(p);
                default -> p.skipChildren();
            }
        }
        return new Budget(maxTokens, maxCostUsd, maxIterations);
    }

    private static ProviderOptions providerOptions(JsonParser p) throws IOException {
        expectObject(p);
        Integer maxOutputTokens = null;
        Double connectTimeoutS = null;
        Double requestTimeoutS = null;
        Integer maxRetries = null;
        Double retryBaseS = null;
        Double retryMaxS = null;
        Double cooldownS = null;
        Boolean stream = null;
        Double streamIdleTimeoutS = null;
        String cacheTtl = null;
        String maxTokensField = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "max_output_tokens" -> maxOutputTokens = integer(p);
                case "connect_timeout_s" -> connectTimeoutS = number(p);
                case "request_timeout_s" -> requestTimeoutS = number(p);
                case "max_retries" -> maxRetries = integer(p);
                case "retry_base_s" -> retryBaseS = number(p);
                case "retry_max_s" -> retryMaxS = number(p);
                case "cooldown_s" -> cooldownS = number(p);
                case "stream" -> stream = bool(p);
                case "stream_idle_timeout_s" -> streamIdleTimeoutS = number(p);
                case "cache_ttl" -> cacheTtl = string(p);
                case "max_tokens_field" -> maxTokensField = string(p);
                default -> p.skipChildren();
            }
        }
        return new ProviderOptions(maxOutputTokens, connectTimeoutS, requestTimeoutS, maxRetries, retryBaseS, retryMaxS,
                cooldownS, stream, streamIdleTimeoutS, cacheTtl, maxTokensField);
    }

    private static TaskOptions taskOptions(JsonParser p) throws IOException {
        expectObject(p);
        Double defaultTimeoutS = null;
        Double maxWaitS = null;
        Long outputCapBytes = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "default_timeout_s" -> defaultTimeoutS = number(p);
                case "max_wait_s" -> maxWaitS = number(p);
                case "output_cap_bytes" -> outputCapBytes = longInteger(p);
                default -> p.skipChildren();
            }
        }
        return new TaskOptions(defaultTimeoutS, maxWaitS, outputCapBytes);
    }

    private static SandboxOptions sandbox(JsonParser p) throws IOException {
        expectObject(p);
        Boolean enabled = null;
        Boolean network = null;
        List<String> readOnly = null;
        List<String> readWrite = null;
        List<String> env = null;
        List<String> hidden = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "enabled" -> enabled = bool(p);
                case "network" -> network = bool(p);
                case "read_only" -> readOnly = strings(p);
                case "read_write" -> readWrite = strings(p);
                case "env" -> env = strings(p);
                case "hidden" -> hidden = strings(p);
                default -> p.skipChildren();
            }
        }
        return new SandboxOptions(enabled, network, readOnly, readWrite, env, hidden);
    }

    private static List<String> strings(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw DEFER;
        }
        List<String> values = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            values.add(string(p));
        }
        return values;
    }

    private static Map<String, Price> prices(JsonParser p) throws IOException {
        expectObject(p);
        Map<String, Price> prices = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String model = p.currentName();
            p.nextToken();
            prices.put(model, price(p));
        }
        return prices;
    }

    private static Price price(JsonParser p) throws IOException {
        expectObject(p);
        Double input = null;
        Double output = null;
        Double cacheRead = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "input_per_mtok" -> input = number(p);
                case "output_per_mtok" -> output = number(p);
                case "cache_read_per_mtok" -> cacheRead = number(p);
                default -> p.skipChildren();
            }
        }
        return new Price(present(input), present(output), cacheRead);
    }

    // ---- scalars: the exact JSON type, never null -------------------------------------------

    private static void expectObject(JsonParser p) {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw DEFER;
        }
    }

    private static String string(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw DEFER;
        }
        return p.getText();
    }

    private static boolean bool(JsonParser p) {
        JsonToken t = p.currentToken();
        if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
            throw DEFER;
        }
        return t == JsonToken.VALUE_TRUE;
    }

    private static int integer(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
            throw DEFER;
        }
        return p.getIntValue();
    }

    private static long longInteger(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw DEFER;
        }
        return p.getLongValue();
    }

    private static double number(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NUMBER_FLOAT
                || (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER)) {
            return p.getDoubleValue();
        }
        throw DEFER;
    }

    private static <T> T present(T value) {
        if (value == null) {
            throw DEFER;
        }
        return value;
    }
}

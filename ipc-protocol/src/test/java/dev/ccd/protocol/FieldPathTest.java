package dev.ccd.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A bad value inside a nested object is named by its whole path, whichever record checks it. */
class FieldPathTest {

    private static String init(String template, String configExtra) {
        return "{\"op\":\"init\",\"protocol\":1,\"run_id\":\"r\",\"name\":\"n\",\"template\":" + template
                + ",\"config\":{\"provider\":\"scripted\",\"workdir\":\"/\",\"run_dir\":\"\",\"interval_s\":0,"
                + "\"ask\":false" + configExtra + "}}";
    }

    private static final String TEMPLATE = "{\"name\":\"t\",\"text\":\"x\"}";

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("{\"op\":\"resume\",\"budget\":{\"max_tokens\":-1}}", "resume", "budget.max_tokens"),
                Arguments.of(init(TEMPLATE, ",\"budget\":{\"max_iterations\":-2}"), "init", "config.budget.max_iterations"),
                Arguments.of(init(TEMPLATE, ",\"provider_options\":{\"max_output_tokens\":0}"), "init",
                        "config.provider_options.max_output_tokens"),
                Arguments.of(init(TEMPLATE, ",\"task_options\":{\"output_cap_bytes\":10}"), "init",
                        "config.task_options.output_cap_bytes"),
                Arguments.of(init(TEMPLATE, ",\"prices\":{\"m\":{\"input_per_mtok\":-1,\"output_per_mtok\":1}}"), "init",
                        "config.prices.m.input_per_mtok"),
                Arguments.of(init(TEMPLATE, ",\"context_window\":10"), "init", "config.context_window"),
                Arguments.of(init("{\"name\":\"t\",\"text\":null}", ""), "init", "template.text"),
                Arguments.of("{\"op\":\"paused_budget\",\"reason\":\"max_tokens\",\"budget\":{},"
                        + "\"used\":{\"tokens_in\":-1,\"tokens_out\":0,\"cost_usd\":0,\"iterations\":0}}", "paused_budget",
                        "used.tokens_in"));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("cases")
    void theFieldIsNamedByItsWholePath(String line, String op, String field) {
        assertThat(MessageCodec.decode(line)).isInstanceOfSatisfying(ReadResult.InvalidFields.class, f -> {
            assertThat(f.op()).isEqualTo(op);
            assertThat(f.field()).isEqualTo(field);
        });
    }
}

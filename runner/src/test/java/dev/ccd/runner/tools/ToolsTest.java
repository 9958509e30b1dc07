package dev.ccd.runner.tools;

import static dev.ccd.runner.tools.ToolTesting.input;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ToolsTest {
    @TempDir
    Path dir;

    @Test
    void builtInToolsAreTheSixInOrderWithObjectSchemas() {
        Tools tools = new Tools(Tools.builtIn());

        assertThat(tools.names()).containsExactly("bash", "read_file", "write_file", "edit_file", "list_files", "grep");
        assertThat(tools.all()).filteredOn(Tool::mutating).extracting(Tool::name)
                .containsExactly("bash", "write_file", "edit_file");
        for (Tool tool : tools.all()) {
            ObjectNode schema = tool.inputSchema();
            assertThat(schema.path("type").asText()).isEqualTo("object");
            assertThat(schema.path("properties").isObject()).isTrue();
            assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();
            assertThat(tool.description()).isNotBlank();
        }
        assertThat(tools.find("bash").orElseThrow().inputSchema().path("required").toString())
                .isEqualTo("[\"command\"]");
    }

    @Test
    void schemaHandedOutIsACopy() {
        Tool bash = new BashTool();
        bash.inputSchema().put("type", "changed");

        assertThat(bash.inputSchema().path("type").asText()).isEqualTo("object");
    }

    @Test
    void unknownToolIsAnErrorListingTheAvailableOnes() throws Exception {
        Tools tools = new Tools(Tools.builtIn());

        assertThat(tools.find("rm_rf")).isEmpty();
        assertThat(tools.call("rm_rf", input(), ToolContext.defaults(dir)))
                .isEqualTo(ToolResult.error(
                        "unknown tool 'rm_rf'; available: bash, read_file, write_file, edit_file, list_files, grep"));
    }

    @Test
    void callDispatchesByName() throws Exception {
        Tools tools = new Tools(Tools.builtIn());

        assertThat(tools.call("bash", input("command", "echo hi"), ToolContext.defaults(dir.toRealPath())))
                .isEqualTo(ToolResult.ok("hi\nexit code: 0"));
    }

    @Test
    void toolThatThrowsBecomesAnErrorResult() throws Exception {
        Tools tools = Tools.withBuiltIns(List.of(new Broken()));

        ToolResult result = tools.call("broken", input(), ToolContext.defaults(dir));

        assertThat(result.isError()).isTrue();
        assertThat(result.content()).isEqualTo("broken: internal error: java.lang.IllegalStateException: bug");
    }

    @Test
    void twoToolsWithOneNameAreRefused() {
        assertThatThrownBy(() -> Tools.withBuiltIns(List.of(new BashTool())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("two tools are named 'bash'");
    }

    private static final class Broken implements Tool {
        @Override
        public String name() {
            return "broken";
        }

        @Override
        public String description() {
            return "Always throws.";
        }

        @Override
        public ObjectNode inputSchema() {
            return InputSchema.object().build();
        }

        @Override
        public boolean mutating() {
            return false;
        }

        @Override
        public ToolResult run(JsonNode input, ToolContext context) {
            throw new IllegalStateException("bug");
        }
    }
}

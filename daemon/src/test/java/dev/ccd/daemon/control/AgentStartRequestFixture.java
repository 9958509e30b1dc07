package dev.ccd.daemon.control;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ccd.daemon.CcdHome;
import dev.ccd.daemon.SandboxSupport;
import dev.ccd.daemon.supervisor.RunSpec;
import dev.ccd.daemon.templates.TemplateCatalog;
import dev.ccd.protocol.MessageCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of the tests of what {@link AgentStartRequest} makes of a request, on real files: a daemon
 * home with the template {@code plain}, a script for the scripted provider, and sandboxes that
 * work. A test may change {@code support} and {@code daemonEnvironment} before it parses.
 */
abstract class AgentStartRequestFixture {
    @TempDir
    Path tmp;
    CcdHome home;
    Path script;
    SandboxSupport support = new SandboxSupport(true, "bwrap", null);
    Map<String, String> daemonEnvironment = Map.of();

    @BeforeEach
    void layOutHome() throws IOException {
        home = new CcdHome(tmp.resolve("home"));
        home.ensureLayout();
        script = Files.writeString(tmp.resolve("script.jsonl"), "{\"text\": \"hi\"}\n", StandardCharsets.UTF_8);
        template("plain", "# plain\nSay hi.\n");
    }

    void template(String name, String text) throws IOException {
        Files.writeString(home.templates().resolve(name + ".md"), text, StandardCharsets.UTF_8);
    }

    ObjectNode request(String template) {
        return MessageCodec.mapper().createObjectNode().put("name", "a").put("template", template)
                .put("script", script.toString());
    }

    RunSpec parse(ObjectNode params) throws Exception {
        return new AgentStartRequest(home, new TemplateCatalog(tmp.resolve("no-runner.jar"), home.templates()),
                () -> support, daemonEnvironment).parse(new Params(params));
    }
}

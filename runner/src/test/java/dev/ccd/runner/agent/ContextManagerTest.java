package dev.ccd.runner.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.ccd.runner.provider.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContextManagerTest {
    private static final String SYSTEM = "system prompt";

    private final List<String> notices = new ArrayList<>();
    private final List<List<ChatMessage>> summarized = new ArrayList<>();

    private ContextManager manager(int window) {
        return new ContextManager(window, 0.6, older -> {
            summarized.add(older);
            return "summary of " + older.size() + " messages";
        }, notices::add);
    }

    /** One iteration: prompt, a tool call, its (large) output, the closing text. */
    private static void iteration(List<ChatMessage> conversation, int n, int outputChars) {
        conversation.add(ChatMessage.user(n == 1 ? "Begin the program." : "Continue to the next iteration of the program."));
        conversation.add(new ChatMessage(ChatMessage.Role.ASSISTANT, List.of(new ChatMessage.ToolUse("t" + n, "bash",
                JsonNodeFactory.instance.objectNode().put("command", "run " + n)))));
        conversation.add(new ChatMessage(ChatMessage.Role.USER, List.of(
                new ChatMessage.ToolResultBlock("t" + n, "o".repeat(outputChars), false))));
        conversation.add(new ChatMessage(ChatMessage.Role.ASSISTANT, List.of(new ChatMessage.Text("iteration " + n + " done"))));
    }

    @Test
    void aToolResultCarryingATaskNoticeIsNeverTakenForTheStartOfAnIteration() throws Exception {
        List<ChatMessage> conversation = new ArrayList<>();
        for (int n = 1; n <= 10; n++) {
            iteration(conversation, n, 1_500);
            // a background task's notice, delivered with this iteration's tool results
            ChatMessage results = conversation.get(conversation.size() - 2);
            List<ChatMessage.Block> blocks = new ArrayList<>(results.content());
            blocks.add(new ChatMessage.Text("Background task t" + n + " completed: exit code 0."));
            conversation.set(conversation.size() - 2, new ChatMessage(results.role(), blocks));
        }
        conversation.add(ChatMessage.user("Continue to the next iteration of the program."));

        manager(6_000).fit(SYSTEM, conversation, List.of());

        List<String> toolUses = new ArrayList<>();
        for (ChatMessage m : conversation) {
            for (ChatMessage.Block b : m.content()) {
                if (b instanceof ChatMessage.ToolUse u) {
                    toolUses.add(u.id());
                }
                if (b instanceof ChatMessage.ToolResultBlock r) {
                    assertThat(toolUses).as("tool_result %s follows its tool_use", r.toolUseId()).contains(r.toolUseId());
                }
            }
        }
        assertThat(summarized).hasSize(1);
    }

    @Test
    void aPromptUnderTheLimitIsLeftAlone() throws Exception {
        List<ChatMessage> conversation = new ArrayList<>();
        iteration(conversation, 1, 100);
        List<ChatMessage> before = List.copyOf(conversation);

        manager(10_000).fit(SYSTEM, conversation, List.of());

        assertThat(conversation).isEqualTo(before);
        assertThat(notices).isEmpty();
    }

    @Test
    void oldLargeToolOutputsAreTrimmedToHeadAndTailFirst() throws Exception {
        List<ChatMessage> conversation = new ArrayList<>();
        iteration(conversation, 1, 30_000);
        iteration(conversation, 2, 100);
        conversation.add(ChatMessage.user("Continue to the next iteration of the program."));

        manager(12_000).fit(SYSTEM, conversation, List.of());

        ChatMessage.ToolResultBlock old = (ChatMessage.ToolResultBlock) conversation.get(2).content().get(0);
        assertThat(old.content()).hasSizeLessThan(2_200).contains("characters trimmed from the history");
        assertThat(summarized).isEmpty();
        assertThat(notices).singleElement().asString().contains("1 tool outputs trimmed");
    }

    @Test
    void olderIterationsAreSummarizedIntoTheFirstKeptPromptAndRolesStillAlternate() throws Exception {
        List<ChatMessage> conversation = new ArrayList<>();
        for (int n = 1; n <= 30; n++) {
            iteration(conversation, n, 1_500);
        }
        conversation.add(ChatMessage.user("Continue to the next iteration of the program."));
        ContextManager manager = manager(8_000);

        manager.fit(SYSTEM, conversation, List.of());

        assertThat(ContextManager.estimateTokens(SYSTEM, conversation, List.of())).isLessThanOrEqualTo(manager.limitTokens());
        assertThat(summarized).singleElement().satisfies(older -> assertThat(older).hasSize(29 * 4));
        ChatMessage first = conversation.get(0);
        assertThat(first.role()).isEqualTo(ChatMessage.Role.USER);
        assertThat(((ChatMessage.Text) first.content().get(0)).text())
                .startsWith(ContextManager.SUMMARY_HEADER).contains("summary of 116 messages");
        for (int i = 1; i < conversation.size(); i++) {
            assertThat(conversation.get(i).role()).as("message %d", i).isNotEqualTo(conversation.get(i - 1).role());
        }
        assertThat(notices).singleElement().asString().contains("116 messages summarized");
    }
}

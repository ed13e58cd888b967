package io.aibridge.proxy.openai;

import io.aibridge.events.PromptRecorded;
import io.aibridge.events.TokenUsageRecorded;
import io.aibridge.events.ToolUsageRecorded;
import io.aibridge.proxy.interception.RecordingProbe;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Chat Completions streams beyond the fixtures: several choices, fragments without an index, a
 * running usage on every chunk, an opening chunk without an id, streamed custom tool calls.
 */
class ChatCompletionsObserverTest {

    private static String chunk(String choices, String usage) {
        return "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":" + choices + ",\"usage\":" + usage + "}\n\n";
    }

    @Test
    void recordsEveryToolCallOfEveryChoice() {
        RecordingProbe probe = new RecordingProbe("hi");
        String sse = chunk("[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"x\\\":\"}}]}},"
                        + "{\"index\":1,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_b\",\"function\":{\"name\":\"g\",\"arguments\":\"\"}}]}}]", "null")
                + chunk("[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"1}\"}},"
                        + "{\"index\":1,\"id\":\"call_c\",\"function\":{\"name\":\"h\",\"arguments\":\"{}\"}}]}}]", "null")
                + chunk("[{\"index\":1,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"y\\\":2}\"}}]},\"finish_reason\":\"tool_calls\"}]", "null")
                + chunk("[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]", "null")
                + chunk("[]", "{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}")
                + "data: [DONE]\n\n";
        RecordingProbe.stream(new ChatCompletionsObserver(probe.recording, false), sse, 7);
        assertThat(probe.of(ToolUsageRecorded.class, t -> t.providerToolCallId() + " " + t.tool() + " " + t.input()))
                .containsExactly("call_b g {\"y\":2}", "call_a f {\"x\":1}", "call_c h {}");
        assertThat(probe.of(TokenUsageRecorded.class, t -> t.inputTokens() + "/" + t.outputTokens())).containsExactly("10/5");
    }

    @Test
    void assemblesFragmentsThatCarryNoIndex() {
        RecordingProbe probe = new RecordingProbe("hi");
        String sse = chunk("[{\"index\":0,\"delta\":{\"tool_calls\":[{\"id\":\"call_1\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\"\"}}]}}]", "null")
                + chunk("[{\"index\":0,\"delta\":{\"tool_calls\":[{\"function\":{\"arguments\":\":1}\"}}]}}]", "null")
                + chunk("[{\"index\":0,\"delta\":{\"tool_calls\":[{\"id\":\"call_2\",\"function\":{\"name\":\"g\",\"arguments\":\"{}\"}}]}}]", "null")
                + chunk("[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]", "null")
                + "data: [DONE]\n\n";
        RecordingProbe.stream(new ChatCompletionsObserver(probe.recording, false), sse, 3);
        assertThat(probe.of(ToolUsageRecorded.class, t -> t.providerToolCallId() + " " + t.input()))
                .containsExactly("call_1 {\"a\":1}", "call_2 {}");
    }

    /** vLLM's {@code continuous_usage_stats}: a running usage on every chunk, the final one last. */
    private static final String RUNNING_USAGE = chunk("[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_w\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]},\"finish_reason\":null}]",
                    "{\"prompt_tokens\":80,\"completion_tokens\":1,\"total_tokens\":81}")
            + chunk("[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"location\\\":\"}}]},\"finish_reason\":null}]",
                    "{\"prompt_tokens\":80,\"completion_tokens\":5,\"total_tokens\":85}")
            + chunk("[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]},\"finish_reason\":null}]",
                    "{\"prompt_tokens\":80,\"completion_tokens\":9,\"total_tokens\":89}");

    @Test
    void recordsTheFinalUsageOnceAndToolCallsThatStreamAfterARunningUsage() {
        RecordingProbe probe = new RecordingProbe("hi");
        String sse = RUNNING_USAGE
                + chunk("[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]", "{\"prompt_tokens\":80,\"completion_tokens\":12,\"total_tokens\":92}")
                + chunk("[]", "{\"prompt_tokens\":80,\"completion_tokens\":12,\"total_tokens\":92}")
                + "data: [DONE]\n\n";
        RecordingProbe.stream(new ChatCompletionsObserver(probe.recording, true), sse, 11);
        assertThat(probe.of(ToolUsageRecorded.class, t -> t.providerToolCallId() + " " + t.tool() + " " + t.input()))
                .containsExactly("call_w get_weather {\"location\":\"Paris\"}");
        assertThat(probe.of(TokenUsageRecorded.class, t -> t.inputTokens() + "/" + t.outputTokens())).containsExactly("80/12");
    }

    /**
     * A deliberate difference: the reference records a stream's usage only when
     * {@code completion_tokens > 0}; ours records the final usage whatever its output count, so that
     * recorded totals equal the provider's final usage (the input of an answer without output counts).
     */
    @Test
    void recordsAFinalUsageWithNoOutputTokens() {
        RecordingProbe probe = new RecordingProbe("hi");
        String sse = chunk("[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]", "null")
                + chunk("[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]", "null")
                + chunk("[]", "{\"prompt_tokens\":50,\"completion_tokens\":0}")
                + "data: [DONE]\n\n";
        RecordingProbe.stream(new ChatCompletionsObserver(probe.recording, false), sse, 8);
        assertThat(probe.of(TokenUsageRecorded.class, t -> t.providerResponseId() + " " + t.inputTokens() + "/" + t.outputTokens()))
                .containsExactly("chatcmpl-1 50/0");
    }

    @Test
    void aStreamCutAfterRunningUsagesRecordsTheLastOneSeen() {
        RecordingProbe probe = new RecordingProbe("hi");
        RecordingProbe.stream(new ChatCompletionsObserver(probe.recording, false), RUNNING_USAGE, 5);
        assertThat(probe.of(TokenUsageRecorded.class, t -> t.providerResponseId() + " " + t.inputTokens() + "/" + t.outputTokens()))
                .containsExactly("chatcmpl-1 80/9");
        assertThat(probe.of(ToolUsageRecorded.class)).as("a call cut before its finish_reason is incomplete").isEmpty();
    }

    @Test
    void takesTheStreamsIdFromItsFirstChunkThatHasOne() {
        // GitHub Copilot's API (Azure) opens with the prompt's content filter results, in a chunk without an id
        RecordingProbe probe = new RecordingProbe("hi");
        String sse = "data: {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\",\"prompt_filter_results\":[{\"prompt_index\":0,"
                + "\"content_filter_results\":{\"hate\":{\"filtered\":false,\"severity\":\"safe\"}}}]}\n\n"
                + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":null,\"role\":\"assistant\",\"tool_calls\":[{\"function\":{\"arguments\":\"\",\"name\":\"get_time\"},"
                + "\"id\":\"call_t\",\"index\":0,\"type\":\"function\"}]}}],\"created\":1764323730,\"id\":\"chatcmpl-copilot1\",\"model\":\"gpt-4.1-2025-04-14\"}\n\n"
                + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":null,\"tool_calls\":[{\"function\":{\"arguments\":\"{\\\"timezone\\\":\\\"UTC\\\"}\"},\"index\":0}]}}],"
                + "\"created\":1764323730,\"id\":\"chatcmpl-copilot1\",\"model\":\"gpt-4.1-2025-04-14\"}\n\n"
                + "data: {\"choices\":[{\"finish_reason\":\"tool_calls\",\"index\":0,\"delta\":{\"content\":null}}],\"created\":1764323730,\"id\":\"chatcmpl-copilot1\","
                + "\"usage\":{\"completion_tokens\":15,\"prompt_tokens\":70,\"total_tokens\":85},\"model\":\"gpt-4.1-2025-04-14\"}\n\n"
                + "data: [DONE]\n\n";
        RecordingProbe.stream(new ChatCompletionsObserver(probe.recording, false), sse, 9);
        assertThat(probe.of(PromptRecorded.class, p -> p.providerResponseId() + " " + p.prompt())).containsExactly("chatcmpl-copilot1 hi");
        assertThat(probe.of(ToolUsageRecorded.class, t -> t.providerResponseId() + " " + t.tool() + " " + t.input()))
                .containsExactly("chatcmpl-copilot1 get_time {\"timezone\":\"UTC\"}");
        assertThat(probe.of(TokenUsageRecorded.class, t -> t.providerResponseId() + " " + t.inputTokens() + "/" + t.outputTokens()))
                .containsExactly("chatcmpl-copilot1 70/15");
    }

    @Test
    void recordsStreamedCustomToolCallsWithTheirRawInput() {
        RecordingProbe probe = new RecordingProbe("hi");
        String sse = chunk("[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_c\",\"type\":\"custom\",\"custom\":{\"name\":\"code_exec\",\"input\":\"\"}}]}}]", "null")
                + chunk("[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"custom\":{\"input\":\"print({\\\"a\\\": \"}}]}}]", "null")
                + chunk("[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"custom\":{\"input\":\"1})\\n\"}}]}}]", "null")
                + chunk("[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_f\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{ }\"}}]}}]", "null")
                + chunk("[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]", "null")
                + chunk("[]", "{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}")
                + "data: [DONE]\n\n";
        RecordingProbe.stream(new ChatCompletionsObserver(probe.recording, false), sse, 6);
        assertThat(probe.of(ToolUsageRecorded.class, t -> t.providerToolCallId() + " " + t.tool() + " " + t.input()))
                .as("a custom tool's input is text, as the blocking answer records it")
                .containsExactly("call_c code_exec print({\"a\": 1})\n", "call_f f {}");
    }

    @Test
    void aToolCallsArgumentsStreamedPastTheTextLimitKeepTheirStartFlaggedTruncated() {
        RecordingProbe probe = new RecordingProbe("hi");
        StringBuilder sse = new StringBuilder(chunk("[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_big\","
                + "\"function\":{\"name\":\"write\",\"arguments\":\"{\\\"t\\\":\\\"\"}}]}}]", "null"));
        for (int i = 0; i < 25; i++) {
            sse.append(chunk("[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"" + "y".repeat(100)
                    + "\"}}]}}]", "null"));
        }
        sse.append(chunk("[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"}\"}}]}}]", "null"));
        sse.append(chunk("[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]", "null")).append("data: [DONE]\n\n");
        RecordingProbe.stream(new ChatCompletionsObserver(probe.recording, false), sse.toString(), 97);
        assertThat(probe.of(ToolUsageRecorded.class)).singleElement().satisfies(t -> {
            assertThat(t.input()).isEqualTo("{\"t\":\"" + "y".repeat(1000 - 6));
            assertThat(t.metadata()).containsEntry("truncated", true).containsEntry("original_length", 2508L);
        });
    }

    private static String call(String index, String id, String arguments) {
        return "{" + (index == null ? "" : "\"index\":" + index + ",") + (id == null ? "" : "\"id\":\"" + id + "\",\"type\":\"function\",")
                + "\"function\":{" + (id == null ? "" : "\"name\":\"f\",") + "\"arguments\":\"" + arguments + "\"}}";
    }

    private static String toolCalls(int choice, String... fragments) {
        return chunk("[{\"index\":" + choice + ",\"delta\":{\"tool_calls\":[" + String.join(",", fragments) + "]}}]", "null");
    }

    private static final String END = chunk("[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]", "null")
            + chunk("[]", "{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}") + "data: [DONE]\n\n";

    @Test
    void recordsTheFirst1024ToolCallsOfAChoiceWhateverTheirIndexesAndLeavesOutTheRest() {
        RecordingProbe probe = new RecordingProbe("hi");
        StringBuilder sse = new StringBuilder(toolCalls(0, call("-1", "call_neg", "{}"), call("2000000000", "call_huge", "{}")));
        for (int i = 0; i < 1030; i++) {
            sse.append(toolCalls(0, call(String.valueOf(i), "call_" + i, "")));
        }
        // later fragments of a recorded call and of one left out; an index no int holds, fragments that are no object
        sse.append(toolCalls(0, call("1021", null, "{}"), call("1022", null, "{}"), call("1000000000000", "call_long", "{}"), "7", "\"x\""));
        sse.append(END);
        RecordingProbe.stream(new ChatCompletionsObserver(probe.recording, false), sse.toString(), 4096);

        java.util.List<String> ids = probe.of(ToolUsageRecorded.class, ToolUsageRecorded::providerToolCallId);
        assertThat(ids).hasSize(ChatToolCallIndex.MAX_CALLS_PER_CHOICE);
        assertThat(ids.subList(0, 2)).containsExactly("call_neg", "call_0");
        assertThat(ids.subList(ids.size() - 2, ids.size())).containsExactly("call_1021", "call_huge");
        assertThat(probe.of(ToolUsageRecorded.class)).filteredOn(t -> t.providerToolCallId().equals("call_1021"))
                .singleElement().satisfies(t -> assertThat(t.input()).isEqualTo("{}"));
        assertThat(probe.of(TokenUsageRecorded.class, t -> t.inputTokens() + "/" + t.outputTokens())).containsExactly("10/5");
    }

    @Test
    void fragmentsWithoutAnIndexPastTheBoundNeitherAreRecordedNorJoinTheLastRecordedCall() {
        RecordingProbe probe = new RecordingProbe("hi");
        StringBuilder sse = new StringBuilder();
        for (int i = 0; i < 1025; i++) {
            sse.append(toolCalls(0, call(null, "call_" + i, "{\\\"n\\\":" + i + "}")));
        }
        sse.append(toolCalls(0, call(null, null, "tail of call_1024")));
        sse.append(END);
        RecordingProbe.stream(new ChatCompletionsObserver(probe.recording, false), sse.toString(), 4096);

        assertThat(probe.of(ToolUsageRecorded.class)).hasSize(1024).last().satisfies(t -> {
            assertThat(t.providerToolCallId()).isEqualTo("call_1023");
            assertThat(t.input()).isEqualTo("{\"n\":1023}");
        });
    }

    @Test
    void recordsTheToolCallsOfTheFirst128ChoicesOnly() {
        RecordingProbe probe = new RecordingProbe("hi");
        StringBuilder sse = new StringBuilder(toolCalls(2_000_000_000, call("0", "call_huge", "{}")) + toolCalls(-3, call("0", "call_neg", "{}")));
        for (int i = 0; i < 130; i++) {
            sse.append(toolCalls(i, call("0", "call_" + i, "{}")));
        }
        sse.append("data: [DONE]\n\n");
        RecordingProbe.stream(new ChatCompletionsObserver(probe.recording, false), sse.toString(), 4096);

        assertThat(probe.of(ToolUsageRecorded.class, ToolUsageRecorded::providerToolCallId))
                .hasSize(ChatCompletionsObserver.MAX_CHOICES)
                .startsWith("call_neg", "call_0")
                .endsWith("call_125", "call_huge");
    }

    /** Feeds a stream event by event, checking that the observer passes each frame on as it came; the most characters it held. */
    private static long streamWatchingHeld(ChatCompletionsObserver observer, String sse) {
        long[] most = {0};
        io.aibridge.proxy.sse.SseDecoder decoder = new io.aibridge.proxy.sse.SseDecoder(event -> {
            byte[] out = observer.onEvent(event);
            assertThat(out).as("the frame is relayed unchanged").isNull();
            most[0] = Math.max(most[0], observer.heldChars());
            return out;
        }, false, 1 << 20);
        decoder.feed(sse.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        decoder.finish();
        observer.onStreamEnd();
        return most[0];
    }

    /** A call's fragments: its id and name with {@code {"a":"}, {@code pieces} runs of {@code x}, then {@code "}}. */
    private static String streamedCall(int choice, String id, int pieces, int pieceLength) {
        StringBuilder sse = new StringBuilder(toolCalls(choice, call("0", id, "{\\\"a\\\":\\\"")));
        for (int i = 0; i < pieces; i++) {
            sse.append(toolCalls(choice, call("0", null, "x".repeat(pieceLength))));
        }
        return sse.append(toolCalls(choice, call("0", null, "\\\"}"))).toString();
    }

    private static String finish(int choice) {
        return chunk("[{\"index\":" + choice + ",\"delta\":{},\"finish_reason\":\"tool_calls\"}]", "null");
    }

    @Test
    void theOpenCallsOfAStreamHoldAtMostTwiceTheTextLimitAndWhatIsPastItIsFlagged() {
        RecordingProbe probe = new RecordingProbe("hi"); // text limit 1,000
        ChatCompletionsObserver observer = new ChatCompletionsObserver(probe.recording, false, 2000);
        // call_a: id and name 7, arguments 998 (1,005 held); call_b: 7, then 988 of its 998 fit; call_c: its id does not fit
        String sse = streamedCall(0, "call_a", 9, 110) + streamedCall(1, "call_b", 9, 110) + streamedCall(2, "call_c", 9, 110)
                + finish(0) + finish(1) + finish(2)
                // recorded calls give their characters back: a later call has the whole budget again
                + streamedCall(3, "call_d", 9, 110) + finish(3) + "data: [DONE]\n\n";

        long most = streamWatchingHeld(observer, sse);

        assertThat(most).isEqualTo(2000);
        assertThat(observer.heldChars()).isZero();
        String whole = "{\"a\":\"" + "x".repeat(990) + "\"}";
        assertThat(probe.of(ToolUsageRecorded.class)).extracting(ToolUsageRecorded::providerToolCallId)
                .containsExactly("call_a", "call_b", "call_d");
        assertThat(probe.of(ToolUsageRecorded.class)).filteredOn(t -> !t.providerToolCallId().equals("call_b")).allSatisfy(t -> {
            assertThat(t.input()).isEqualTo(whole);
            assertThat(t.metadata()).isEmpty();
        });
        assertThat(probe.of(ToolUsageRecorded.class)).filteredOn(t -> t.providerToolCallId().equals("call_b")).singleElement()
                .satisfies(t -> {
                    assertThat(t.input()).isEqualTo(whole.substring(0, 988));
                    assertThat(t.metadata()).containsEntry("truncated", true).containsEntry("original_length", 998L);
                });
        assertThat(probe.notRecorded()).as("the interception logs that not everything is recorded").isTrue();
        // the default budget: twice the text limit, at least 1 Mi characters
        assertThat(new ChatCompletionsObserver(probe.recording, false).budgetChars()).isEqualTo(1L << 20);
    }

    @Test
    void anUpstreamThatOpensCallsInEveryChoiceWithoutEndHoldsNoMoreThanTheBudget() {
        RecordingProbe probe = new RecordingProbe("hi");
        ChatCompletionsObserver observer = new ChatCompletionsObserver(probe.recording, false, 2000);
        // 128 choices of 8 calls, each streaming 1,000 characters of arguments, none finished before [DONE]:
        // without a budget the observer would hold over a million characters (4 Gi at the default text limit)
        StringBuilder sse = new StringBuilder();
        for (int choice = 0; choice < ChatCompletionsObserver.MAX_CHOICES; choice++) {
            for (int c = 0; c < 8; c++) {
                sse.append(toolCalls(choice, call(String.valueOf(c), "call_" + choice + "_" + c, "")));
            }
        }
        for (int piece = 0; piece < 10; piece++) {
            for (int choice = 0; choice < ChatCompletionsObserver.MAX_CHOICES; choice++) {
                for (int c = 0; c < 8; c++) {
                    sse.append(toolCalls(choice, call(String.valueOf(c), null, "y".repeat(100))));
                }
            }
        }
        sse.append("data: [DONE]\n\n");

        long most = streamWatchingHeld(observer, sse.toString());

        assertThat(most).isLessThanOrEqualTo(2000);
        assertThat(observer.heldChars()).isZero();
        java.util.List<ToolUsageRecorded> tools = probe.of(ToolUsageRecorded.class);
        assertThat(tools).isNotEmpty().hasSizeLessThan(ChatCompletionsObserver.MAX_CHOICES * 8);
        assertThat(tools.stream().mapToLong(t -> t.providerToolCallId().length() + t.tool().length() + t.input().length()).sum())
                .isLessThanOrEqualTo(2000);
        assertThat(tools).allSatisfy(t -> assertThat(t.metadata()).containsEntry("truncated", true).containsEntry("original_length", 1000L));
        assertThat(probe.notRecorded()).isTrue();
    }
}

package io.aibridge.proxy;

import io.aibridge.testing.fake.Api;

import java.util.ArrayList;
import java.util.List;

/**
 * The events each fixture must produce, written out by hand from the fixture files (see
 * {@link ProxyClient#summary}), so that a change in what the proxy records shows up as a diff.
 */
final class Expected {

    private static final String WEATHER = "{\"location\":\"Paris, France\",\"unit\":\"celsius\"}";
    private static final String TIME = "{\"timezone\":\"Europe/Paris\"}";

    private Expected() {
    }

    static List<String> events(Api api, String scenario, boolean stream) {
        List<String> e = new ArrayList<>();
        e.add("started");
        if (scenario.startsWith("error-")) {
            e.add("ended failed " + scenario.substring("error-".length()) + " upstream_error");
            return e;
        }
        if (scenario.equals("hang")) {
            e.add("ended failed 504 timeout");
            return e;
        }
        switch (api) {
            case ANTHROPIC_MESSAGES -> anthropic(e, scenario, stream);
            case OPENAI_CHAT -> chat(e, scenario, stream);
            case OPENAI_RESPONSES -> responses(e, scenario, stream);
        }
        return e;
    }

    private static void anthropic(List<String> e, String scenario, boolean stream) {
        switch (scenario) {
            case "text" -> {
                e.add("prompt msg_01XFDUDYJgAACzvnptvVoYEL Say hello in French and tell me the weather. [scenario:text]");
                e.add(anthropicTokens("msg_01XFDUDYJgAACzvnptvVoYEL", 25, 14, 0, 0, 0, 0));
            }
            case "tool-call" -> {
                e.add("prompt msg_01Aq9w938a90dw8q What's the weather like in Paris? [scenario:tool-call]");
                e.add("tool msg_01Aq9w938a90dw8q toolu_01A09q90qw90lq917835lq9 get_weather " + WEATHER);
                e.add(anthropicTokens("msg_01Aq9w938a90dw8q", 384, 58, 0, 0, 0, 0));
            }
            case "tool-calls" -> {
                String id = "msg_01Bv3nYq2tDq7Wc5LkJ8fR6p";
                e.add("prompt " + id + " What's the weather and the time in Paris? [scenario:tool-calls]");
                e.add("tool " + id + " toolu_01A09q90qw90lq917835lq9 get_weather " + WEATHER);
                e.add("tool " + id + " toolu_01PL4qEZ5gGxXRCc1uzYtb7T get_time " + TIME);
                e.add(anthropicTokens(id, 402, 96, 0, 0, 0, 0));
            }
            case "thinking" -> {
                String id = "msg_01Th1nk1ngXyZ7w8e9r0t1y2";
                e.add("prompt " + id + " What is 27 * 453? Think it through. [scenario:thinking]");
                e.add("thought " + id + " thinking The user asks for 27 × 453. 27 × 453 = 12 231. Vérifions : 453 × 27 = 12 231.");
                e.add(anthropicTokens(id, 61, 212, 0, 0, 0, 0));
            }
            case "cache-tokens" -> {
                String id = "msg_01CacheHitQ8rT5yU2iO9pA3sD";
                e.add("prompt " + id + " When does the contract renew? [scenario:cache-tokens]");
                e.add(anthropicTokens(id, 4, 40, 30000, 1200, 1000, 200));
            }
            case "tool-result" -> e.add(anthropicTokens("msg_01ToolResultAnswer9z8y7x", 472, 15, 0, 0, 0, 0));
            case "stream-error" -> {
                if (stream) {
                    // the provider reports an error inside the stream: relayed, and the interception failed
                    e.add("prompt msg_01OverloadedMidStream7h8j Hello [scenario:stream-error]");
                    e.add(anthropicTokens("msg_01OverloadedMidStream7h8j", 18, 1, 0, 0, 0, 0));
                    e.add("ended failed 200 upstream_error");
                } else {
                    e.add("ended failed 529 upstream_error");
                }
                return;
            }
            case "malformed" -> {
                if (stream) {
                    // unreadable frames are relayed and skipped; the stream ends without message_stop
                    e.add("prompt msg_01MalformedStreamA1b2C3d4 Hello [scenario:malformed]");
                    e.add(anthropicTokens("msg_01MalformedStreamA1b2C3d4", 12, 1, 0, 0, 0, 0));
                    e.add("ended failed 200 stream_truncated");
                    return;
                }
                // an unreadable body is relayed as it is; nothing can be recorded from it
            }
            case "stream-break" -> {
                if (stream) {
                    String id = "msg_01BrokenStreamK2j3h4g5f6";
                    e.add("prompt " + id + " Tell me a long story. [scenario:stream-break]");
                    // the stream broke before message_delta: the last usage seen is message_start's
                    e.add(anthropicTokens(id, 31, 1, 0, 0, 0, 0));
                    e.add("ended failed 200 stream_broken");
                } else {
                    e.add("ended failed 502 upstream_broken");
                }
                return;
            }
            default -> throw new IllegalArgumentException(scenario);
        }
        e.add("ended completed 200");
    }

    private static String anthropicTokens(String id, long in, long out, long read, long write, long w5m, long w1h) {
        return "tokens " + id + " in=" + in + " out=" + out + " cache_read=" + read + " cache_write=" + write
                + " {cache_creation_input=" + write + ",cache_ephemeral_1h_input=" + w1h + ",cache_ephemeral_5m_input=" + w5m
                + ",cache_read_input=" + read + ",web_search_requests=0}";
    }

    private static void chat(List<String> e, String scenario, boolean stream) {
        switch (scenario) {
            case "text" -> {
                String id = "chatcmpl-CZ1kTq8JmXW3fV0b2nY7pL4sR9dHa";
                e.add("prompt " + id + " Say hello in French and tell me the weather. [scenario:text]");
                e.add(chatTokens(id, 28, 15, 0, 0));
            }
            case "tool-call" -> {
                String id = "chatcmpl-CZ1kUa2ToolCallQ7wE4rT1yU8iO";
                e.add("prompt " + id + " What's the weather like in Paris? [scenario:tool-call]");
                e.add("tool " + id + " call_DdmO9pD3xa9XTPNJ32zg2hcA get_weather " + WEATHER);
                e.add(chatTokens(id, 82, 22, 0, 0));
            }
            case "tool-calls" -> {
                String id = "chatcmpl-CZ1kVb3TwoToolsP0oI9uY8tR7eW";
                e.add("prompt " + id + " What's the weather and the time in Paris? [scenario:tool-calls]");
                e.add("tool " + id + " call_DdmO9pD3xa9XTPNJ32zg2hcA get_weather " + WEATHER);
                e.add("tool " + id + " call_ABqhcu9hN0ZkVP1mGmYFsW6q get_time " + TIME);
                e.add(chatTokens(id, 96, 41, 0, 0));
            }
            case "reasoning" -> {
                String id = "chatcmpl-CZ1kWc4ReasoningM5nB6vC7xZ8";
                e.add("prompt " + id + " What is 27 * 453? [scenario:reasoning]");
                e.add(chatTokens(id, 30, 210, 0, 192));
            }
            case "cache-tokens" -> {
                String id = "chatcmpl-CZ1kXd5CacheHitsA1sD2fG3hJ4";
                e.add("prompt " + id + " When does the contract renew? [scenario:cache-tokens]");
                e.add(chatTokens(id, 2006, 300, 1920, 0));
            }
            case "continuous-usage" -> {
                // a running usage on every chunk: the final one is recorded once, and the call whose arguments streamed after the first
                String id = "chatcmpl-3f9c1e7a5b2d4c8e9a0b1c2d3e4f5a6b";
                e.add("prompt " + id + " What's the weather like in Paris? [scenario:continuous-usage]");
                e.add("tool " + id + " chatcmpl-tool-8d2e4f6a0b1c4d3e9f8a7b6c5d4e3f2a get_weather " + WEATHER);
                e.add(chatTokens(id, 152, 19, 0, 0));
            }
            case "tool-result" -> e.add(chatTokens("chatcmpl-CZ1kZf7ToolResultL0kJ9hG8f", 120, 12, 0, 0));
            case "stream-error" -> {
                if (stream) {
                    e.add("prompt chatcmpl-StreamErrorQ1w2E3r4T5 Hello [scenario:stream-error]");
                    e.add("ended failed 200 upstream_error");
                } else {
                    e.add("ended failed 500 upstream_error");
                }
                return;
            }
            case "malformed" -> {
                if (stream) {
                    e.add("prompt chatcmpl-MalformedStreamZ9y8X7w6 Hello [scenario:malformed]");
                    e.add("ended failed 200 stream_truncated");
                    return;
                }
            }
            case "stream-break" -> {
                if (stream) {
                    e.add("prompt chatcmpl-CZ1kYe6BrokenK9jH8gF7dS6aP Tell me a long story. [scenario:stream-break]");
                    e.add("ended failed 200 stream_broken");
                } else {
                    e.add("ended failed 502 upstream_broken");
                }
                return;
            }
            default -> throw new IllegalArgumentException(scenario);
        }
        e.add("ended completed 200");
    }

    /** {@code prompt} is OpenAI's prompt_tokens: recorded input is that minus the cached part. */
    private static String chatTokens(String id, long prompt, long completion, long cached, long reasoning) {
        return "tokens " + id + " in=" + (prompt - cached) + " out=" + completion + " cache_read=" + cached + " cache_write=0"
                + " {completion_accepted_prediction=0,completion_audio=0,completion_reasoning=" + reasoning
                + ",completion_rejected_prediction=0,prompt_audio=0,prompt_cached=" + cached + "}";
    }

    private static void responses(List<String> e, String scenario, boolean stream) {
        switch (scenario) {
            case "text" -> {
                String id = "resp_68a1f0c2b9d48190a3e5c7f1d2b4a6c8";
                e.add("prompt " + id + " Say hello in French and tell me the weather. [scenario:text]");
                e.add(responsesTokens(id, 36, 16, 0, 0));
            }
            case "tool-call" -> {
                String id = "resp_68a1f0d3c4e28190b1a3c5e7f9d1b3a5";
                e.add("prompt " + id + " What's the weather like in Paris? [scenario:tool-call]");
                e.add("tool " + id + " call_Kx7Yp2Qw9Er4Ty6Ui8Op0As2 get_weather " + WEATHER);
                e.add(responsesTokens(id, 310, 25, 0, 0));
            }
            case "tool-calls" -> {
                String id = "resp_68a1f0d6d5f38190a0b2c4e6f8a0c2e4";
                e.add("prompt " + id + " What's the weather and the time in Paris? [scenario:tool-calls]");
                e.add("tool " + id + " call_Kx7Yp2Qw9Er4Ty6Ui8Op0As2 get_weather " + WEATHER);
                e.add("tool " + id + " call_Lm3Nb5Vc7Xz9Qa1Ws3Ed5Rf7 get_time " + TIME);
                e.add(responsesTokens(id, 322, 48, 0, 0));
            }
            case "reasoning" -> {
                String id = "resp_68a1f0e7e6a48190c9d1e3f5a7b9d1f3";
                e.add("prompt " + id + " Fix the failing multiplication test. [scenario:reasoning]");
                e.add("thought " + id + " reasoning_summary **Reading the test**\n\nThe failing test expects 12 231 for 27 × 453.");
                e.add("thought " + id + " reasoning_summary **Checking the fix**\n\nThe multiplication helper overflows; widen it to long.");
                e.add("thought " + id + " commentary I'll look at the failing test before changing the helper.");
                e.add(responsesTokens(id, 1200, 380, 0, 256));
            }
            case "cache-tokens" -> {
                String id = "resp_68a1f0fbcae88190f6a8c0e2d4f6a8c0";
                e.add("prompt " + id + " When does the contract renew? [scenario:cache-tokens]");
                e.add(responsesTokens(id, 5000, 120, 4864, 64));
            }
            case "bare-usage" -> {
                String id = "resp_5b0e9c2d7a3f4e1b8c6d0a9f2e4b7c13";
                e.add("prompt " + id + " Say hello in French. [scenario:bare-usage]");
                e.add(responsesTokens(id, 42, 9, 0, 0));
            }
            case "tool-result" -> e.add(responsesTokens("resp_68a1f11e0e1c8190d4e6f8a0b2c4e6f8", 350, 12, 0, 0));
            case "incomplete" -> {
                // stopped at max_output_tokens: a terminal response, with its usage
                String id = "resp_68a1f0c2b9d48190a3e5c7f1d2b4a6c8";
                e.add("prompt " + id + " Say hello in French and tell me the weather. [scenario:incomplete]");
                e.add(responsesTokens(id, 36, 16, 0, 0));
            }
            case "failed" -> {
                String id = "resp_68a1f0c2b9d48190a3e5c7f1d2b4a6c8";
                e.add("prompt " + id + " Say hello in French and tell me the weather. [scenario:failed]");
                e.add(responsesTokens(id, 36, 0, 0, 0));
                e.add("ended failed 200 upstream_error");
                return;
            }
            case "stream-error" -> {
                if (stream) {
                    // an error event after the stream started: relayed, and the interception failed
                    e.add("prompt resp_68a1f1305d2e8190b7c9e1a3f5d7b9e1 Hello [scenario:stream-error]");
                    e.add("ended failed 200 upstream_error");
                } else {
                    e.add("ended failed 500 upstream_error");
                }
                return;
            }
            case "malformed" -> {
                if (stream) {
                    // unreadable events are relayed and skipped; the stream ends without a terminal response
                    e.add("prompt resp_68a1f1417f408190c9a1b3d5e7f9a1c3 Hello [scenario:malformed]");
                    e.add("ended failed 200 stream_truncated");
                    return;
                }
                // an unreadable body is relayed as it is; nothing can be recorded from it
            }
            case "stream-break" -> {
                if (stream) {
                    e.add("prompt resp_68a1f10cecfa8190e5f7a9c1b3d5f7a9 Tell me a long story. [scenario:stream-break]");
                    e.add("ended failed 200 stream_broken");
                } else {
                    e.add("ended failed 502 upstream_broken");
                }
                return;
            }
            default -> throw new IllegalArgumentException(scenario);
        }
        e.add("ended completed 200");
    }

    private static String responsesTokens(String id, long input, long output, long cached, long reasoning) {
        return "tokens " + id + " in=" + (input - cached) + " out=" + output + " cache_read=" + cached + " cache_write=0"
                + " {input_cached=" + cached + ",output_reasoning=" + reasoning + ",total_tokens=" + (input + output) + "}";
    }
}

package io.aibridge.testing.fake;

import java.util.List;

/** The models lists the fake serves, in each provider's shape. */
final class Models {

    private record Model(String id, String displayName, String createdAt, long created, String ownedBy) {
    }

    private static final List<Model> ANTHROPIC = List.of(
            new Model("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z", 0, null),
            new Model("claude-haiku-4-5-20251001", "Claude Haiku 4.5", "2025-10-01T00:00:00Z", 0, null),
            new Model("claude-opus-4-1-20250805", "Claude Opus 4.1", "2025-08-05T00:00:00Z", 0, null));
    private static final List<Model> OPENAI = List.of(
            new Model("gpt-4o-mini", null, null, 1721172741L, "system"),
            new Model("o4-mini", null, null, 1744225351L, "system"),
            new Model("gpt-5.3-codex", null, null, 1764201600L, "system"));

    private Models() {
    }

    static String anthropicList() {
        StringBuilder b = new StringBuilder("{\"data\":[");
        for (int i = 0; i < ANTHROPIC.size(); i++) {
            b.append(i == 0 ? "" : ",").append(anthropic(ANTHROPIC.get(i)));
        }
        return b.append("],\"has_more\":false,\"first_id\":\"").append(ANTHROPIC.get(0).id())
                .append("\",\"last_id\":\"").append(ANTHROPIC.get(ANTHROPIC.size() - 1).id()).append("\"}").toString();
    }

    static String anthropicModel(String id) {
        return ANTHROPIC.stream().filter(m -> m.id().equals(id)).findFirst().map(Models::anthropic).orElse(null);
    }

    static String openAiList() {
        StringBuilder b = new StringBuilder("{\"object\":\"list\",\"data\":[");
        for (int i = 0; i < OPENAI.size(); i++) {
            b.append(i == 0 ? "" : ",").append(openAi(OPENAI.get(i)));
        }
        return b.append("]}").toString();
    }

    static String openAiModel(String id) {
        return OPENAI.stream().filter(m -> m.id().equals(id)).findFirst().map(Models::openAi).orElse(null);
    }

    private static String anthropic(Model m) {
        return "{\"type\":\"model\",\"id\":\"" + m.id() + "\",\"display_name\":\"" + m.displayName()
                + "\",\"created_at\":\"" + m.createdAt() + "\"}";
    }

    private static String openAi(Model m) {
        return "{\"id\":\"" + m.id() + "\",\"object\":\"model\",\"created\":" + m.created() + ",\"owned_by\":\"" + m.ownedBy() + "\"}";
    }
}

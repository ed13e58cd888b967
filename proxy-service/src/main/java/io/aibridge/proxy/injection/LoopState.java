package io.aibridge.proxy.injection;

import io.aibridge.proxy.mcp.ToolSet;

/** What the rounds of one interception's tool loop share. */
final class LoopState {

    final ToolSet tools;
    final boolean streaming;
    /** Chat: the client asked for usage itself ({@code stream_options.include_usage}). */
    final boolean clientAskedUsage;
    final UsageTotals totals = new UsageTotals();
    /**
     * The most characters of text and tool call arguments one streamed round holds for its injected
     * calls and follow-up: the budget of a Chat stream's open tool calls, twice the events' text limit
     * ({@code AIBRIDGE_EVENTS_MAX_PROMPT_CHARS}) and at least 1 Mi ({@link io.aibridge.proxy.interception.TextBudget#streamChars}).
     */
    final long maxHeldChars;
    /** The upstream call in progress, from 1. */
    int round;
    /** Rounds whose injected calls were run. */
    int toolRounds;
    /** This round was asked to answer without tools: its injected calls are not run. */
    boolean finalRound;
    /** Anthropic: the next content block index the client sees (blocks of all rounds are numbered on). */
    int nextBlockIndex;
    /** Chat: the first response's id; later rounds' chunks carry it too, so the client sees one completion. */
    String firstId;

    LoopState(ToolSet tools, boolean streaming, boolean clientAskedUsage, long maxHeldChars) {
        this.tools = tools;
        this.maxHeldChars = maxHeldChars;
        this.streaming = streaming;
        this.clientAskedUsage = clientAskedUsage;
    }
}

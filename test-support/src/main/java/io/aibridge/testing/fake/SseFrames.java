package io.aibridge.testing.fake;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Small helpers over SSE text as the fixtures store it (frames end with a blank line, {@code \n\n}). */
public final class SseFrames {

    /** A content block frame's own index: its first {@code "index"} member (the block's JSON comes after it). */
    private static final Pattern BLOCK_INDEX = Pattern.compile("\"index\":\\s*(\\d+)");

    private SseFrames() {
    }

    /** The frames of an SSE text, each with its terminating blank line. */
    public static List<String> split(String sse) {
        List<String> frames = new ArrayList<>();
        int from = 0;
        while (from < sse.length()) {
            int end = sse.indexOf("\n\n", from);
            if (end < 0) {
                frames.add(sse.substring(from));
                break;
            }
            frames.add(sse.substring(from, end + 2));
            from = end + 2;
        }
        return frames;
    }

    /**
     * A Chat Completions frame as the provider sends it when the request did not set
     * {@code stream_options.include_usage}: the usage-only final chunk (empty {@code choices}) is not
     * sent at all (null), and the other chunks have no {@code usage} member.
     */
    public static String withoutUsage(String frame) {
        if (frame.contains("\"choices\":[]") && frame.contains("\"usage\":{")) {
            return null;
        }
        return frame.replace(",\"usage\":null", "");
    }

    /** The JSON of each {@code data:} line, in order ({@code [DONE]} included as is). */
    public static List<String> data(String sse) {
        List<String> out = new ArrayList<>();
        for (String frame : split(sse)) {
            for (String line : frame.split("\n")) {
                if (line.startsWith("data:")) {
                    out.add(line.substring(line.startsWith("data: ") ? 6 : 5));
                }
            }
        }
        return out;
    }

    /**
     * An Anthropic Messages stream whose content block {@code index} (its {@code content_block_start},
     * deltas and {@code content_block_stop}) is sent {@code times} times in a row, each copy and every
     * later block numbered on, as a model that streams very many blocks would. Other frames are left
     * as they are; a block the stream never stops is not sent.
     */
    public static List<String> repeatBlock(List<String> frames, int index, int times) {
        List<String> block = new ArrayList<>();
        List<String> out = new ArrayList<>();
        for (String frame : frames) {
            Matcher m = blockIndex(frame);
            int at = m == null ? -1 : Integer.parseInt(m.group(1));
            if (at == index) {
                block.add(frame);
                if (frame.startsWith("event: content_block_stop\n")) {
                    for (int copy = 0; copy < times; copy++) {
                        for (String f : block) {
                            out.add(withIndex(f, index + copy));
                        }
                    }
                }
            } else {
                out.add(at > index ? withIndex(frame, at + times - 1) : frame);
            }
        }
        return out;
    }

    private static Matcher blockIndex(String frame) {
        if (!frame.startsWith("event: content_block_")) {
            return null;
        }
        Matcher m = BLOCK_INDEX.matcher(frame);
        return m.find() ? m : null;
    }

    private static String withIndex(String frame, int index) {
        Matcher m = blockIndex(frame);
        return frame.substring(0, m.start(1)) + index + frame.substring(m.end(1));
    }
}

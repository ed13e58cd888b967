package io.aibridge.testing.fake;

import java.util.ArrayList;
import java.util.List;

/** Small helpers over SSE text as the fixtures store it (frames end with a blank line, {@code \n\n}). */
public final class SseFrames {

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
}

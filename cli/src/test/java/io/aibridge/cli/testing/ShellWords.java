package io.aibridge.cli.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A printed command line split into words by a real shell (bash), as a user pasting it would. */
public final class ShellWords {

    private ShellWords() {
    }

    /** The words bash reads from {@code line}. */
    public static List<String> split(String line) {
        try {
            Process p = new ProcessBuilder("bash", "--norc", "--noprofile", "-c", "printf '%s\\0' " + line)
                    .redirectErrorStream(false).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0 || !err.isEmpty()) {
                throw new AssertionError("bash could not read " + line + ": " + err);
            }
            List<String> words = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < out.length; i++) {
                if (out[i] == 0) {
                    words.add(new String(out, start, i - start, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            return words;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The words of the command that follows {@code prefix} (such as {@code "Next page: "}) in {@code out}, without {@code aibridge}. */
    public static List<String> argsAfter(String prefix, String out) {
        int at = out.indexOf(prefix);
        if (at < 0) {
            throw new AssertionError("no \"" + prefix + "\" in\n" + out);
        }
        String line = out.substring(at + prefix.length()).lines().findFirst().orElseThrow();
        List<String> words = split(line);
        if (words.isEmpty() || !words.get(0).equals("aibridge")) {
            throw new AssertionError("not an aibridge command: " + line);
        }
        return words.subList(1, words.size());
    }
}

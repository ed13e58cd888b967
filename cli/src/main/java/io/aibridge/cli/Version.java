package io.aibridge.cli;

import picocli.CommandLine;

/** The command's version, from the jar's manifest (the Maven project version). */
public final class Version implements CommandLine.IVersionProvider {

    public static final String VERSION = read();

    @Override
    public String[] getVersion() {
        return new String[] {"aibridge " + VERSION};
    }

    private static String read() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}

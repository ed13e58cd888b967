package io.aibridge.proxy.mcp;

import org.jboss.logging.Logger;

import java.util.regex.Pattern;

/**
 * Which of a server's tools are injected, by their original name. A pattern matches when it is
 * found anywhere in the name (anchor it with {@code ^...$} for whole names), as in the reference.
 * With an allow pattern only matching tools are kept; a deny pattern removes matching tools and
 * wins when a name matches both (the conflict is logged).
 */
public record ToolFilter(Pattern allow, Pattern deny) {

    private static final Logger LOG = Logger.getLogger(ToolFilter.class);

    /** Nothing filtered. */
    public static final ToolFilter NONE = new ToolFilter(null, null);

    /** True when the tool is injected. */
    public boolean test(String server, String tool) {
        boolean allowed = allow == null || allow.matcher(tool).find();
        if (deny != null && deny.matcher(tool).find()) {
            if (allow != null && allowed) {
                LOG.warnf("MCP server %s: tool %s matches both the allow and the deny pattern; deny wins, it is not injected", server, tool);
            }
            return false;
        }
        return allowed;
    }
}

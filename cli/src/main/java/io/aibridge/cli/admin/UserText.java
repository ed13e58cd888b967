package io.aibridge.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.cli.text.Format;

import java.io.PrintWriter;

/** A user or an API key as readable text. */
final class UserText {

    private UserText() {
    }

    static void user(PrintWriter out, JsonNode u) {
        row(out, "Username", Format.text(u, "username"));
        row(out, "Name", Format.text(u, "name"));
        row(out, "Email", Format.text(u, "email"));
        row(out, "Role", Format.text(u, "role"));
        row(out, "Status", Format.text(u, "status"));
        row(out, "ID", Format.text(u, "id"));
        if (!Format.text(u, "avatar_url").isEmpty()) {
            row(out, "Avatar", Format.text(u, "avatar_url"));
        }
        row(out, "Created", Format.time(u.get("created_at")));
        row(out, "Updated", Format.time(u.get("updated_at")));
    }

    static void key(PrintWriter out, JsonNode k) {
        row(out, "Key ID", Format.text(k, "id"));
        row(out, "Name", Format.text(k, "name"));
        row(out, "User ID", Format.text(k, "user_id"));
        row(out, "Status", Format.text(k, "status"));
        row(out, "Created", Format.time(k.get("created_at")));
        row(out, "Expires", k.hasNonNull("expires_at") ? Format.time(k.get("expires_at")) : "never");
        if (k.hasNonNull("revoked_at")) {
            row(out, "Revoked", Format.time(k.get("revoked_at")));
        }
    }

    private static void row(PrintWriter out, String label, String value) {
        out.printf("%-9s %s%n", label, value);
    }
}

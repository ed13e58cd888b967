package io.aibridge.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.cli.testing.Cli;
import io.aibridge.cli.testing.World;
import io.aibridge.cli.testing.WorldExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code aibridge users ...} and {@code aibridge keys ...} against a running query-service. */
@ExtendWith(WorldExtension.class)
class AdminCommandsTest {

    static World world;
    static Cli admin;

    @BeforeAll
    static void setUp(World w) {
        world = w;
        admin = w.admin;
    }

    @Test
    void createShowsTheNewUserAndListShowsEveryUser() {
        Cli.Result created = admin.ok("users", "create", "dave", "--name", "Dave Ops", "--email", "dave@example.com", "--role", "auditor");
        Cli.Result list = admin.ok("users", "list");
        JsonNode json = admin.ok("users", "list", "--output", "json").json();

        assertThat(created.stdout()).startsWith("Created user dave.\nUsername  dave\nName      Dave Ops\nEmail     dave@example.com\n"
                + "Role      auditor\nStatus    active\nID        ");
        assertThat(list.stdout().lines().findFirst().orElseThrow()).matches("USERNAME +NAME +EMAIL +ROLE +STATUS +ID +CREATED");
        assertThat(list.stdout()).containsPattern("\ndave +Dave Ops +dave@example\\.com +auditor +active +[0-9a-f-]{36} +20");
        assertThat(json.get("users")).extracting(u -> u.get("username").asText()).contains("admin", "alice", "bob", "carol", "dave");
        assertThat(json.get("count").asInt()).isEqualTo(json.get("users").size());
    }

    @Test
    void showFindsAUserByNameOrIdAndMeIsTheCaller() {
        JsonNode byName = admin.ok("users", "show", "alice", "--output", "json").json();
        Cli.Result byId = admin.ok("users", "show", world.alice.id().toString());
        Cli.Result me = world.as(world.bob).ok("users", "show", "me");

        assertThat(byName.get("id").asText()).isEqualTo(world.alice.id().toString());
        assertThat(byName.get("email").asText()).isEqualTo("alice@example.com");
        assertThat(byId.stdout()).contains("Username  alice").contains("Role      member");
        assertThat(me.stdout()).contains("Username  bob").contains("ID        " + world.bob.id());
    }

    @Test
    void updateChangesOnlyTheGivenFields() {
        admin.ok("users", "create", "erin", "--name", "Erin", "--email", "erin@example.com");

        Cli.Result promoted = admin.ok("users", "update", "erin", "--role", "owner", "--name", "Erin Admin");
        JsonNode cleared = admin.ok("users", "update", "erin", "--email", "", "--output", "json").json();
        JsonNode suspended = admin.ok("users", "update", "erin", "--status", "suspended", "--output", "json").json();

        assertThat(promoted.stdout()).contains("Updated user erin.").contains("Name      Erin Admin").contains("Role      owner")
                .contains("Email     erin@example.com");
        assertThat(cleared.has("email")).isFalse();
        assertThat(cleared.get("role").asText()).isEqualTo("owner");
        assertThat(suspended.get("status").asText()).isEqualTo("suspended");
        assertThat(suspended.get("name").asText()).isEqualTo("Erin Admin");
    }

    @Test
    void keysCreatePrintsTheTokenAloneOnStdoutAndItWorks() {
        admin.ok("users", "create", "frank");

        Cli.Result created = admin.ok("keys", "create", "frank", "--name", "laptop", "--expires-in", "30d");
        String token = created.stdout().strip();

        assertThat(created.stdout()).matches("aib_[A-Za-z0-9]+_[A-Za-z0-9_-]+\n");
        assertThat(created.stderr()).containsPattern("Created API key [A-Za-z0-9]+ for frank \\(\"laptop\"\\), expires 20\\d\\d-")
                .contains("This is the only time the key is shown; store it now:");
        assertThat(admin.withToken(token).ok("users", "show", "me").stdout()).contains("Username  frank");
    }

    @Test
    void keysListShowsKeysWithoutSecretsAndRevokeStopsTheKey() {
        admin.ok("users", "create", "grace");
        String token = admin.ok("keys", "create", "grace", "--name", "ci").stdout().strip();
        JsonNode asJson = admin.ok("keys", "create", "grace", "--name", "spare", "--output", "json").json();
        String keyId = token.split("_")[1];

        Cli.Result list = admin.ok("keys", "list", "grace");
        Cli.Result revoked = admin.ok("keys", "revoke", "grace", keyId);
        JsonNode after = admin.ok("keys", "list", "grace", "--output", "json").json();
        Cli.Result rejected = awaitRejected(admin.withToken(token));

        assertThat(asJson.get("token").asText()).startsWith("aib_" + asJson.get("id").asText() + "_");
        assertThat(list.stdout().lines().findFirst().orElseThrow()).matches("ID +NAME +STATUS +CREATED +EXPIRES +REVOKED");
        assertThat(list.stdout()).containsPattern(keyId + " +ci +active +20\\S+ +never").doesNotContain(token);
        assertThat(revoked.stdout()).startsWith("Revoked API key " + keyId + " of grace at 20");
        assertThat(after.get("keys")).filteredOn(k -> k.get("id").asText().equals(keyId))
                .singleElement().satisfies(k -> assertThat(k.get("status").asText()).isEqualTo("revoked"));
        assertThat(after.toString()).doesNotContain(token.substring(("aib_" + keyId + "_").length()));
        assertThat(rejected.exitCode()).isEqualTo(2);
        assertThat(rejected.stderr()).startsWith("Authentication required. (HTTP 401)\n");
    }

    @Test
    void onlyOwnersAdministerAndTheServerSaysWhy() {
        Cli.Result r = world.as(world.carol).run("users", "list");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).isEqualTo("Forbidden. (HTTP 403)\nOnly owners can manage users and API keys.\n");
    }

    @Test
    void aTakenUsernameIsAConflict() {
        Cli.Result r = admin.run("users", "create", "alice");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).contains("(HTTP 409)");
        assertThat(r.stdout()).isEmpty();
    }

    @Test
    void anUnknownUserIsNotFound() {
        Cli.Result show = admin.run("users", "show", "nobody");
        Cli.Result keys = admin.run("keys", "list", "nobody");

        assertThat(List.of(show.exitCode(), keys.exitCode())).containsOnly(2);
        assertThat(show.stderr()).startsWith("User not found. (HTTP 404)");
    }

    /** A revoked key stops working within the identity reader's poll interval. */
    private static Cli.Result awaitRejected(Cli cli) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        Cli.Result r;
        do {
            r = cli.run("users", "show", "me");
        } while (r.exitCode() == 0 && Instant.now().isBefore(deadline));
        return r;
    }
}

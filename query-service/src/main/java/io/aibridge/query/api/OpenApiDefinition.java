package io.aibridge.query.api;

import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeIn;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.info.License;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.security.SecuritySchemes;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The OpenAPI document's header: what the API is and how callers authenticate. */
@OpenAPIDefinition(
        info = @Info(title = "AI Bridge query API", version = "v2",
                description = "Sessions, threads, interceptions and usage recorded by AI Bridge, plus user and API key"
                        + " management. Every endpoint needs an API key (aib_<id>_<secret>) in Authorization: Bearer,"
                        + " X-Api-Key or Coder-Session-Token. Owners and auditors read every record; members read their"
                        + " own. Only owners manage users and keys. Errors are {message, detail, validations[]}.",
                license = @License(name = "Apache-2.0")),
        tags = {
                @Tag(name = "Sessions", description = "Sessions and their threads"),
                @Tag(name = "Interceptions", description = "Recorded requests with their prompts, tokens, tool calls and thoughts"),
                @Tag(name = "Catalog", description = "Models and clients seen"),
                @Tag(name = "Usage", description = "Token and request totals per user, model, client or provider"),
                @Tag(name = "Users", description = "Users and API keys (owners only, except /users/me)")
        },
        security = {@SecurityRequirement(name = "bearer"), @SecurityRequirement(name = "apiKey"),
                @SecurityRequirement(name = "coderSessionToken")})
@SecuritySchemes({
        @SecurityScheme(securitySchemeName = "bearer", type = SecuritySchemeType.HTTP, scheme = "bearer",
                description = "Authorization: Bearer aib_<id>_<secret>"),
        @SecurityScheme(securitySchemeName = "apiKey", type = SecuritySchemeType.APIKEY, in = SecuritySchemeIn.HEADER,
                apiKeyName = "X-Api-Key", description = "X-Api-Key: aib_<id>_<secret>"),
        @SecurityScheme(securitySchemeName = "coderSessionToken", type = SecuritySchemeType.APIKEY, in = SecuritySchemeIn.HEADER,
                apiKeyName = "Coder-Session-Token", description = "Coder-Session-Token: aib_<id>_<secret> (reference-compatible)")
})
public class OpenApiDefinition extends Application {
}

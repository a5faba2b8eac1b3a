using Faultline.Core.Ingest;
using Faultline.Core.Storage;
using Faultline.Web.Endpoints;

namespace Faultline.Web.Auth;

/// <summary>
/// Token-authenticated management API.
/// Scope rules (who may do what):
///   GET    /api/{project_id}/tokens/              any token covering the project (project, all, admin): lists name, prefix,
///                                                 scope, created, last used — never a secret.
///   POST   /api/{project_id}/tokens/              admin-scoped tokens only; creates a project-scoped token for that project.
///   DELETE /api/{project_id}/tokens/{token_id}/   admin-scoped tokens only; revokes a token of that project (404 otherwise).
///   POST   /api/v1/register                       admin-scoped tokens only; creates a project.
///   GET    /api/{project_id}/dsn/                 any token covering the project.
/// A project or all-scoped token cannot mint or revoke tokens: a leaked read token cannot
/// make itself permanent or lock its owner out. all/admin tokens are minted only by an
/// administrator (dashboard or CLI).
/// </summary>
public static class ManagementApi
{
    public sealed record CreateTokenBody(string? Name, string? Scope);
    public sealed record RegisterBody(string? Name, string? Rig);

    public static IEndpointRouteBuilder MapManagementApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/{project_id}/tokens/", async (long project_id, FaultlineStore store, ProjectDirectory dir) =>
        {
            if (dir.ById(project_id) is null) return ApiAuth.Error(404, $"project {project_id} not found");
            var tokens = await store.ListTokensAsync(project_id);
            return Results.Json(tokens.Select(TokenJson), ApiJson.Options);
        }).RequireToken();

        app.MapPost("/api/{project_id}/tokens/", async (long project_id, CreateTokenBody? body, FaultlineStore store, ProjectDirectory dir, ILoggerFactory logs) =>
        {
            if (dir.ById(project_id) is null) return ApiAuth.Error(404, $"project {project_id} not found");
            var name = body?.Name?.Trim();
            if (string.IsNullOrEmpty(name) || name.Length > 200) return ApiAuth.Error(400, "name is required (at most 200 characters)");
            if (body!.Scope is { } s && s != TokenScope.Project)
                return ApiAuth.Error(400, "scope must be \"project\": all and admin tokens are created by an administrator in the dashboard or CLI");
            var created = await store.CreateTokenAsync(name, project_id, TokenScope.Project);
            logs.CreateLogger("Faultline.Api.Tokens").LogInformation("Created token {TokenId} for project {ProjectId} via API", created.Token.Id, project_id);
            return Results.Json(new
            {
                id = created.Token.Id, name = created.Token.Name, token = created.Secret, scope = created.Token.Scope,
                project_id, prefix = created.Token.Prefix, created_at = ApiJson.Iso(created.Token.CreatedAt),
            }, ApiJson.Options, statusCode: 201);
        }).RequireToken(admin: true);

        app.MapDelete("/api/{project_id}/tokens/{token_id}/", async (long project_id, long token_id, FaultlineStore store, ILoggerFactory logs) =>
        {
            var t = await store.GetTokenAsync(token_id);
            if (t is null || t.ProjectId != project_id || t.RevokedAt is not null)
                return ApiAuth.Error(404, $"token {token_id} not found in project {project_id}");
            await store.RevokeTokenAsync(token_id);
            logs.CreateLogger("Faultline.Api.Tokens").LogInformation("Revoked token {TokenId} of project {ProjectId} via API", token_id, project_id);
            return Results.NoContent();
        }).RequireToken(admin: true);

        app.MapPost("/api/v1/register", async (RegisterBody? body, ProjectRegistration registration) =>
        {
            var name = body?.Name?.Trim();
            if (string.IsNullOrEmpty(name) || name.Length > ProjectRegistration.MaxNameLength)
                return ApiAuth.Error(400, $"name is required (at most {ProjectRegistration.MaxNameLength} characters)");
            if (body!.Rig is { Length: > 200 }) return ApiAuth.Error(400, "rig is at most 200 characters");
            var (project, dsn) = await registration.CreateAsync(name, body.Rig);
            return Results.Json(new { project_id = project.Id, dsn, public_key = project.PublicKey }, ApiJson.Options, statusCode: 201);
        }).RequireToken(admin: true);

        app.MapGet("/api/{project_id}/dsn/", (long project_id, ProjectDirectory dir, ProjectRegistration registration) =>
            dir.ById(project_id) is { } p
                ? Results.Json(new { project_id = p.Id, dsn = registration.DsnFor(p), public_key = p.PublicKey }, ApiJson.Options)
                : ApiAuth.Error(404, $"project {project_id} not found")).RequireToken();

        return app;
    }

    internal static object TokenJson(ApiToken t) => new
    {
        id = t.Id, name = t.Name, prefix = t.Prefix, scope = t.Scope, project_id = t.ProjectId,
        created_at = ApiJson.Iso(t.CreatedAt), last_used_at = ApiJson.Iso(t.LastUsedAt),
    };
}

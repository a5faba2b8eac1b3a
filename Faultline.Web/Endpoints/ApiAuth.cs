using Faultline.Core.Storage;

namespace Faultline.Web.Endpoints;

/// <summary>
/// Bearer-token authentication for the management/read API. 401 when the token is missing or
/// unknown/revoked, 403 when it does not cover the project (or is not admin where required).
/// The token itself is never logged.
/// </summary>
public static class ApiAuth
{
    public const string TokenItem = "faultline.token";

    public static ApiToken? CurrentToken(this HttpContext ctx) => ctx.Items[TokenItem] as ApiToken;

    /// <summary>Endpoint filter: requires a token; when the route has {project_id}, requires it to cover that project.</summary>
    public static RouteHandlerBuilder RequireToken(this RouteHandlerBuilder b, bool admin = false) =>
        b.AddEndpointFilter(async (ctx, next) =>
        {
            var http = ctx.HttpContext;
            var (token, problem) = await Authenticate(http);
            if (problem != null) return problem;
            if (admin && token!.Scope != TokenScope.Admin)
                return Error(403, "this endpoint needs an admin-scoped token");
            if (http.Request.RouteValues.TryGetValue("project_id", out var raw) && raw is string s)
            {
                if (!long.TryParse(s, out var pid)) return Error(400, "project id must be numeric");
                if (!TokenScope.Covers(token!, pid)) return Error(403, $"token does not grant access to project {pid}");
            }
            http.Items[TokenItem] = token;
            return await next(ctx);
        });

    private static async Task<(ApiToken?, IResult?)> Authenticate(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header) || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return (null, Error(401, "missing bearer token: send Authorization: Bearer fl_..."));
        var secret = header["Bearer ".Length..].Trim();
        var store = http.RequestServices.GetRequiredService<FaultlineStore>();
        var token = await store.FindTokenAsync(secret);
        return token is null ? (null, Error(401, "unknown or revoked token")) : (token, null);
    }

    public static IResult Error(int status, string detail) =>
        Results.Json(new { detail }, statusCode: status);
}

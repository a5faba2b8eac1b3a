using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Faultline.Core.Storage;
using Faultline.Tests.Fixtures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Xunit.Abstractions;

namespace Faultline.Tests.Accounts;

/// <summary>
/// Every route the app maps (read from its EndpointDataSources) × every kind of caller → the
/// expected status (and redirect target). A route missing from <see cref="Routes"/> fails the
/// test, so nobody can add an endpoint without deciding who may call it. Static web assets
/// (the theme and blazor.web.js) are public by design and checked as a group.
/// </summary>
public sealed class AuthorizationMatrixTests(ITestOutputHelper output) : IAsyncLifetime
{
    private FaultlineServer _server = null!;
    private readonly Dictionary<Caller, Func<HttpRequestMessage, HttpRequestMessage>> _callers = new();
    private readonly Dictionary<Caller, HttpClient> _clients = new();

    public enum Caller { Anonymous, BadToken, RevokedToken, OtherProjectToken, Member, Admin, ProjectToken, AdminToken }

    /// <summary>What a route is; the expectation per caller follows from it (see <see cref="Expect"/>).</summary>
    public enum Kind
    {
        /// <summary>A dashboard page any signed-in user may see.</summary>
        Page,
        /// <summary>A dashboard path that answers 404 to signed-in users (an unknown page).</summary>
        PageNotFound,
        /// <summary>The component kit: Development only, 404 to signed-in users in Production whatever the method.</summary>
        DevOnly,
        /// <summary>Administrators only (users, tokens).</summary>
        AdminPage,
        /// <summary>Anonymous sign-in pages.</summary>
        LoginPage,
        /// <summary>Anonymous refusal pages (403 with an explanation).</summary>
        RefusalPage,
        /// <summary>/setup after first run: gone, redirects to /login.</summary>
        SetupDone,
        /// <summary>A bearer-token route scoped to {project_id} (read API, token list, DSN).</summary>
        ProjectApi,
        /// <summary>A bearer-token route over every project the token covers (project list).</summary>
        ListApi,
        /// <summary>Admin-scoped tokens only (register, create/revoke tokens).</summary>
        AdminApi,
        /// <summary>POST with antiforgery, no session needed (logout): 400 without a token.</summary>
        AntiforgeryPost,
        /// <summary>Exists only when OIDC is configured: 404 here.</summary>
        OidcOff,
        /// <summary>The root redirect to the dashboard.</summary>
        Root,
        /// <summary>The Blazor circuit hub: signed-in users only.</summary>
        Circuit,
        /// <summary>Blazor's redirect helper for enhanced navigation: signed-in users only.</summary>
        OpaqueRedirect,
        /// <summary>Public, no secrets (the health endpoint): 200 for everyone.</summary>
        Public,
        /// <summary>HMAC-signed webhooks: no caller without a valid signature gets in (401), whatever else it sends.</summary>
        Webhook,
        /// <summary>The static-file fallback (present when the host serves a physical web root): unknown files are 404 for everyone.</summary>
        StaticFallback,
    }

    /// <summary>Every non-static route: "METHOD pattern" → kind. Add new routes here.</summary>
    private static readonly Dictionary<string, Kind> Routes = new()
    {
        ["GET /"] = Kind.Root,
        ["GET /api/v1/projects/"] = Kind.ListApi,
        ["GET /api/{project_id}/issues/"] = Kind.ProjectApi,
        ["GET /api/{project_id}/issues/{issue_id}/"] = Kind.ProjectApi,
        ["PUT /api/{project_id}/issues/{issue_id}/"] = Kind.ProjectApi,
        ["GET /api/{project_id}/issues/{issue_id}/events/"] = Kind.ProjectApi,
        ["GET /api/{project_id}/events/{event_id}/"] = Kind.ProjectApi,
        ["GET /api/{project_id}/issues/{issue_id}/lifecycle/"] = Kind.ProjectApi,
        ["GET /api/{project_id}/tokens/"] = Kind.ProjectApi,
        ["POST /api/{project_id}/tokens/"] = Kind.AdminApi,
        ["DELETE /api/{project_id}/tokens/{token_id}/"] = Kind.AdminApi,
        ["POST /api/v1/register"] = Kind.AdminApi,
        ["GET /api/{project_id}/dsn/"] = Kind.ProjectApi,
        ["POST /logout"] = Kind.AntiforgeryPost,
        ["POST /login/oidc"] = Kind.OidcOff,
        ["GET /login"] = Kind.LoginPage,
        ["POST /login"] = Kind.LoginPage,
        ["GET /setup"] = Kind.SetupDone,
        ["POST /setup"] = Kind.SetupDone,
        ["GET /login/refused"] = Kind.RefusalPage,
        ["POST /login/refused"] = Kind.RefusalPage,
        ["GET /login/denied"] = Kind.RefusalPage,
        ["POST /login/denied"] = Kind.RefusalPage,
        ["GET /dashboard/admin/users"] = Kind.AdminPage,
        ["POST /dashboard/admin/users"] = Kind.AdminPage,
        ["GET /dashboard/admin/tokens"] = Kind.AdminPage,
        ["POST /dashboard/admin/tokens"] = Kind.AdminPage,
        ["GET /not-found"] = Kind.Page,
        ["POST /not-found"] = Kind.Page,
        ["GET /dashboard/"] = Kind.Page,
        ["POST /dashboard/"] = Kind.Page,
        ["GET /dashboard/projects/{ProjectId:long}/issues"] = Kind.Page,
        ["POST /dashboard/projects/{ProjectId:long}/issues"] = Kind.Page,
        ["GET /dashboard/projects/{ProjectId:long}/issues/{IssueId:long}"] = Kind.Page,
        ["POST /dashboard/projects/{ProjectId:long}/issues/{IssueId:long}"] = Kind.Page,
        ["GET /dashboard/projects/{ProjectId:long}/settings"] = Kind.Page,
        ["POST /dashboard/projects/{ProjectId:long}/settings"] = Kind.Page,
        ["GET /_health"] = Kind.Public,
        ["GET /api/{project_id}/ops/"] = Kind.ProjectApi,
        ["GET /api/{project_id}/issues/{issue_id}/history/"] = Kind.ProjectApi,
        ["GET /api/{project_id}/issues/{issue_id}/as-of/"] = Kind.ProjectApi,
        ["GET /api/{project_id}/issues/{issue_id}/dolt-log/"] = Kind.ProjectApi,
        ["POST /api/{project_id}/issues/{issue_id}/assign-bead/"] = Kind.ProjectApi,
        ["GET /api/{project_id}/issues/{issue_id}/context/"] = Kind.ProjectApi,
        ["POST /api/hooks/resolve/"] = Kind.Webhook,
        ["POST /api/hooks/ci/github"] = Kind.Webhook,
        ["GET /dashboard/_kit"] = Kind.DevOnly,
        ["POST /dashboard/_kit"] = Kind.DevOnly,
        ["GET /dashboard/{*rest}"] = Kind.PageNotFound,
        ["POST /dashboard/{*rest}"] = Kind.PageNotFound,
        ["* /_blazor/negotiate"] = Kind.Circuit,
        ["* /_blazor"] = Kind.Circuit,
        ["POST /_blazor/negotiate"] = Kind.Circuit,
        ["POST /_blazor/disconnect"] = Kind.Circuit,
        ["GET /_blazor/initializers"] = Kind.Circuit,
        ["* /_blazor/disconnect/"] = Kind.Circuit,
        ["* /_blazor/initializers/"] = Kind.Circuit,
        ["GET /_framework/opaque-redirect"] = Kind.OpaqueRedirect,
        ["GET /{**path:file}"] = Kind.StaticFallback,
        ["HEAD /{**path:file}"] = Kind.StaticFallback,
    };

    /// <summary>Routes the framework maps only in some host states (they still need a decision when present).</summary>
    // The circuit endpoints are described with or without HTTP-method metadata depending on the framework's build order.
    private static readonly HashSet<string> Optional =
    [
        "GET /_framework/opaque-redirect", "GET /{**path:file}", "HEAD /{**path:file}",
        "* /_blazor/negotiate", "POST /_blazor/negotiate", "POST /_blazor/disconnect", "GET /_blazor/initializers",
        "* /_blazor/disconnect/", "* /_blazor/initializers/",
    ];

    private sealed record Expected(int Status, string? LocationStartsWith = null)
    {
        public override string ToString() => LocationStartsWith is null ? Status.ToString() : $"{Status} → {LocationStartsWith}";
    }

    private static Expected Expect(Kind kind, Caller caller, string method)
    {
        var signedIn = caller is Caller.Member or Caller.Admin;
        var toLogin = new Expected(302, "/login?ReturnUrl=");
        // Pages are for sessions only: a bearer token is not a session, whatever it is.
        // A POST to a page without an antiforgery token is refused (400) once the user may see it.
        var form = method == "POST";
        return kind switch
        {
            Kind.Root => new(302, "/dashboard/"),
            Kind.Page => !signedIn ? toLogin : form ? new(400) : new(200),
            Kind.PageNotFound => !signedIn ? toLogin : form ? new(400) : new(404),
            Kind.DevOnly => !signedIn ? toLogin : new(404),
            Kind.AdminPage => !signedIn ? toLogin : caller == Caller.Member ? new(302, "/login/denied?ReturnUrl=") : form ? new(400) : new(200),
            Kind.LoginPage => form ? new(400) : new(200),
            Kind.RefusalPage => form ? new(400) : new(403),
            Kind.SetupDone => new(302, "/login"),
            Kind.ProjectApi => caller switch
            {
                Caller.OtherProjectToken => new(403),
                Caller.ProjectToken or Caller.AdminToken => new(200),
                _ => new(401),
            },
            Kind.ListApi => caller is Caller.OtherProjectToken or Caller.ProjectToken or Caller.AdminToken ? new(200) : new(401),
            Kind.AdminApi => caller switch
            {
                Caller.OtherProjectToken or Caller.ProjectToken => new(403),
                Caller.AdminToken => new(method == "DELETE" ? 204 : 201),
                _ => new(401),
            },
            Kind.AntiforgeryPost => new(400),
            Kind.OidcOff => new(404),
            // The hub is an API endpoint to the cookie handler: 401 instead of a redirect. -1: anything but 401/403/login.
            // -2: refused — 401, or 302 to /login (the cookie handler treats some hub routes as API endpoints).
            Kind.Circuit => signedIn ? new(-1) : new(-2),
            Kind.OpaqueRedirect => signedIn ? new(-1) : toLogin,
            Kind.StaticFallback => new(404),
            Kind.Public => new(200),
            Kind.Webhook => new(401),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    public async Task InitializeAsync()
    {
        // Sign-in throttling is tested on its own (AccountHttpTests); here every login/setup POST must get through.
        _server = await FaultlineServer.StartAsync(new Dictionary<string, string> { ["FAULTLINE_LOGIN_RATE_LIMIT"] = "100000" });
        await _server.CreateUserAsync("admin@matrix.example", "matrix admin password 1", UserRoles.Admin);
        await _server.CreateUserAsync("member@matrix.example", "matrix member password 1", UserRoles.Member);
        _clients[Caller.Admin] = (await _server.SignInAsync("admin@matrix.example", "matrix admin password 1")).Client;
        _clients[Caller.Member] = (await _server.SignInAsync("member@matrix.example", "matrix member password 1")).Client;
        var store = _server.Store;
        var revoked = await store.CreateTokenAsync("revoked", 1, TokenScope.Project);
        await store.RevokeTokenAsync(revoked.Token.Id);
        var other = await store.CreateTokenAsync("other", 2, TokenScope.Project);
        var project = await store.CreateTokenAsync("project", 1, TokenScope.Project);
        var admin = await store.CreateTokenAsync("admin", null, TokenScope.Admin);
        foreach (var s in new[] { revoked, other, project, admin }) TestLogs.Secret(s.Secret, "api token");
        string? Bearer(Caller c) => c switch
        {
            Caller.BadToken => "fl_thisIsNotARealTokenAtAll0000000000000000000",
            Caller.RevokedToken => revoked.Secret,
            Caller.OtherProjectToken => other.Secret,
            Caller.ProjectToken => project.Secret,
            Caller.AdminToken => admin.Secret,
            _ => null,
        };
        foreach (var c in Enum.GetValues<Caller>())
        {
            if (!_clients.ContainsKey(c)) _clients[c] = _server.NewClient();
            var bearer = Bearer(c);
            _callers[c] = req =>
            {
                if (bearer != null) req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
                return req;
            };
        }
        // An issue and an event in project 1 so the read routes have something to find.
        var evt = Envelopes.ErrorEvent("00000000000000000000000000000001");
        var r = await _server.Http.PostAsync($"/api/1/envelope/?sentry_key={FaultlineServer.Key1}", new ByteArrayContent(Envelopes.Envelope(evt)));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await store.GetIssueAsync(1, 1)) is null && DateTime.UtcNow < deadline) await Task.Delay(50);
    }

    public async Task DisposeAsync()
    {
        foreach (var c in _clients.Values) c.Dispose();
        await _server.DisposeAsync();
    }

    private static List<(string Key, RouteEndpoint Endpoint)> MappedRoutes(WebApplication app)
    {
        var list = new List<(string, RouteEndpoint)>();
        foreach (var e in ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>())
        {
            if (IsStaticAsset(e)) continue;
            var pattern = "/" + e.RoutePattern.RawText!.TrimStart('/');
            var methods = e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
            if (methods is null || methods.Count == 0) list.Add(($"* {pattern}", e));
            else foreach (var m in methods) list.Add(($"{m} {pattern}", e));
        }
        return list;
    }

    private static bool IsStaticAsset(RouteEndpoint e) =>
        e.Metadata.Any(m => m.GetType().Name == "StaticAssetDescriptor");

    [Fact]
    public void EveryMappedRouteIsInTheMatrix()
    {
        var mapped = MappedRoutes(_server.App).Select(r => r.Key).Distinct().ToList();
        foreach (var m in mapped) output.WriteLine(m);
        var missing = mapped.Where(k => !Routes.ContainsKey(k)).ToList();
        Assert.True(missing.Count == 0,
            "Routes without an authorization decision — add them to AuthorizationMatrixTests.Routes:\n" + string.Join("\n", missing));
        var stale = Routes.Keys.Where(k => !mapped.Contains(k) && !Optional.Contains(k)).ToList();
        Assert.True(stale.Count == 0, "Matrix entries for routes that no longer exist:\n" + string.Join("\n", stale));
    }

    [Fact]
    public async Task EveryRouteAnswersEveryCallerAsExpected()
    {
        var failures = new List<string>();
        var rows = 0;
        foreach (var (key, _) in MappedRoutes(_server.App).DistinctBy(r => r.Key).OrderBy(r => r.Key))
        {
            if (!Routes.TryGetValue(key, out var kind)) continue; // reported by EveryMappedRouteIsInTheMatrix
            var method = key[..key.IndexOf(' ')];
            var pattern = key[(key.IndexOf(' ') + 1)..];
            foreach (var caller in Enum.GetValues<Caller>())
            {
                var methodToSend = method == "*" ? "GET" : method;
                var req = await BuildRequestAsync(methodToSend, pattern, kind);
                var resp = await _clients[caller].SendAsync(_callers[caller](req));
                var expected = Expect(kind, caller, methodToSend);
                var location = resp.Headers.Location?.OriginalString;
                if (location != null && Uri.TryCreate(location, UriKind.Absolute, out var abs)) location = abs.PathAndQuery;
                var status = (int)resp.StatusCode;
                var toLogin = status == 302 && location?.StartsWith("/login") == true;
                bool ok = expected.Status == -1 ? status is not (401 or 403) && !toLogin
                    : expected.Status == -2 ? status == 401 || toLogin
                    : status == expected.Status && (expected.LocationStartsWith is null || location?.StartsWith(expected.LocationStartsWith) == true);
                rows++;
                var line = $"{key,-50} {caller,-18} expected {expected,-30} got {status}{(location is null ? "" : " → " + location)}";
                output.WriteLine(line);
                if (!ok) failures.Add(line);
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {rows} matrix cells are wrong:\n" + string.Join("\n", failures));
    }

    [Fact]
    public async Task StaticAssetsArePublicAndNoPageHidesAmongThem()
    {
        var assets = ((IEndpointRouteBuilder)_server.App).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().Where(IsStaticAsset).ToList();
        Assert.NotEmpty(assets);
        foreach (var a in assets)
        {
            var p = a.RoutePattern.RawText!.TrimStart('/');
            Assert.True(p.StartsWith("theme/") || p.StartsWith("_framework/"), $"unexpected public static asset {p}");
        }
        var anon = _server.NewClient();
        Assert.Equal(HttpStatusCode.OK, (await anon.GetAsync("/theme/css/base.css")).StatusCode);
    }

    private async Task<HttpRequestMessage> BuildRequestAsync(string method, string pattern, Kind kind)
    {
        var path = pattern
            .Replace("{project_id}", "1").Replace("{issue_id}", "1").Replace("{event_id}", "00000000000000000000000000000001")
            .Replace("{ProjectId:long}", "1").Replace("{IssueId:long}", "1")
            .Replace("{*rest}", "no-such-page").Replace("{**path:file}", "no-such-file.css");
        if (path.Contains("{token_id}"))
        {
            var t = await _server.Store.CreateTokenAsync("to-revoke", 1, TokenScope.Project);
            path = path.Replace("{token_id}", t.Token.Id.ToString());
        }
        if (path.EndsWith("/as-of/")) path += "?at=" + Uri.EscapeDataString(DateTime.UtcNow.AddMinutes(1).ToString("O"));
        var req = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT")
        {
            var body = path switch
            {
                "/api/1/issues/1/" => """{"status":"active"}""",
                "/api/1/issues/1/assign-bead/" => """{"bead_id":"gt-abc12"}""",
                _ when path.StartsWith("/api/") => """{"name":"matrix","rig":"r"}""",
                _ => null,
            };
            req.Content = body is null
                ? new FormUrlEncodedContent(new Dictionary<string, string> { ["_handler"] = "x" })
                : new StringContent(body, Encoding.UTF8, "application/json");
        }
        return req;
    }
}

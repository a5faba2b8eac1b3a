using System.Collections;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Faultline.Core.Config;
using Faultline.Core.Storage;
using Faultline.Tests.Fixtures;
using Faultline.Web.Auth;
using Faultline.Web.Cli;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Faultline.Tests.Accounts;

/// <summary>First run, sessions, throttling, the management API, the CLI and the log check, over real HTTP.</summary>
public sealed class AccountHttpTests
{
    private const string StrongPassword = "granite basalt quartz shale";

    private static async Task<HttpResponseMessage> PostSetupAsync(FaultlineServer s, HttpClient c, string email, string password, string? confirm = null, string project = "")
    {
        var html = await c.GetStringAsync("/setup");
        return await c.PostAsync("/setup", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = FaultlineServer.FormToken(html), ["_handler"] = "setup",
            ["Input.Email"] = email, ["Input.Password"] = password, ["Input.Confirm"] = confirm ?? password, ["Input.ProjectName"] = project,
        }));
    }

    [Fact]
    public async Task FirstRunLeadsToSetupThenSetupIsGoneForGood()
    {
        await using var s = await FaultlineServer.StartAsync(captureLevel: LogLevel.Debug);
        var c = s.NewClient();
        foreach (var path in new[] { "/dashboard/", "/dashboard/admin/users", "/login", "/" })
        {
            var r = await c.GetAsync(path);
            Assert.Equal(HttpStatusCode.Found, r.StatusCode);
            Assert.Contains(r.Headers.Location!.OriginalString, new[] { "/setup", "/dashboard/" });
        }
        TestLogs.Secret(StrongPassword, "password");

        // Strength rules: too short, equal to the email, one character class, confirmation mismatch.
        foreach (var (pw, confirm) in new[] { ("short1!", "short1!"), ("root@example.com", "root@example.com"), ("abcdefghijklmnop", "abcdefghijklmnop"), (StrongPassword, StrongPassword + "x") })
        {
            var r = await PostSetupAsync(s, c, "root@example.com", pw, confirm);
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        }
        Assert.Empty(await s.Store.ListUsersAsync());

        var ok = await PostSetupAsync(s, c, "root@example.com", StrongPassword, project: "checkout");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var page = await ok.Content.ReadAsStringAsync();
        var dsn = WebUtility.HtmlDecode(Regex.Match(page, "id=\"setup-dsn\">([^<]+)<").Groups[1].Value);
        Assert.Matches(@"^http://[0-9a-f]{32}@localhost:\d+/3$", dsn); // projects 1 and 2 are seeded by the fixture
        Assert.Contains("sentry_sdk.init", page);

        // The wizard signed the administrator in.
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("/dashboard/admin/users")).StatusCode);
        var admin = Assert.Single(await s.Store.ListUsersAsync());
        Assert.Equal(UserRoles.Admin, admin.Role);
        Assert.StartsWith("AQAAAA", admin.PasswordHash); // Identity's V3 PBKDF2 format, never the password

        // The new project's DSN is accepted by ingest at once.
        var key = new Uri(dsn).UserInfo;
        var ingest = await s.Http.PostAsync($"/api/3/envelope/?sentry_key={key}", new ByteArrayContent(Envelopes.Envelope(Envelopes.ErrorEvent(Envelopes.NewEventId()))));
        Assert.Equal(HttpStatusCode.OK, ingest.StatusCode);

        // /setup is gone, for everyone, in every method.
        var anon = s.NewClient();
        var again = await anon.GetAsync("/setup");
        Assert.Equal(HttpStatusCode.Found, again.StatusCode);
        Assert.Equal("/login", again.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Found, (await anon.PostAsync("/setup", new StringContent(""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anon.GetAsync("/login")).StatusCode);
        Assert.Empty(TestLogs.Leaks(s.Logs.Lines));
    }

    [Fact]
    public async Task ConcurrentSetupsProduceExactlyOneAdministrator()
    {
        await using var s = await FaultlineServer.StartAsync(new Dictionary<string, string> { ["FAULTLINE_LOGIN_RATE_LIMIT"] = "1000" });
        const int n = 8;
        var clients = Enumerable.Range(0, n).Select(_ => s.NewClient()).ToList();
        var forms = new List<Dictionary<string, string>>();
        for (var i = 0; i < n; i++)
            forms.Add(new()
            {
                ["__RequestVerificationToken"] = FaultlineServer.FormToken(await clients[i].GetStringAsync("/setup")), ["_handler"] = "setup",
                ["Input.Email"] = $"racer{i}@example.com", ["Input.Password"] = StrongPassword, ["Input.Confirm"] = StrongPassword,
            });
        using var go = new SemaphoreSlim(0);
        var tasks = Enumerable.Range(0, n).Select(async i =>
        {
            await go.WaitAsync();
            return await clients[i].PostAsync("/setup", new FormUrlEncodedContent(forms[i]));
        }).ToList();
        go.Release(n);
        var results = await Task.WhenAll(tasks);
        Assert.Equal(1, results.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.All(results.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Conflict, HttpStatusCode.Found }));
        var user = Assert.Single(await s.Store.ListUsersAsync());
        Assert.Equal(UserRoles.Admin, user.Role);
    }

    [Fact]
    public async Task SessionCookieIsHttpOnlyLaxAndDisabledUsersLoseTheirSessionAtOnce()
    {
        await using var s = await FaultlineServer.StartAsync();
        await s.CreateUserAsync("boss@example.com", "boss password 123", UserRoles.Admin);
        var member = await s.CreateUserAsync("temp@example.com", "temp password 123");
        var c = s.NewClient();
        var r = await s.PostLoginAsync(c, "temp@example.com", "temp password 123");
        Assert.Equal(HttpStatusCode.Found, r.StatusCode);
        Assert.Equal("/dashboard/", r.Headers.Location!.PathAndQuery());
        var setCookie = r.Headers.GetValues("Set-Cookie").Single(v => v.StartsWith(AuthSetup.CookieName + "="));
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", setCookie, StringComparison.OrdinalIgnoreCase); // plain http here; Secure behind HTTPS
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("/not-found")).StatusCode);

        await s.Services.GetRequiredService<AccountService>().SetDisabledAsync(member.Id, true);
        var after = await c.GetAsync("/not-found");
        Assert.Equal(HttpStatusCode.Found, after.StatusCode);
        Assert.StartsWith("/login", after.Headers.Location!.PathAndQuery());
        // And the password no longer signs in.
        var again = await s.PostLoginAsync(s.NewClient(), "temp@example.com", "temp password 123");
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        Assert.Contains("disabled", await again.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task LogoutNeedsAnAntiforgeryTokenAndEndsTheSession()
    {
        await using var s = await FaultlineServer.StartAsync();
        await s.CreateUserAsync("out@example.com", "logout password 1", UserRoles.Admin);
        var (c, _) = await s.SignInAsync("out@example.com", "logout password 1");
        Assert.Equal(HttpStatusCode.BadRequest, (await c.PostAsync("/logout", new FormUrlEncodedContent([]))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("/dashboard/admin/users")).StatusCode);

        var page = await c.GetStringAsync("/dashboard/admin/users");
        var r = await c.PostAsync("/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = FaultlineServer.FormToken(page) }));
        Assert.Equal(HttpStatusCode.Found, r.StatusCode);
        Assert.Equal("/login?signedOut=1", r.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Found, (await c.GetAsync("/dashboard/admin/users")).StatusCode);
    }

    [Fact]
    public async Task SignInAttemptsAreThrottledPerAddress()
    {
        await using var s = await FaultlineServer.StartAsync(new Dictionary<string, string> { ["FAULTLINE_LOGIN_RATE_LIMIT"] = "3" });
        await s.CreateUserAsync("t@example.com", "throttle password 1");
        var c = s.NewClient();
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++) codes.Add((await s.PostLoginAsync(c, "t@example.com", "wrong password " + i)).StatusCode);
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], codes);
        // Showing the form is never throttled.
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("/login")).StatusCode);
    }

    [Fact]
    public async Task ManagementApiCreatesListsAndRevokesTokensAndRegistersProjects()
    {
        await using var s = await FaultlineServer.StartAsync(captureLevel: LogLevel.Debug);
        var admin = await s.ClientWithTokenAsync(null, TokenScope.Admin);
        var project1 = await s.ClientWithTokenAsync(1);

        // Register: admin tokens only; ingest accepts the new project's key immediately.
        Assert.Equal(HttpStatusCode.Forbidden, (await project1.PostAsJsonAsync("/api/v1/register", new { name = "nope" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("/api/v1/register", new { rig = "x" })).StatusCode);
        var reg = await admin.PostAsJsonAsync("/api/v1/register", new { name = "payments", rig = "rig-7" });
        Assert.Equal(HttpStatusCode.Created, reg.StatusCode);
        var body = (await reg.Content.ReadFromJsonAsync<JsonObject>())!;
        var pid = (long)body["project_id"]!;
        var key = (string)body["public_key"]!;
        Assert.Matches("^[0-9a-f]{32}$", key);
        Assert.Matches($@"^http://{key}@localhost:\d+/{pid}$", (string?)body["dsn"]);
        var ingest = await s.Http.PostAsync($"/api/{pid}/envelope/?sentry_key={key}", new ByteArrayContent(Envelopes.Envelope(Envelopes.ErrorEvent(Envelopes.NewEventId()))));
        Assert.Equal(HttpStatusCode.OK, ingest.StatusCode);
        var dsn = await admin.GetFromJsonAsync<JsonObject>($"/api/{pid}/dsn/");
        Assert.Equal((string?)body["dsn"], (string?)dsn!["dsn"]);
        Assert.Contains((await admin.GetFromJsonAsync<JsonArray>("/api/v1/projects/"))!, p => (long)p!["id"]! == pid);

        // Tokens: only admin tokens create; the secret is shown once; the list never has it.
        Assert.Equal(HttpStatusCode.Forbidden, (await project1.PostAsJsonAsync("/api/1/tokens/", new { name = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("/api/1/tokens/", new { name = "x", scope = "admin" })).StatusCode);
        var created = await admin.PostAsJsonAsync("/api/1/tokens/", new { name = "ci deploys" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var t = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        foreach (var f in new[] { "id", "name", "token", "scope", "created_at" }) Assert.NotNull(t[f]);
        var secret = TestLogs.Secret((string)t["token"]!, "api token");
        Assert.Equal("project", (string?)t["scope"]);
        var fresh = s.NewClient();
        fresh.DefaultRequestHeaders.Authorization = new("Bearer", secret);
        Assert.Equal(HttpStatusCode.OK, (await fresh.GetAsync("/api/1/issues/")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await fresh.GetAsync("/api/2/issues/")).StatusCode);

        var listText = await project1.GetStringAsync("/api/1/tokens/");
        Assert.DoesNotContain(secret, listText);
        var list = JsonNode.Parse(listText)!.AsArray();
        var row = list.Single(x => (long)x!["id"]! == (long)t["id"]!)!;
        Assert.Equal("ci deploys", (string?)row["name"]);
        Assert.Equal(secret[..8], (string?)row["prefix"]);
        Assert.NotNull(row["last_used_at"]);

        Assert.Equal(HttpStatusCode.Forbidden, (await project1.DeleteAsync($"/api/1/tokens/{t["id"]}/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/2/tokens/{t["id"]}/")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/1/tokens/{t["id"]}/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await fresh.GetAsync("/api/1/issues/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/1/tokens/{t["id"]}/")).StatusCode);
        Assert.Empty(TestLogs.Leaks(s.Logs.Lines));
    }

    [Fact]
    public async Task CliCreatesAUserWithThePasswordFromStandardInput()
    {
        var dir = Directory.CreateTempSubdirectory("faultline-cli-").FullName;
        try
        {
            var options = FaultlineOptions.FromDictionary(new Hashtable
            {
                ["FAULTLINE_ADDR"] = "127.0.0.1:0", ["FAULTLINE_DATA_DIR"] = dir, ["FAULTLINE_DSN"] = $"sqlite:{Path.Combine(dir, "f.db")}",
            });
            Assert.Equal(2, await CliCommands.CreateUserAsync(options, ["--email", "ops@example.com", "--admin"], new StringReader("short\n")));
            Assert.Equal(2, await CliCommands.CreateUserAsync(options, ["--admin"], new StringReader(StrongPassword + "\n")));
            Assert.Equal(0, await CliCommands.CreateUserAsync(options, ["--email", "ops@example.com", "--admin"], new StringReader(StrongPassword + "\n")));
            Assert.Equal(1, await CliCommands.CreateUserAsync(options, ["--email", "OPS@example.com"], new StringReader(StrongPassword + "\n")));

            await using var s = await FaultlineServer.StartAsync(new Dictionary<string, string> { ["FAULTLINE_DSN"] = $"sqlite:{Path.Combine(dir, "f.db")}" });
            var c = s.NewClient();
            var setup = await c.GetAsync("/setup");
            Assert.Equal(HttpStatusCode.Found, setup.StatusCode); // the headless admin closed the wizard
            var login = await s.PostLoginAsync(c, "ops@example.com", StrongPassword);
            Assert.Equal(HttpStatusCode.Found, login.StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("/dashboard/admin/users")).StatusCode);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    [Fact]
    public void HalfConfiguredOidcFailsNamingTheMissingVariable()
    {
        Exception Fail(params (string, string)[] vars)
        {
            var env = new Hashtable();
            foreach (var (k, v) in vars) env[k] = v;
            return Assert.Throws<ConfigException>(() => FaultlineOptions.FromDictionary(env));
        }
        Assert.Equal("FAULTLINE_OIDC_CLIENT_ID", ((ConfigException)Fail(("FAULTLINE_OIDC_AUTHORITY", "https://id.example.com"))).Variable);
        Assert.Equal("FAULTLINE_OIDC_CLIENT_SECRET", ((ConfigException)Fail(("FAULTLINE_OIDC_AUTHORITY", "https://id.example.com"), ("FAULTLINE_OIDC_CLIENT_ID", "fl"))).Variable);
        Assert.Equal("FAULTLINE_OIDC_AUTHORITY", ((ConfigException)Fail(("FAULTLINE_OIDC_CLIENT_ID", "fl"), ("FAULTLINE_OIDC_CLIENT_SECRET", "s3cret-value"))).Variable);
        Assert.Equal("FAULTLINE_OIDC_AUTHORITY", ((ConfigException)Fail(("FAULTLINE_ALLOWED_DOMAINS", "example.com"))).Variable);
        var http = (ConfigException)Fail(("FAULTLINE_OIDC_AUTHORITY", "http://id.example.com"), ("FAULTLINE_OIDC_CLIENT_ID", "fl"), ("FAULTLINE_OIDC_CLIENT_SECRET", "s3cret-value"));
        Assert.Equal("FAULTLINE_OIDC_AUTHORITY", http.Variable);
        Assert.DoesNotContain("s3cret-value", http.Message);

        var ok = FaultlineOptions.FromDictionary(new Hashtable
        {
            ["FAULTLINE_OIDC_AUTHORITY"] = "http://127.0.0.1:9", ["FAULTLINE_OIDC_CLIENT_ID"] = "fl", ["FAULTLINE_OIDC_CLIENT_SECRET"] = "s3cret-value",
            ["FAULTLINE_ALLOWED_USERS"] = "A@Example.com, b@example.com", ["FAULTLINE_ALLOWED_DOMAINS"] = "@corp.example",
        });
        Assert.False(ok.Oidc!.RequireHttps);
        Assert.True(ok.Oidc.IsAllowed("a@example.com"));
        Assert.True(ok.Oidc.IsAllowed("x@CORP.example"));
        Assert.False(ok.Oidc.IsAllowed("x@corp.example.evil"));
        Assert.DoesNotContain("s3cret-value", ok.ToString());
    }

    [Fact]
    public async Task UnreachableOidcProviderFailsStartupNamingTheAuthority()
    {
        var ex = await Assert.ThrowsAsync<ConfigException>(() => FaultlineServer.StartAsync(new Dictionary<string, string>
        {
            ["FAULTLINE_OIDC_AUTHORITY"] = $"http://127.0.0.1:{OidcProviderProcess.FreePort()}",
            ["FAULTLINE_OIDC_CLIENT_ID"] = "fl", ["FAULTLINE_OIDC_CLIENT_SECRET"] = "unreachable-secret",
        }));
        Assert.Equal("FAULTLINE_OIDC_AUTHORITY", ex.Variable);
    }

    /// <summary>
    /// Passwords (right and wrong), API tokens, bearer headers and session cookies go through a
    /// server logging at Debug; none may appear in its log, nor in anything any server of this
    /// test run has logged so far (OIDC client secrets and provider passwords included).
    /// </summary>
    [Fact]
    public async Task NoSecretReachesTheLogs()
    {
        await using var s = await FaultlineServer.StartAsync(captureLevel: LogLevel.Trace);
        var c = s.NewClient();
        var password = TestLogs.Secret("obsidian pumice tuff 9", "password");
        Assert.Equal(HttpStatusCode.OK, (await PostSetupAsync(s, c, "logs@example.com", password, project: "logged")).StatusCode);
        var wrong = TestLogs.Secret("wrong-password-for-logs", "wrong password");
        Assert.Equal(HttpStatusCode.Unauthorized, (await s.PostLoginAsync(s.NewClient(), "logs@example.com", wrong)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await s.PostLoginAsync(s.NewClient(), "nobody@example.com", wrong)).StatusCode);
        var (signedIn, cookies) = await s.SignInAsync("logs@example.com", password);
        Assert.Equal(HttpStatusCode.OK, (await signedIn.GetAsync("/dashboard/admin/tokens")).StatusCode);

        var admin = await s.ClientWithTokenAsync(null, TokenScope.Admin);
        var created = (await (await admin.PostAsJsonAsync("/api/1/tokens/", new { name = "logged" })).Content.ReadFromJsonAsync<JsonObject>())!;
        TestLogs.Secret((string)created["token"]!, "api token");
        var bogus = s.NewClient();
        bogus.DefaultRequestHeaders.Authorization = new("Bearer", TestLogs.Secret("fl_bogusTokenThatMustNotBeLogged000000000000", "bad token"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await bogus.GetAsync("/api/1/issues/")).StatusCode);
        foreach (System.Net.Cookie ck in cookies.GetAllCookies()) TestLogs.Secret(ck.Value, "cookie " + ck.Name);

        Assert.NotEmpty(s.Logs.Lines);
        Assert.Contains(s.Logs.Lines, l => l.Contains("signed in with a password"));
        Assert.Empty(TestLogs.Leaks(s.Logs.Lines));
        Assert.Empty(TestLogs.Leaks());
    }

    [Theory]
    [InlineData("correct horse battery staple", true)]
    [InlineData("Tr0ub4dor&3xyz", true)]
    [InlineData("short", false)]
    [InlineData("aaaaaaaaaaaaaaaa", false)]
    [InlineData("abcdefghijklmnop", false)]
    [InlineData("me@example.com", false)]
    [InlineData("me@example.com1", false)]
    public void PasswordRules(string password, bool ok) =>
        Assert.Equal(ok, Faultline.Web.Auth.PasswordRules.Check(password, "me@example.com") is null);
}

internal static class UriTestExtensions
{
    public static string PathAndQuery(this Uri u) => u.IsAbsoluteUri ? u.PathAndQuery : u.OriginalString;
}

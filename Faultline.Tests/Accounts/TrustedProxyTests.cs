using System.Collections;
using System.Net;
using Faultline.Core.Config;
using Faultline.Tests.Fixtures;
using Faultline.Web.Auth;

namespace Faultline.Tests.Accounts;

/// <summary>
/// FAULTLINE_TRUSTED_PROXIES: X-Forwarded-Proto / X-Forwarded-For are believed only from the
/// named proxies (the test client connects from 127.0.0.1), so behind a TLS-terminating proxy
/// the session cookie is Secure and login throttling counts the real client.
/// </summary>
public sealed class TrustedProxyTests
{
    private const string Password = "proxy password 123";

    private static async Task<HttpResponseMessage> LoginViaProxyAsync(FaultlineServer s, string password, string? clientIp = "203.0.113.7")
    {
        var c = s.NewClient();
        var html = await c.GetStringAsync("/login");
        using var post = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = FaultlineServer.FormToken(html), ["_handler"] = "login",
                ["Input.Email"] = "p@example.com", ["Input.Password"] = password,
            }),
        };
        post.Headers.Add("X-Forwarded-Proto", "https");
        if (clientIp is not null) post.Headers.Add("X-Forwarded-For", clientIp);
        return await c.SendAsync(post);
    }

    private static string SessionCookie(HttpResponseMessage r) =>
        r.Headers.GetValues("Set-Cookie").Single(v => v.StartsWith(AuthSetup.CookieName + "="));

    private static bool IsSecure(string setCookie) =>
        setCookie.Split(';').Any(p => p.Trim().Equals("secure", StringComparison.OrdinalIgnoreCase));

    [Fact]
    public async Task TrustedProxyMakesTheSessionCookieSecureAndThrottlesTheForwardedClient()
    {
        await using var s = await FaultlineServer.StartAsync(new Dictionary<string, string>
        {
            ["FAULTLINE_TRUSTED_PROXIES"] = "10.0.0.0/8, 127.0.0.1", ["FAULTLINE_LOGIN_RATE_LIMIT"] = "2",
        });
        await s.CreateUserAsync("p@example.com", Password);

        var ok = await LoginViaProxyAsync(s, Password, clientIp: "198.51.100.1");
        Assert.Equal(HttpStatusCode.Found, ok.StatusCode);
        Assert.True(IsSecure(SessionCookie(ok)), SessionCookie(ok));

        // Throttling counts the forwarded client: one exhausts its budget, another is unaffected.
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginViaProxyAsync(s, "wrong 1", "203.0.113.7")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginViaProxyAsync(s, "wrong 2", "203.0.113.7")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await LoginViaProxyAsync(s, "wrong 3", "203.0.113.7")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginViaProxyAsync(s, "wrong 4", "203.0.113.8")).StatusCode);
        // A client cannot smuggle an address past the proxy: the rightmost untrusted hop is the client.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await LoginViaProxyAsync(s, "wrong 5", "192.0.2.99, 203.0.113.7")).StatusCode);
    }

    [Theory]
    [InlineData(null)]            // default: no proxy trusted, not even loopback
    [InlineData("10.0.0.0/8")]    // a proxy is trusted, but the request does not come from it
    public async Task ForwardedHeadersFromAnUntrustedSourceAreIgnored(string? trusted)
    {
        var env = new Dictionary<string, string> { ["FAULTLINE_LOGIN_RATE_LIMIT"] = "2" };
        if (trusted is not null) env["FAULTLINE_TRUSTED_PROXIES"] = trusted;
        await using var s = await FaultlineServer.StartAsync(env);
        await s.CreateUserAsync("p@example.com", Password);

        var ok = await LoginViaProxyAsync(s, Password, clientIp: "198.51.100.1");
        Assert.Equal(HttpStatusCode.Found, ok.StatusCode);
        Assert.False(IsSecure(SessionCookie(ok)), SessionCookie(ok));

        // Rotating X-Forwarded-For does not escape throttling: the connection's address counts.
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginViaProxyAsync(s, "wrong 1", "203.0.113.1")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await LoginViaProxyAsync(s, "wrong 2", "203.0.113.2")).StatusCode);
    }

    [Fact]
    public void ParsesAddressesAndRangesAndNamesTheVariableOnBadInput()
    {
        Assert.Empty(FaultlineOptions.FromDictionary(new Hashtable()).TrustedProxies);
        var list = FaultlineOptions.FromDictionary(new Hashtable { ["FAULTLINE_TRUSTED_PROXIES"] = " 127.0.0.1, ::1 ,10.0.0.0/8,fd00::/8" }).TrustedProxies;
        Assert.Equal(["127.0.0.1/32", "::1/128", "10.0.0.0/8", "fd00::/8"], list.Select(n => n.ToString()));
        Assert.True(list[2].Contains(IPAddress.Parse("10.20.30.40")));

        foreach (var bad in new[] { "proxy.example.com", "10.0.0.0/33", "10.0.0.0/x", "300.1.1.1", ",", "127.0.0.1;10.0.0.1" })
        {
            var ex = Assert.Throws<ConfigException>((Action)(() =>
            {
                var o = FaultlineOptions.FromDictionary(new Hashtable { ["FAULTLINE_TRUSTED_PROXIES"] = bad });
                throw new Xunit.Sdk.XunitException($"accepted {bad}: {string.Join(" ", o.TrustedProxies)}");
            }));
            Assert.Equal("FAULTLINE_TRUSTED_PROXIES", ex.Variable);
            Assert.StartsWith("FAULTLINE_TRUSTED_PROXIES:", ex.Message);
        }
    }
}

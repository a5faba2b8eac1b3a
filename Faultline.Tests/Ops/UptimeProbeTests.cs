using System.Net;
using Faultline.Core.Ops;
using Faultline.Tests.Fixtures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Faultline.Tests.Ops;

/// <summary>The uptime probe against real HTTP servers on loopback.</summary>
public sealed class UptimeProbeTests : IAsyncLifetime
{
    private LocalHttpServer _server = null!;
    private readonly UptimeProbe _probe = new(TimeSpan.FromSeconds(1));

    public async Task InitializeAsync()
    {
        _server = await LocalHttpServer.StartAsync(app =>
        {
            app.MapGet("/ok", () => "fine");
            app.MapGet("/fail", () => Results.StatusCode(500));
            app.MapGet("/slow", async (CancellationToken ct) => { await Task.Delay(10_000, ct); return "late"; });
            app.MapGet("/redirect", () => Results.Redirect("/ok"));
            app.MapGet("/hop/{n:int}", (int n) => Results.Redirect(n <= 0 ? "/ok" : $"/hop/{n - 1}"));
            app.MapGet("/loop", () => Results.Redirect("/loop"));
            app.MapGet("/to-private", () => Results.Redirect("http://10.1.2.3/health"));
            app.MapGet("/to-file", () => Results.Redirect("file:///etc/passwd"));
        });
    }

    public async Task DisposeAsync()
    {
        _probe.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task UpServiceIsUpWithStatusAndLatency()
    {
        var r = await _probe.CheckAsync(_server.Url("/ok"), allowPrivate: true);
        Assert.Equal("up", r.Outcome);
        Assert.Equal(200, r.StatusCode);
        Assert.True(r.LatencyMs >= 0);
        Assert.Null(r.Error);
    }

    [Fact]
    public async Task ServerErrorIsDown()
    {
        var r = await _probe.CheckAsync(_server.Url("/fail"), allowPrivate: true);
        Assert.Equal("down", r.Outcome);
        Assert.Equal(500, r.StatusCode);
    }

    [Fact]
    public async Task RefusedConnectionIsDown()
    {
        var r = await _probe.CheckAsync($"http://127.0.0.1:{LocalHttpServer.ClosedPort()}/", allowPrivate: true);
        Assert.Equal("down", r.Outcome);
        Assert.Null(r.StatusCode);
        Assert.Equal("connection refused", r.Error);
    }

    [Fact]
    public async Task SlowServiceTimesOut()
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var r = await _probe.CheckAsync(_server.Url("/slow"), allowPrivate: true);
        Assert.Equal("down", r.Outcome);
        Assert.Contains("timed out", r.Error);
        Assert.InRange(sw.Elapsed.TotalSeconds, 0.9, 5);
    }

    [Fact]
    public async Task RedirectsAreFollowedUpToThree()
    {
        var one = await _probe.CheckAsync(_server.Url("/redirect"), allowPrivate: true);
        Assert.Equal("up", one.Outcome);
        Assert.EndsWith("/ok", one.FinalUrl);
        var three = await _probe.CheckAsync(_server.Url("/hop/2"), allowPrivate: true); // hop/2 → hop/1 → hop/0 → ok
        Assert.Equal("up", three.Outcome);
        var four = await _probe.CheckAsync(_server.Url("/hop/3"), allowPrivate: true);
        Assert.Equal("down", four.Outcome);
        Assert.Contains("too many redirects", four.Error);
    }

    [Fact]
    public async Task RedirectLoopStops()
    {
        var r = await _probe.CheckAsync(_server.Url("/loop"), allowPrivate: true);
        Assert.Equal("down", r.Outcome);
        Assert.Equal(302, r.StatusCode);
        Assert.Contains("too many redirects", r.Error);
    }

    [Fact]
    public async Task NonAdminUrlMayNotTargetLoopback()
    {
        var r = await _probe.CheckAsync(_server.Url("/ok"), allowPrivate: false);
        Assert.Equal("blocked", r.Outcome);
        var byName = await _probe.CheckAsync(_server.Url("/ok").Replace("127.0.0.1", "localhost"), allowPrivate: false);
        Assert.Equal("blocked", byName.Outcome);
    }

    [Fact]
    public async Task RedirectToPrivateAddressIsBlockedForNonAdminUrl()
    {
        // Pretend 127.0.0.1 is a public address so the first hop is allowed; the redirect target
        // (10.1.2.3) must be re-checked and refused before any connection is made.
        using var probe = new UptimeProbe(TimeSpan.FromSeconds(2), isPublic: a => a.Equals(IPAddress.Loopback) || UptimeProbe.IsPublicAddress(a));
        var first = await probe.CheckAsync(_server.Url("/ok"), allowPrivate: false);
        Assert.Equal("up", first.Outcome);
        var r = await probe.CheckAsync(_server.Url("/to-private"), allowPrivate: false);
        Assert.Equal("blocked", r.Outcome);
        Assert.Contains("private", r.Error);
        // The same redirect from an admin-configured URL is followed (and then fails to connect or times out).
        var admin = await probe.CheckAsync(_server.Url("/to-private"), allowPrivate: true);
        Assert.NotEqual("blocked", admin.Outcome);
    }

    [Theory]
    [InlineData("ftp://example.com/")]
    [InlineData("file:///etc/passwd")]
    [InlineData("not a url")]
    public async Task OnlyHttpAndHttpsAreChecked(string url)
    {
        var r = await _probe.CheckAsync(url, allowPrivate: true);
        Assert.Equal("blocked", r.Outcome);
    }

    [Fact]
    public async Task RedirectToOtherSchemeIsBlocked()
    {
        var r = await _probe.CheckAsync(_server.Url("/to-file"), allowPrivate: true);
        Assert.Equal("blocked", r.Outcome);
    }

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.0.0.5", false)]
    [InlineData("172.16.3.4", false)]
    [InlineData("172.32.0.1", true)]
    [InlineData("192.168.1.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("8.8.8.8", true)]
    [InlineData("93.184.216.34", true)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fd00::1", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("::ffff:8.8.8.8", true)]
    [InlineData("2001:4860:4860::8888", true)]
    public void AddressPolicy(string address, bool isPublic) =>
        Assert.Equal(isPublic, UptimeProbe.IsPublicAddress(IPAddress.Parse(address)));
}

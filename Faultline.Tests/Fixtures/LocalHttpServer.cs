using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Faultline.Tests.Fixtures;

/// <summary>A tiny real HTTP server on a loopback port, for probing: routes are given by the test.</summary>
public sealed class LocalHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    public string BaseUrl { get; }

    private LocalHttpServer(WebApplication app)
    {
        _app = app;
        BaseUrl = app.Urls.First();
    }

    public string Url(string path) => BaseUrl + path;

    public static async Task<LocalHttpServer> StartAsync(Action<WebApplication> routes)
    {
        var b = WebApplication.CreateSlimBuilder();
        b.WebHost.UseUrls("http://127.0.0.1:0");
        b.Logging.ClearProviders();
        var app = b.Build();
        routes(app);
        await app.StartAsync();
        return new LocalHttpServer(app);
    }

    /// <summary>A loopback port with nothing listening (connection refused).</summary>
    public static int ClosedPort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        var port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2))) await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
    }
}

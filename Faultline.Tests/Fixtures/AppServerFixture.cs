namespace Faultline.Tests.Fixtures;

/// <summary>
/// The real Faultline app on a real loopback port for browser tests (Development environment:
/// static web assets served from the build output; the component kit page exists).
/// </summary>
public sealed class AppServerFixture : IAsyncLifetime
{
    private FaultlineServer _server = null!;

    /// <summary>For example http://127.0.0.1:41234 (no trailing slash).</summary>
    public string BaseUrl => _server.BaseUrl.TrimEnd('/');
    public IServiceProvider Services => _server.Services;
    public FaultlineServer Server => _server;

    public async Task InitializeAsync() => _server = await FaultlineServer.StartAsync(environmentName: "Development");

    public HttpClient CreateClient() => new() { BaseAddress = new Uri(BaseUrl + "/") };

    public async Task DisposeAsync() => await _server.DisposeAsync();
}

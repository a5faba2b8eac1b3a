using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Faultline.Tests.Fixtures;

/// <summary>
/// The real Faultline app on a real loopback port (Kestrel, not TestServer), so a browser can
/// open it. Development environment: static web assets are served from the build output and
/// the component kit page exists.
/// </summary>
public sealed class AppServerFixture : IAsyncLifetime
{
    private readonly KestrelFactory _factory = new();

    /// <summary>For example http://127.0.0.1:41234 (no trailing slash).</summary>
    public string BaseUrl { get; private set; } = "";

    public IServiceProvider Services => _factory.Services;

    public Task InitializeAsync()
    {
        // 127.0.0.1 explicitly: the browser resolves nothing else (see BrowserFixture).
        _factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        _factory.StartServer();
        var addresses = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        BaseUrl = addresses.Addresses.Single().TrimEnd('/');
        return Task.CompletedTask;
    }

    public HttpClient CreateClient() => new() { BaseAddress = new Uri(BaseUrl + "/") };

    public Task DisposeAsync() => _factory.DisposeAsync().AsTask();

    private sealed class KestrelFactory : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder) => builder.UseEnvironment("Development");
    }
}

using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Faultline.Tests.Loop;

/// <summary>
/// A real HTTP server on 127.0.0.1 (random port) standing in for a Slack incoming webhook. The
/// behaviour function decides each response from the 1-based attempt number.
/// </summary>
public sealed class SlackReceiver : IAsyncDisposable
{
    public const string HookPath = "/services/T000/B000/not-a-real-token";
    readonly WebApplication _app;
    public ConcurrentQueue<(DateTime At, string Body)> Received { get; } = new();
    public Uri Url { get; private set; } = null!;

    SlackReceiver(WebApplication app) => _app = app;

    public static async Task<SlackReceiver> StartAsync(Func<int, (int Status, string? RetryAfter)> behaviour)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new SlackReceiver(app);
        var attempts = 0;
        app.MapPost(HookPath, async (HttpContext ctx) =>
        {
            using var reader = new StreamReader(ctx.Request.Body);
            var body = await reader.ReadToEndAsync();
            receiver.Received.Enqueue((DateTime.UtcNow, body));
            var (status, retryAfter) = behaviour(Interlocked.Increment(ref attempts));
            ctx.Response.StatusCode = status;
            if (retryAfter is not null) ctx.Response.Headers.RetryAfter = retryAfter;
            await ctx.Response.WriteAsync(status == 200 ? "ok" : "error");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(address.TrimEnd('/') + HookPath);
        return receiver;
    }

    public async Task WaitForAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Received.Count < count && DateTime.UtcNow < deadline) await Task.Delay(20);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Faultline.Tests.Fixtures;

/// <summary>
/// A real OpenID Connect provider (npm oidc-provider, installed by test.sh under test-tools/)
/// on a loopback port, run with Playwright's bundled node. Any name typed into its development
/// login form is an account whose email is that name.
/// </summary>
public sealed class OidcProviderProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    public string Issuer { get; }
    public string ClientId { get; }
    public string ClientSecret { get; }

    private OidcProviderProcess(Process p, string issuer, string clientId, string clientSecret)
    {
        _process = p;
        Issuer = issuer;
        ClientId = clientId;
        ClientSecret = clientSecret;
    }

    public string Output { get { lock (_output) return string.Join("\n", _output); } }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public static string NodePath()
    {
        var bundled = Path.Combine(AppContext.BaseDirectory, ".playwright", "node", "linux-x64", "node");
        return File.Exists(bundled) ? bundled : "node";
    }

    public static async Task<OidcProviderProcess> StartAsync(string redirectUri)
    {
        var script = Path.Combine(RepoPaths.TestTools, "oidc-provider.mjs");
        if (!Directory.Exists(Path.Combine(RepoPaths.TestTools, "node_modules", "oidc-provider")))
            throw new InvalidOperationException("oidc-provider is not installed: run test.sh (npm ci in test-tools/)");
        var port = FreePort();
        var clientId = "faultline-test";
        var secret = TestLogs.Secret("oidc-secret-" + Guid.NewGuid().ToString("N"), "OIDC client secret");
        var psi = new ProcessStartInfo(NodePath())
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepoPaths.TestTools,
        };
        foreach (var a in new[] { script, port.ToString(), clientId, secret, redirectUri }) psi.ArgumentList.Add(a);
        var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start node");
        var me = new OidcProviderProcess(p, $"http://127.0.0.1:{port}", clientId, secret);
        var ready = new TaskCompletionSource();
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (me._output) me._output.Add(e.Data);
            if (e.Data.StartsWith("READY ")) ready.TrySetResult();
        };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (me._output) me._output.Add(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (await Task.WhenAny(ready.Task, Task.Delay(TimeSpan.FromSeconds(30))) != ready.Task)
        {
            await me.DisposeAsync();
            throw new InvalidOperationException("oidc-provider did not start:\n" + me.Output);
        }
        return me;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}

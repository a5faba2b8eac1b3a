using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Faultline.Tests.Fixtures;

/// <summary>
/// Faultline as a real OS process (`dotnet faultline.dll serve`), for tests that kill it,
/// signal it or run it as a daemon. Output is captured for failure messages.
/// </summary>
public sealed class FaultlineProcess : IDisposable
{
    public Process Process { get; }
    public int Port { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}";
    private readonly System.Text.StringBuilder _log = new();
    public string Log { get { lock (_log) return _log.ToString(); } }

    private FaultlineProcess(Process p, int port)
    {
        Process = p;
        Port = port;
        p.OutputDataReceived += (_, e) => { if (e.Data != null) lock (_log) _log.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_log) _log.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
    }

    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "faultline.dll");

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public static async Task<FaultlineProcess> StartAsync(IDictionary<string, string> env, int? port = null, params string[] args)
    {
        var p = port ?? FreePort();
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(DllPath);
        foreach (var a in args.Length == 0 ? ["serve"] : args) psi.ArgumentList.Add(a);
        psi.Environment["FAULTLINE_ADDR"] = $"127.0.0.1:{p}";
        foreach (var (k, v) in env) psi.Environment[k] = v;
        var fp = new FaultlineProcess(Process.Start(psi)!, p);
        await fp.WaitReadyAsync();
        return fp;
    }

    private async Task WaitReadyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (Process.HasExited) throw new InvalidOperationException($"faultline exited with {Process.ExitCode}:\n{Log}");
            try
            {
                // Any HTTP answer means Kestrel is listening (migrations ran before it started).
                await http.GetAsync($"{BaseUrl}/api/v1/projects/");
                return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"faultline did not start listening:\n{Log}");
    }

    public void Kill() { if (!Process.HasExited) Process.Kill(entireProcessTree: true); Process.WaitForExit(10_000); }

    public void Dispose()
    {
        Kill();
        Process.Dispose();
    }
}

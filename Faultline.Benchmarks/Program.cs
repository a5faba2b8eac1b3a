using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Faultline.Benchmarks;

// Ingest benchmark: starts a real `faultline serve` process on loopback, drives it with gzip'd
// envelopes from many connections and reports events/s, time-to-acknowledge percentiles and the
// server's peak RSS. Usage:
//   dotnet run -c Release --project Faultline.Benchmarks -- [--dsn <FAULTLINE_DSN>] [--seconds 15] [--connections 32] [--only 3kb|50kb|fixed] [--warmup 15] [--progress]
var opts = Args.Parse(args);
if (args.Contains("--stages"))
{
    StageTimings.Run(large: false);
    StageTimings.Run(large: true, n: 600);
    return 0;
}
var key = "0123456789abcdef0123456789abcdef";
var dir = Path.Combine(Path.GetTempPath(), "faultline-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(dir);
var dsn = opts.Dsn ?? "sqlite:" + Path.Combine(dir, "faultline.db");
var port = FreePort();
var dll = opts.ServerDll ?? Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "Faultline.Web", "bin", "Release", "net10.0", "faultline.dll"));
if (!File.Exists(dll)) { Console.Error.WriteLine($"server not built: {dll} (dotnet build -c Release first)"); return 2; }

Console.WriteLine($"backend: {(dsn.StartsWith("sqlite:") ? "sqlite" : "mysql-wire")}  connections: {opts.Connections}  seconds/scenario: {opts.Seconds}  cores: {Environment.ProcessorCount}");
var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
psi.ArgumentList.Add(dll);
psi.ArgumentList.Add("serve");
psi.Environment["FAULTLINE_ADDR"] = $"127.0.0.1:{port}";
psi.Environment["FAULTLINE_DSN"] = dsn;
psi.Environment["FAULTLINE_PROJECTS"] = $"1:{key}";
psi.Environment["FAULTLINE_RATE_LIMIT"] = "10000000";
psi.Environment["FAULTLINE_DATA_DIR"] = dir;
foreach (var kv in opts.ServerEnv) psi.Environment[kv.Key] = kv.Value;
psi.Environment["Logging__LogLevel__Default"] = "Warning";
if (opts.Verbose) psi.Environment["Logging__LogLevel__Faultline.Core.Storage.BatchWriter"] = "Debug";
using var server = Process.Start(psi)!;
server.OutputDataReceived += (_, e) => { if (e.Data != null && opts.Verbose) Console.Error.WriteLine(e.Data); };
server.ErrorDataReceived += (_, e) => { if (e.Data != null && opts.Verbose) Console.Error.WriteLine(e.Data); };
server.BeginOutputReadLine();
server.BeginErrorReadLine();
var results = new List<Result>();
try
{
    var handler = new SocketsHttpHandler { MaxConnectionsPerServer = opts.Connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
    using var http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
    await WaitReady(http, server);
    var path = $"/api/1/envelope/?sentry_key={key}";

    foreach (var large in new[] { false, true })
    {
        if (opts.Only is { } only && only != (large ? "50kb" : "3kb")) continue;
        var perSecond = large ? 400 : 3_000; // more than we can take, so no scenario runs out before the clock does
        var count = perSecond * (opts.Warmup + opts.Seconds) + 1_000;
        Console.Write($"generating {count} {(large ? "≈50 KB" : "≈3 KB")} events ({EventFactory.JsonSize(large) / 1024.0:F1} KB JSON each)... ");
        var bodies = Enumerable.Range(0, count).AsParallel().Select(i => EventFactory.GzipEnvelope(i, large, key)).ToArray();
        Console.WriteLine($"{bodies.Average(b => b.Length) / 1024.0:F1} KB gzip each");
        var size = large ? "50 KB" : "3 KB";
        // Warm-up with distinct events (the same path as the measurement): both processes start in
        // tier-0 JIT code, and on two shared cores tiering takes ≈10-15 s. Reported, not hidden.
        var warm = opts.Warmup * perSecond;
        if (opts.Warmup > 0)
        {
            var w = await Load.ClosedLoop(http, path, bodies[..warm], opts.Connections, TimeSpan.FromSeconds(opts.Warmup), opts.Progress);
            results.Add(w with { Name = $"warm-up: first {opts.Warmup} s of {size} events after start" });
            Console.WriteLine(results[^1]);
        }
        var cpu0 = CpuSeconds(server.Id);
        var r = await Load.ClosedLoop(http, path, bodies[warm..], opts.Connections, TimeSpan.FromSeconds(opts.Seconds), opts.Progress);
        results.Add(r with { Name = $"max throughput, {size} events, {opts.Connections} connections",
            ServerCpuMsPerEvent = (CpuSeconds(server.Id) - cpu0) * 1000 / Math.Max(1, r.EventsPerSecond * r.Seconds) });
        Console.WriteLine(results[^1]);
    }
    if (opts.Only is null or "fixed")
    {
        var warm = opts.Only == "fixed" ? 1000 * opts.Warmup : 0; // after the other scenarios the server is warm already
        var bodies = Enumerable.Range(1_000_000, warm + 1000 * opts.Seconds + 100).AsParallel().Select(i => EventFactory.GzipEnvelope(i, false, key)).ToArray();
        if (warm > 0)
        {
            results.Add(await Load.FixedRate(http, path, bodies[..warm], 1000, TimeSpan.FromSeconds(opts.Warmup)) with { Name = $"warm-up: first {opts.Warmup} s at 1,000 events/s after start" });
            Console.WriteLine(results[^1]);
        }
        var cpu0 = CpuSeconds(server.Id);
        var r = await Load.FixedRate(http, path, bodies[warm..], 1000, TimeSpan.FromSeconds(opts.Seconds));
        results.Add(r with { Name = "fixed 1,000 events/s, 3 KB events",
            ServerCpuMsPerEvent = (CpuSeconds(server.Id) - cpu0) * 1000 / Math.Max(1, r.EventsPerSecond * r.Seconds) });
        Console.WriteLine(results[^1]);
    }
}
finally
{
    var peakKb = PeakRssKb(server.Id);
    server.Kill(entireProcessTree: true);
    server.WaitForExit();
    Console.WriteLine();
    Console.WriteLine("| scenario | events/s | p50 ack | p99 ack | non-200 | server CPU per event |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|");
    foreach (var r in results) Console.WriteLine($"| {r.Name} | {r.EventsPerSecond:F0} | {r.P50Ms:F1} ms | {r.P99Ms:F1} ms | {r.Failures} | {(r.ServerCpuMsPerEvent > 0 ? $"{r.ServerCpuMsPerEvent:F2} ms" : "–")} |");
    Console.WriteLine($"server peak RSS (VmHWM): {peakKb / 1024.0:F0} MB");
    try { Directory.Delete(dir, true); } catch (IOException) { }
}
return 0;

static int FreePort()
{
    using var l = new TcpListener(IPAddress.Loopback, 0);
    l.Start();
    return ((IPEndPoint)l.LocalEndpoint).Port;
}

// utime + stime of the server process, in seconds (USER_HZ = 100 on Linux).
static double CpuSeconds(int pid)
{
    var stat = File.ReadAllText($"/proc/{pid}/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;
}

static long PeakRssKb(int pid)
{
    try
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:"));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
    }
    catch (IOException) { return 0; }
}

static async Task WaitReady(HttpClient http, Process server)
{
    for (var i = 0; i < 600; i++)
    {
        if (server.HasExited) throw new InvalidOperationException("server exited during start-up");
        try { await http.GetAsync("/api/v1/projects/"); return; } catch (HttpRequestException) { }
        await Task.Delay(100);
    }
    throw new TimeoutException("server did not start");
}

sealed record Args(string? Dsn, string? ServerDll, int Seconds, int Connections, bool Verbose)
{
    /// <summary>Run one scenario only: 3kb, 50kb or fixed.</summary>
    public string? Only { get; init; }
    /// <summary>Print acknowledged events per second while a closed-loop scenario runs.</summary>
    public bool Progress { get; init; }
    /// <summary>Seconds of distinct-event load before each closed-loop measurement (--warmup, default 15).</summary>
    public int Warmup { get; init; } = 15;

    /// <summary>Extra server environment: --env NAME=VALUE (repeatable), e.g. DOTNET_gcServer=0.</summary>
    public Dictionary<string, string> ServerEnv { get; init; } = [];

    public static Args Parse(string[] a)
    {
        string? Get(string n) { var i = Array.IndexOf(a, n); return i >= 0 && i + 1 < a.Length ? a[i + 1] : null; }
        var env = a.Select((x, i) => (x, i)).Where(p => p.x == "--env" && p.i + 1 < a.Length).Select(p => a[p.i + 1].Split('=', 2))
            .Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1]);
        return new Args(Get("--dsn"), Get("--server"), int.Parse(Get("--seconds") ?? "15"), int.Parse(Get("--connections") ?? "32"), a.Contains("--verbose"))
            { ServerEnv = env, Only = Get("--only")?.ToLowerInvariant(), Progress = a.Contains("--progress"), Warmup = int.Parse(Get("--warmup") ?? "15") };
    }
}

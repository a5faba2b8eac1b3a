using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Faultline.Core.Config;
using Faultline.Web.Hosting;

namespace Faultline.Web.Cli;

/// <summary>
/// Process management: `serve` (foreground; takes the data directory's lock and writes the pid
/// file), `start` (spawns `serve` detached: new session, output to the log file), `status`
/// (exit 0 running, 3 not running), `stop` (SIGTERM, waits for the graceful exit) and
/// `healthcheck` (GET /_health; exit 0 when 200). Files live in FAULTLINE_DATA_DIR:
/// faultline.pid, faultline.lock, faultline.log.
/// </summary>
public static class DaemonCommands
{
    /// <summary>Set by `start` for the child: the log file its stdout/stderr go to.</summary>
    public const string DaemonLogVariable = "FAULTLINE_DAEMON_LOG";
    public const int ExitNotRunning = 3;
    private const int SigTerm = 15;

    public static string PidFile(FaultlineOptions o) => Path.GetFullPath(Path.Combine(o.DataDir, "faultline.pid"));
    public static string LockFile(FaultlineOptions o) => Path.GetFullPath(Path.Combine(o.DataDir, "faultline.lock"));
    public static string LogFile(FaultlineOptions o) => Path.GetFullPath(Path.Combine(o.DataDir, "faultline.log"));

    [DllImport("libc", SetLastError = true)]
    private static extern int setsid();

    [DllImport("libc", SetLastError = true)]
    private static extern int dup2(int oldfd, int newfd);

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    private static FileStream? _daemonLog;

    public static async Task<int> ServeAsync(FaultlineOptions options, string[] rest)
    {
        if (Environment.GetEnvironmentVariable(DaemonLogVariable) is { Length: > 0 } logPath)
            Detach(logPath);
        Directory.CreateDirectory(options.DataDir);
        FileStream? lockStream;
        try
        {
            // FileShare.None is an exclusive flock on Unix: one server per data directory.
            lockStream = new FileStream(LockFile(options), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            var pid = ReadPid(options);
            Console.Error.WriteLine($"faultline: already running{(pid is { } p ? $" (pid {p})" : "")} with data directory {Path.GetFullPath(options.DataDir)}");
            return 1;
        }
        catch (UnauthorizedAccessException ex)
        {
            Console.Error.WriteLine($"faultline: warning: cannot lock the data directory ({ex.Message}); pid file disabled");
            lockStream = null;
        }
        await using (lockStream)
        {
            await using var app = FaultlineHost.Build(options, rest);
            await FaultlineHost.InitializeAsync(app.Services);
            await app.StartAsync();
            var pidFile = PidFile(options);
            if (lockStream != null) await File.WriteAllTextAsync(pidFile, Environment.ProcessId + "\n");
            try
            {
                // Returns once SIGTERM/SIGINT (or StopApplication) stopped the host gracefully.
                await app.WaitForShutdownAsync();
            }
            finally
            {
                if (lockStream != null && ReadPid(options) == Environment.ProcessId) File.Delete(pidFile);
            }
        }
        return 0;
    }

    /// <summary>In the daemon child: leave the parent's session and send fd 1 and 2 to the log file.</summary>
    private static void Detach(string logPath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        setsid();
        _daemonLog = new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        var fd = (int)_daemonLog.SafeFileHandle.DangerousGetHandle();
        dup2(fd, 1);
        dup2(fd, 2);
    }

    public static async Task<int> StartAsync(FaultlineOptions options)
    {
        if (RunningPid(options) is { } running)
        {
            Console.Error.WriteLine($"faultline: already running (pid {running})");
            return 1;
        }
        Directory.CreateDirectory(options.DataDir);
        var log = LogFile(options);
        var psi = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Environment.CurrentDirectory,
        };
        var self = Environment.ProcessPath ?? "dotnet";
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            psi.FileName = self;
            psi.ArgumentList.Add(typeof(DaemonCommands).Assembly.Location);
        }
        else psi.FileName = self;
        psi.ArgumentList.Add("serve");
        psi.Environment[DaemonLogVariable] = log;
        var startedAt = new FileInfo(log) is { Exists: true } f ? f.Length : 0;

        using var child = Process.Start(psi) ?? throw new InvalidOperationException("could not start the server process");
        child.StandardInput.Close();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (ReadPid(options) == child.Id)
            {
                Console.WriteLine($"faultline started (pid {child.Id}); log: {log}");
                return 0;
            }
            if (child.HasExited)
            {
                Console.Error.WriteLine($"faultline: the server exited during start-up (code {child.ExitCode}); from {log}:");
                Console.Error.WriteLine(Tail(log, startedAt, 20));
                return 1;
            }
            await Task.Delay(100);
        }
        Console.Error.WriteLine($"faultline: the server (pid {child.Id}) did not come up within 90 s; see {log}");
        return 1;
    }

    public static async Task<int> StatusAsync(FaultlineOptions options)
    {
        if (RunningPid(options) is not { } pid)
        {
            Console.WriteLine("faultline is not running");
            return ExitNotRunning;
        }
        var uptime = TimeSpan.Zero;
        try { uptime = DateTime.Now - Process.GetProcessById(pid).StartTime; } catch (Exception) { /* raced with exit */ }
        Console.WriteLine($"faultline is running (pid {pid}, up {(int)uptime.TotalHours}h {uptime.Minutes}m {uptime.Seconds}s)");
        var (code, health) = await GetHealthAsync(options);
        if (health is null) Console.WriteLine($"health: unreachable at {HealthUrl(options)}");
        else
        {
            var storage = health["storage"];
            var ingest = health["ingest"];
            Console.WriteLine($"health: {health["status"]} (HTTP {code}), version {health["version"]}");
            Console.WriteLine($"storage: {storage?["backend"]} {storage?["version"]}, reachable {storage?["reachable"]}");
            Console.WriteLine($"ingest: queue {ingest?["queue_depth"]}/{ingest?["queue_capacity"]} ({ingest?["queue_status"]}), " +
                              $"{ingest?["events_last_minute"]} events last minute, {ingest?["events_last_hour"]} last hour, last commit {ingest?["last_batch_commit_at"] ?? "never"}");
            Console.WriteLine($"open issues: {health["issues"]?["open"]}");
        }
        return 0;
    }

    public static async Task<int> StopAsync(FaultlineOptions options)
    {
        if (RunningPid(options) is not { } pid)
        {
            Console.WriteLine("faultline is not running");
            return 0;
        }
        if (kill(pid, SigTerm) != 0)
        {
            Console.Error.WriteLine($"faultline: could not signal pid {pid} (errno {Marshal.GetLastWin32Error()})");
            return 1;
        }
        var wait = TimeSpan.FromSeconds(options.Ops.ShutdownTimeoutSecs + 15);
        var deadline = DateTime.UtcNow + wait;
        while (DateTime.UtcNow < deadline)
        {
            if (!IsFaultline(pid))
            {
                Console.WriteLine($"faultline stopped (pid {pid})");
                return 0;
            }
            await Task.Delay(100);
        }
        Console.Error.WriteLine($"faultline: pid {pid} did not stop within {wait.TotalSeconds:0} s");
        return 1;
    }

    public static async Task<int> HealthcheckAsync(FaultlineOptions options)
    {
        var (code, health) = await GetHealthAsync(options);
        Console.WriteLine(health is null ? $"unreachable: {HealthUrl(options)}" : $"{health["status"]} (HTTP {code})");
        return code == 200 ? 0 : 1;
    }

    private static async Task<(int Code, JsonObject? Body)> GetHealthAsync(FaultlineOptions options)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(4) };
        try
        {
            using var r = await http.GetAsync(HealthUrl(options));
            var body = await r.Content.ReadAsStringAsync();
            return ((int)r.StatusCode, JsonNode.Parse(body) as JsonObject);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return (0, null);
        }
    }

    /// <summary>/_health on the listen address, with wildcard hosts replaced by loopback.</summary>
    public static string HealthUrl(FaultlineOptions options)
    {
        var u = new UriBuilder(options.ListenUrl);
        if (u.Host is "0.0.0.0" or "*" or "+") u.Host = "127.0.0.1";
        else if (u.Host is "[::]" or "::") u.Host = "[::1]";
        u.Path = "/_health";
        return u.Uri.ToString();
    }

    private static int? ReadPid(FaultlineOptions options)
    {
        try { return int.TryParse(File.ReadAllText(PidFile(options)).Trim(), out var pid) ? pid : null; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>The pid from the pid file when that process is alive and is a Faultline.</summary>
    public static int? RunningPid(FaultlineOptions options) => ReadPid(options) is { } pid && IsFaultline(pid) ? pid : null;

    private static bool IsFaultline(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            if (close > 0 && close + 2 < stat.Length && stat[close + 2] is 'Z' or 'X') return false;
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains("faultline", StringComparison.OrdinalIgnoreCase);
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return kill(pid, 0) == 0; }
    }

    private static string Tail(string path, long from, int lines)
    {
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            fs.Seek(Math.Min(from, fs.Length), SeekOrigin.Begin);
            var text = new StreamReader(fs).ReadToEnd();
            return string.Join('\n', text.Split('\n').TakeLast(lines));
        }
        catch (IOException) { return "(no log)"; }
    }
}

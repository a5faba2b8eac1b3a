using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Faultline.Core.Storage.MySql;
using MySql.Data.MySqlClient;

namespace Faultline.Tests.Fixtures;

/// <summary>Test classes that need MariaDB join this collection and share one private server.</summary>
[CollectionDefinition(Name)]
public sealed class MariaDbCollection : ICollectionFixture<MariaDbServer>
{
    public const string Name = "mariadb";
}

/// <summary>
/// A private mariadbd (Debian mariadb-server) for the tests: its own temp datadir, loopback port and socket,
/// a password-protected user <see cref="User"/> with all privileges (grant tables stay on), and a database
/// per caller via <see cref="CreateDatabase"/>. A missing MariaDB is a failure, never a skip: CI must run it.
/// <see cref="Stop"/>/<see cref="Start"/> keep datadir and port so outage tests can pull the plug mid-load.
/// </summary>
public sealed class MariaDbServer : IAsyncLifetime, IDisposable
{
    public const string User = "faultline";
    public const string DefaultDatabase = "faultline";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly string[] SearchDirs = ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"];

    private readonly object _gate = new();
    private Process? _process;
    private int _databaseCounter;
    private bool _disposed;

    public MariaDbServer()
    {
        // Special characters on purpose: every test that connects also proves the DSN parser and the
        // connection-string quoting handle them. No quote/backslash so the SQL literal below stays simple.
        Password = "Fl@:/?" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();
        BaseDir = Directory.CreateTempSubdirectory("faultline-mariadb-").FullName;
    }

    public string Password { get; }
    public string BaseDir { get; }
    public string DataDir => Path.Combine(BaseDir, "data");
    public string SocketPath => Path.Combine(BaseDir, "mysqld.sock");
    public string ErrorLogPath => Path.Combine(BaseDir, "error.log");
    public int Port { get; private set; }
    public bool IsRunning { get { lock (_gate) return _process is { HasExited: false }; } }

    /// <summary>How long mariadb-install-db took (once per fixture).</summary>
    public TimeSpan InstallTime { get; private set; }
    /// <summary>How long the most recent <see cref="Start"/> took until a real login succeeded.</summary>
    public TimeSpan LastStartTime { get; private set; }

    public Task InitializeAsync()
    {
        MySqlCharsetFix.Apply();
        var mariadbd = FindBinary("mariadbd", "mysqld");
        var installDb = FindBinary("mariadb-install-db", "mysql_install_db");
        Install(installDb);

        // A free port can be taken between probing and binding (other fixtures start in parallel): retry.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreeLoopbackPort();
            try { StartProcess(mariadbd); WaitUntilReady(); return Task.CompletedTask; }
            catch (InvalidOperationException) when (attempt < 3 && ErrorLogMentionsBindFailure())
            {
                KillProcess();
            }
        }
    }

    /// <summary>ADO.NET connection string for <paramref name="database"/> with the product's settings.</summary>
    public string ConnectionString(string database = DefaultDatabase) => GoDsnParser.ToConnectionString(GoDsn(database));

    /// <summary>The same target in the Go DSN form FAULTLINE_DSN accepts.</summary>
    public string GoDsn(string database = DefaultDatabase) => $"{User}:{Password}@tcp(127.0.0.1:{Port})/{database}";

    /// <summary>Creates an empty utf8mb4 database with a fresh name, for test isolation.</summary>
    public string CreateDatabase()
    {
        var name = $"fl_test_{Interlocked.Increment(ref _databaseCounter)}";
        using var conn = new MySqlConnection(ConnectionString());
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = $"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci";
        cmd.ExecuteNonQuery();
        return name;
    }

    /// <summary>Shuts the server down (SIGTERM, clean InnoDB shutdown) or crashes it (SIGKILL).</summary>
    public void Stop(bool graceful = true)
    {
        lock (_gate)
        {
            if (_process is null || _process.HasExited) return;
            if (graceful && SysKill(_process.Id, Sigterm) == 0 && _process.WaitForExit(30_000))
            {
                _process.Dispose();
                _process = null;
                return;
            }
            KillProcess();
        }
    }

    /// <summary>Starts the server again on the same datadir and port; returns once logins work.</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_process is { HasExited: false }) return;
            StartProcess(FindBinary("mariadbd", "mysqld"));
        }
        WaitUntilReady();
    }

    public Task DisposeAsync() { Dispose(); return Task.CompletedTask; }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        MySqlConnection.ClearAllPools();
        KillProcess(); // the data is thrown away, so no clean shutdown needed
        try { Directory.Delete(BaseDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private void Install(string installDb)
    {
        var sw = Stopwatch.StartNew();
        var psi = new ProcessStartInfo(installDb)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--no-defaults", $"--datadir={DataDir}", "--auth-root-authentication-method=normal",
                     "--skip-test-db", "--skip-name-resolve" })
            psi.ArgumentList.Add(a);
        if (IsRoot) psi.ArgumentList.Add("--user=root");

        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {installDb}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{installDb} did not finish within 60 s");
        }
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{installDb} failed with exit code {p.ExitCode}:\n{stdout.Result}\n{stderr.Result}");
        InstallTime = sw.Elapsed;

        // Runs at every start, before connections are accepted; IF NOT EXISTS keeps restarts idempotent.
        File.WriteAllText(InitFilePath,
            $"CREATE USER IF NOT EXISTS '{User}'@'%' IDENTIFIED BY '{Password}';\n" +
            $"GRANT ALL PRIVILEGES ON *.* TO '{User}'@'%';\n" +
            $"CREATE DATABASE IF NOT EXISTS `{DefaultDatabase}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n");
    }

    private string InitFilePath => Path.Combine(BaseDir, "init.sql");

    private void StartProcess(string mariadbd)
    {
        // Output is captured (not inherited) so start-up warnings such as "could not increase max_open_files"
        // do not litter the test log, yet early failures that happen before --log-error is open are kept.
        var psi = new ProcessStartInfo(mariadbd)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[]
                 {
                     "--no-defaults", $"--datadir={DataDir}", $"--socket={SocketPath}", $"--port={Port}",
                     "--bind-address=127.0.0.1", $"--pid-file={Path.Combine(BaseDir, "mysqld.pid")}",
                     $"--log-error={ErrorLogPath}", "--skip-name-resolve", "--innodb-buffer-pool-size=128M",
                     "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
                     $"--init-file={InitFilePath}",
                 })
            psi.ArgumentList.Add(a);
        if (IsRoot) psi.ArgumentList.Add("--user=root");

        lock (_gate)
        {
            LastStartTime = TimeSpan.Zero;
            _startedAt = Stopwatch.GetTimestamp();
            _process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {mariadbd}");
            _process.OutputDataReceived += OnConsoleLine;
            _process.ErrorDataReceived += OnConsoleLine;
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    private long _startedAt;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _console = new();

    private void OnConsoleLine(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is null) return;
        _console.Enqueue(e.Data);
        while (_console.Count > 50) _console.TryDequeue(out _);
    }

    private void WaitUntilReady()
    {
        // Ready = the test user can log in over TCP and run a query, which also proves init.sql ran.
        var probe = new MySqlConnectionStringBuilder(ConnectionString()) { Pooling = false, ConnectionTimeout = 2 }.ConnectionString;
        var deadline = Stopwatch.StartNew();
        Exception? last = null;
        while (deadline.Elapsed < ReadyTimeout)
        {
            Process? p;
            lock (_gate) p = _process;
            if (p is null || p.HasExited)
                throw new InvalidOperationException(
                    $"mariadbd exited during start-up (exit code {(p is null ? "?" : p.ExitCode.ToString())}). Error log {ErrorLogPath}:\n{ReadErrorLog()}");
            try
            {
                using var conn = new MySqlConnection(probe);
                conn.Open();
                using var cmd = conn.CreateCommand();
                cmd.CommandText = "SELECT 1";
                cmd.ExecuteScalar();
                LastStartTime = Stopwatch.GetElapsedTime(_startedAt);
                return;
            }
            catch (MySqlException e) { last = e; }
            Thread.Sleep(50);
        }
        KillProcess();
        throw new InvalidOperationException(
            $"mariadbd was not ready within {ReadyTimeout.TotalSeconds:0} s (last error: {last?.Message}). Error log {ErrorLogPath}:\n{ReadErrorLog()}");
    }

    private string ReadErrorLog()
    {
        try
        {
            using var s = new FileStream(ErrorLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var r = new StreamReader(s);
            var text = r.ReadToEnd();
            return (text.Length > 8000 ? text[^8000..] : text) + ConsoleTail();
        }
        catch (IOException) { return "(no error log)" + ConsoleTail(); }
    }

    private string ConsoleTail() => _console.IsEmpty ? "" : "\nmariadbd console:\n" + string.Join("\n", _console);

    private bool ErrorLogMentionsBindFailure()
    {
        var log = ReadErrorLog();
        return log.Contains("Address already in use", StringComparison.Ordinal) || log.Contains("Bind on TCP/IP port", StringComparison.Ordinal);
    }

    private void KillProcess()
    {
        lock (_gate)
        {
            if (_process is null) return;
            try
            {
                if (!_process.HasExited) { _process.Kill(entireProcessTree: true); _process.WaitForExit(10_000); }
            }
            catch (InvalidOperationException) { }
            _process.Dispose();
            _process = null;
        }
    }

    // Last line of defence when the test host exits without disposing fixtures: never leave a mariadbd behind.
    private void OnProcessExit(object? sender, EventArgs e) => KillProcess();

    private static int FreeLoopbackPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    internal static string FindBinary(params string[] names)
    {
        var dirs = SearchDirs.Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries));
        foreach (var name in names)
            foreach (var dir in dirs)
            {
                var path = Path.Combine(dir, name);
                if (File.Exists(path)) return path;
            }
        throw new InvalidOperationException(
            $"MariaDB is required for these tests but '{names[0]}' was not found in {string.Join(", ", SearchDirs)} or PATH. " +
            "Install Debian's mariadb-server (test.sh does it); MariaDB tests fail rather than skip so CI cannot silently lose them.");
    }

    private static bool IsRoot => geteuid() == 0;

    private const int Sigterm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);

    [DllImport("libc", SetLastError = false)]
    private static extern uint geteuid();
}

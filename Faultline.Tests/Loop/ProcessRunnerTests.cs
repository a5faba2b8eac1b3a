using System.Diagnostics;
using Faultline.Core.Loop;

namespace Faultline.Tests.Loop;

public class ProcessRunnerTests
{
    readonly ProcessRunner _runner = new();

    [Fact]
    public async Task PassesArgumentsVerbatimWithoutAShell()
    {
        string[] args = ["%s\n", "two words", "$HOME", "; rm -rf /", "\"quoted\"", "--title=-x"];
        var r = await _runner.RunAsync(new ProcessRequest("/usr/bin/printf", args));
        Assert.True(r.Succeeded, r.StandardError);
        Assert.Equal(args[1..], r.StandardOutput.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task WritesStdinAndCapturesStdout()
    {
        var body = "line one\nünïcode ✓\n" + new string('x', 200_000);
        var r = await _runner.RunAsync(new ProcessRequest("/bin/cat", []) { StandardInput = body });
        Assert.True(r.Succeeded);
        Assert.Equal(body, r.StandardOutput);
    }

    [Fact]
    public async Task UsesWorkingDirectoryAndEnvironmentOverrides()
    {
        var dir = Directory.CreateTempSubdirectory("faultline-pr-").FullName;
        var r = await _runner.RunAsync(new ProcessRequest("/bin/sh", ["-c", "pwd; echo \"$FL_TEST_VAR\"; echo \"${HOME-removed}\""])
        {
            WorkingDirectory = dir,
            Environment = new Dictionary<string, string?> { ["FL_TEST_VAR"] = "set by test", ["HOME"] = null },
        });
        Assert.Equal([dir, "set by test", "removed"], r.StandardOutput.TrimEnd('\n').Split('\n'));
        Directory.Delete(dir);
    }

    [Fact]
    public async Task ReportsExitCodeAndStderr()
    {
        var r = await _runner.RunAsync(new ProcessRequest("/bin/sh", ["-c", "echo oops >&2; exit 3"]));
        Assert.False(r.Succeeded);
        Assert.Equal(3, r.ExitCode);
        Assert.Equal("oops\n", r.StandardError);
        Assert.False(r.TimedOut);
        Assert.Null(r.StartError);
    }

    [Fact]
    public async Task MissingExecutableIsAFailureResultNotAnException()
    {
        var r = await _runner.RunAsync(new ProcessRequest("/nonexistent/bd-" + Guid.NewGuid().ToString("N"), ["show"]));
        Assert.False(r.Succeeded);
        Assert.Equal(-1, r.ExitCode);
        Assert.NotNull(r.StartError);
        Assert.StartsWith("could not start 'bd-", r.StartError);

        var onPath = await _runner.RunAsync(new ProcessRequest("faultline-no-such-tool-" + Guid.NewGuid().ToString("N"), []));
        Assert.NotNull(onPath.StartError);
    }

    [Fact]
    public async Task MissingWorkingDirectoryIsAFailureResult()
    {
        var r = await _runner.RunAsync(new ProcessRequest("/bin/true", []) { WorkingDirectory = "/nonexistent/dir/" + Guid.NewGuid() });
        Assert.False(r.Succeeded);
        Assert.NotNull(r.StartError);
    }

    [Fact]
    public async Task TimeoutKillsTheWholeProcessTree()
    {
        var pidFile = Path.Combine(Path.GetTempPath(), $"faultline-child-{Guid.NewGuid():N}.pid");
        var watch = Stopwatch.StartNew();
        var r = await _runner.RunAsync(new ProcessRequest("/bin/sh", ["-c", $"sleep 60 & echo $! > {pidFile}; wait"])
        {
            Timeout = TimeSpan.FromMilliseconds(700),
        });
        watch.Stop();
        Assert.True(r.TimedOut);
        Assert.False(r.Succeeded);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");

        var childPid = int.Parse(File.ReadAllText(pidFile).Trim());
        File.Delete(pidFile);
        // The grandchild `sleep 60` must be gone too (a zombie awaiting its reaper counts as gone).
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (IsRunning(childPid) && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.False(IsRunning(childPid), "grandchild survived the timeout");
    }

    [Fact]
    public async Task CapsCapturedOutput()
    {
        var r = await _runner.RunAsync(new ProcessRequest("/usr/bin/python3", ["-c", "import sys; sys.stdout.write('x' * 100000)"])
        {
            MaxOutputChars = 1000,
        });
        Assert.True(r.Succeeded);
        Assert.Equal(1000, r.StandardOutput.Length);
        Assert.True(r.OutputTruncated);
    }

    [Fact]
    public async Task CallerCancellationThrowsAfterKilling()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            _runner.RunAsync(new ProcessRequest("/bin/sleep", ["60"]) { Timeout = TimeSpan.FromMinutes(1) }, cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
    }

    static bool IsRunning(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat)) return false;
        try
        {
            var text = File.ReadAllText(stat);
            var state = text[(text.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state != "Z" && state != "X";
        }
        catch (IOException) { return false; }
    }
}

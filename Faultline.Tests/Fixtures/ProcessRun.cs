using System.Diagnostics;

namespace Faultline.Tests.Fixtures;

/// <summary>Runs a helper program (an SDK script) to completion with a timeout, capturing output.</summary>
public static class ProcessRun
{
    public static async Task<(int Exit, string Output)> RunAsync(string file, IEnumerable<string> args, string? cwd = null,
        IDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (cwd != null) psi.WorkingDirectory = cwd;
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish: {await stdout}{await stderr}");
        }
        return (p.ExitCode, await stdout + await stderr);
    }
}

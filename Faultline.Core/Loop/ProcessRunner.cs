using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Faultline.Core.Loop;

/// <summary>What to run. Arguments are a list handed to the OS as-is: no shell ever parses them.</summary>
public sealed record ProcessRequest(string FileName, IReadOnlyList<string> Arguments)
{
    public string? WorkingDirectory { get; init; }
    /// <summary>Overrides on top of the inherited environment; a null value removes the variable.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();
    /// <summary>Written to the child's stdin, which is then closed. Null = stdin closed immediately.</summary>
    public string? StandardInput { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Per stream; the rest is read and discarded so the child never blocks on a full pipe.</summary>
    public int MaxOutputChars { get; init; } = 1_000_000;
}

/// <summary>
/// Outcome of one run. <see cref="StartError"/> is set when the executable could not be started
/// (missing, not executable); the exit code is then -1.
/// </summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError, bool TimedOut,
    bool OutputTruncated = false, string? StartError = null)
{
    public bool Succeeded => StartError is null && !TimedOut && ExitCode == 0;

    /// <summary>A one-line reason for a failed run, for timelines and logs.</summary>
    public string Describe(string tool)
    {
        if (StartError is not null) return StartError;
        if (TimedOut) return $"{tool} timed out and was killed";
        return ExitCode == 0 ? $"{tool} succeeded" : $"{tool} exited with code {ExitCode}";
    }
}

public interface IProcessRunner
{
    /// <summary>
    /// Runs the process to completion or timeout. Never throws for process failures (they come back in
    /// the result); only cancellation of <paramref name="ct"/> throws, after the process tree is killed.
    /// </summary>
    Task<ProcessResult> RunAsync(ProcessRequest request, CancellationToken ct = default);
}

public sealed class ProcessRunner : IProcessRunner
{
    // After a kill, or once the child exited, how long we still wait for the pipes to reach EOF. A
    // grandchild that escaped the tree can hold them open forever; we must not hang on it.
    static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(2);

    public async Task<ProcessResult> RunAsync(ProcessRequest request, CancellationToken ct = default)
    {
        var psi = new ProcessStartInfo(request.FileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in request.Arguments) psi.ArgumentList.Add(arg);
        if (request.WorkingDirectory is not null) psi.WorkingDirectory = request.WorkingDirectory;
        foreach (var (name, value) in request.Environment)
        {
            if (value is null) psi.Environment.Remove(name);
            else psi.Environment[name] = value;
        }

        using var process = new Process { StartInfo = psi };
        try
        {
            if (!process.Start()) return StartFailure(request, "the process did not start");
        }
        catch (Win32Exception ex) { return StartFailure(request, ex.Message); }
        catch (InvalidOperationException ex) { return StartFailure(request, ex.Message); }
        catch (IOException ex) { return StartFailure(request, ex.Message); } // e.g. missing working directory

        var stdout = new CappedReader(process.StandardOutput, request.MaxOutputChars);
        var stderr = new CappedReader(process.StandardError, request.MaxOutputChars);
        var readers = Task.WhenAll(stdout.Task, stderr.Task);
        var writer = WriteStdinAsync(process.StandardInput, request.StandardInput);

        using var timeout = new CancellationTokenSource(request.Timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, ct);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
            // Exited, but a background child may still hold the pipes: wait only as long as the budget allows.
            await readers.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillTree(process);
            if (ct.IsCancellationRequested) throw;
            timedOut = true;
        }
        await Task.WhenAny(readers, Task.Delay(DrainGrace, CancellationToken.None)).ConfigureAwait(false);
        await Task.WhenAny(writer, Task.Delay(DrainGrace, CancellationToken.None)).ConfigureAwait(false);

        var exitCode = process.HasExited ? process.ExitCode : -1;
        return new ProcessResult(exitCode, stdout.Text, stderr.Text, timedOut, stdout.Truncated || stderr.Truncated);
    }

    static ProcessResult StartFailure(ProcessRequest request, string why) =>
        new(-1, "", "", false, false, $"could not start '{Path.GetFileName(request.FileName)}': {why}");

    static void KillTree(Process process)
    {
        try { process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { } // already exited
        catch (Win32Exception) { }             // raced with exit or not permitted; nothing more we can do
    }

    static async Task WriteStdinAsync(StreamWriter stdin, string? text)
    {
        try
        {
            if (text is not null) await stdin.WriteAsync(text).ConfigureAwait(false);
            await stdin.FlushAsync().ConfigureAwait(false);
        }
        catch (IOException) { } // child exited without reading all of it (broken pipe): its exit code tells the story
        catch (ObjectDisposedException) { }
        finally
        {
            try { stdin.Close(); } catch (IOException) { } catch (ObjectDisposedException) { }
        }
    }

    /// <summary>Reads a stream to EOF keeping at most <c>cap</c> characters.</summary>
    sealed class CappedReader
    {
        readonly StringBuilder _text = new();
        public Task Task { get; }
        public bool Truncated { get; private set; }
        public string Text { get { lock (_text) return _text.ToString(); } }

        public CappedReader(StreamReader reader, int cap) => Task = Task.Run(() => PumpAsync(reader, cap));

        async Task PumpAsync(StreamReader reader, int cap)
        {
            var buffer = new char[8192];
            try
            {
                int n;
                while ((n = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
                {
                    lock (_text)
                    {
                        var room = cap - _text.Length;
                        if (room >= n) _text.Append(buffer, 0, n);
                        else
                        {
                            if (room > 0) _text.Append(buffer, 0, room);
                            Truncated = true;
                        }
                    }
                }
            }
            catch (IOException) { }
            catch (ObjectDisposedException) { }
        }
    }
}

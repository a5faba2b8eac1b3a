using Faultline.Core.Loop;

namespace Faultline.Tests.Fixtures;

/// <summary>Runs a helper program (an SDK script, the faultline CLI) to completion through Core's ProcessRunner.</summary>
public static class ProcessRun
{
    public static async Task<(int Exit, string Output)> RunAsync(string file, IReadOnlyList<string> args, string? cwd = null,
        IDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        var r = await new ProcessRunner().RunAsync(new ProcessRequest(file, args)
        {
            WorkingDirectory = cwd,
            Environment = (env ?? new Dictionary<string, string>()).ToDictionary(kv => kv.Key, kv => (string?)kv.Value),
            Timeout = timeout ?? TimeSpan.FromSeconds(60),
        });
        if (r.StartError is not null || r.TimedOut) throw new InvalidOperationException(r.Describe(file) + "\n" + r.StandardOutput + r.StandardError);
        return (r.ExitCode, r.StandardOutput + r.StandardError);
    }
}

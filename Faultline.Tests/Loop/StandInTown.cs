using System.Text.Json.Nodes;
using Faultline.Core.Loop;

namespace Faultline.Tests.Loop;

/// <summary>
/// A throw-away Gas Town layout (<c>mayor/town.json</c>, <c>&lt;rig&gt;/.beads</c>) plus the stand-in bd/gt
/// scripts from StandIns/, with their state directory and call log.
/// </summary>
public sealed class StandInTown : IDisposable
{
    public const string Rig = "gastown";
    public string Root { get; }
    public string StateDir { get; }
    public string LogFile { get; }
    public string BdPath { get; }
    public string GtPath { get; }
    /// <summary>Extra environment for the stand-ins (FAKE_*), added by <see cref="Runner"/>.</summary>
    public Dictionary<string, string?> FakeEnv { get; } = [];

    public StandInTown()
    {
        var baseDir = Path.Combine(Path.GetTempPath(), "faultline-town-" + Guid.NewGuid().ToString("N"));
        Root = Path.Combine(baseDir, "town");
        StateDir = Path.Combine(baseDir, "state");
        LogFile = Path.Combine(baseDir, "calls.jsonl");
        Directory.CreateDirectory(Path.Combine(Root, "mayor"));
        File.WriteAllText(Path.Combine(Root, "mayor", "town.json"), "{}");
        Directory.CreateDirectory(Path.Combine(Root, Rig, ".beads"));
        Directory.CreateDirectory(StateDir);

        var standIns = Path.Combine(AppContext.BaseDirectory, "Loop", "StandIns");
        BdPath = Path.Combine(standIns, "bd");
        GtPath = Path.Combine(standIns, "gt");
        // git and the copy to bin/ may drop the executable bit.
        if (!OperatingSystem.IsWindows())
            foreach (var script in new[] { BdPath, GtPath })
                File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        FakeEnv["FAKE_STATE"] = StateDir;
        FakeEnv["FAKE_LOG"] = LogFile;
    }

    public LoopOptions Options(bool slingForce = false) => new()
    {
        BdBin = BdPath, GtBin = GtPath, TownRoot = Root, SlingForce = slingForce,
        BdTimeout = TimeSpan.FromSeconds(20), SlingTimeout = TimeSpan.FromSeconds(20), EscalateTimeout = TimeSpan.FromSeconds(20),
    };

    public IProcessRunner Runner => new AddEnvironment(new ProcessRunner(), FakeEnv);

    public IReadOnlyList<JsonObject> Calls() =>
        File.Exists(LogFile)
            ? File.ReadAllLines(LogFile).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject()).ToList()
            : [];

    public JsonObject? Bead(string id)
    {
        var path = Path.Combine(StateDir, id + ".json");
        return File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path))!.AsObject() : null;
    }

    public void WriteBead(string id, string status, string? closeReason = null)
    {
        var bead = new JsonObject { ["id"] = id, ["title"] = "t", ["status"] = status, ["updated_at"] = "2026-06-01T12:00:00Z" };
        if (closeReason is not null) { bead["close_reason"] = closeReason; bead["closed_at"] = "2026-06-01T12:30:00Z"; }
        File.WriteAllText(Path.Combine(StateDir, id + ".json"), bead.ToJsonString());
    }

    public void Fail(string tool, string subcommand, string message = "") =>
        File.WriteAllText(Path.Combine(StateDir, $"fail-{tool}-{subcommand}"), message);

    public void Dispose()
    {
        try { Directory.Delete(Path.GetDirectoryName(Root)!, recursive: true); } catch (IOException) { }
    }

    /// <summary>
    /// Plays the inherited environment: the FAKE_* variables (and anything else a test puts in FakeEnv)
    /// come first and the client's own overrides win, exactly as over the real process environment —
    /// without touching the test process's environment, which parallel tests share.
    /// </summary>
    sealed class AddEnvironment(IProcessRunner inner, IReadOnlyDictionary<string, string?> inherited) : IProcessRunner
    {
        public Task<ProcessResult> RunAsync(ProcessRequest request, CancellationToken ct = default)
        {
            var env = new Dictionary<string, string?>(inherited);
            foreach (var (k, v) in request.Environment) env[k] = v;
            return inner.RunAsync(request with { Environment = env }, ct);
        }
    }
}

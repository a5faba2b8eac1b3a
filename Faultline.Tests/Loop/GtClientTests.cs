using Faultline.Core.Loop;

namespace Faultline.Tests.Loop;

/// <summary>GtClient against the stand-in gt (GASTOWN.md §6.1, §8.1, §11.2 item 4).</summary>
public sealed class GtClientTests : IDisposable
{
    readonly StandInTown _town = new();
    GtClient Client(bool force = false) => new(_town.Runner, _town.Options(force));

    static List<string> Argv(System.Text.Json.Nodes.JsonObject call) =>
        call["argv"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();

    [Fact]
    public async Task SlingRunsFromTheTownRootWithoutForce()
    {
        _town.WriteBead("fl-a1", "open");
        _town.FakeEnv["GT_ROLE"] = "polecat"; // inherited agent identity must not leak into our calls
        var r = await Client().SlingAsync("fl-a1", StandInTown.Rig);
        Assert.True(r.Ok, r.Error);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Slung fl-a1", r.Output);

        var call = Assert.Single(_town.Calls());
        Assert.Equal(["sling", "fl-a1", StandInTown.Rig], Argv(call));
        Assert.Equal(_town.Root, call["cwd"]!.GetValue<string>());
        Assert.Equal(_town.Root, call["env"]!["GT_TOWN_ROOT"]!.GetValue<string>());
        Assert.Null(call["env"]!["GT_ROLE"]);
        Assert.Equal("hooked", _town.Bead("fl-a1")!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task SlingPassesForceOnlyWhenConfigured()
    {
        _town.WriteBead("fl-a1", "hooked");
        Assert.False((await Client().SlingAsync("fl-a1", StandInTown.Rig)).Ok);
        var forced = await Client(force: true).SlingAsync("fl-a1", StandInTown.Rig);
        Assert.True(forced.Ok, forced.Error);
        Assert.Equal(["sling", "fl-a1", StandInTown.Rig, "--force"], Argv(_town.Calls()[1]));
    }

    [Fact]
    public async Task SlingFailureIsTheExitCodeWithTheMessage()
    {
        _town.WriteBead("fl-a1", "open");
        _town.Fail("gt", "sling", "rig gastown is parked");
        var r = await Client().SlingAsync("fl-a1", StandInTown.Rig);
        Assert.False(r.Ok);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("Error: rig gastown is parked", r.Error);
        Assert.Equal("open", _town.Bead("fl-a1")!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task SlingWithMissingGtIsAFailureResult()
    {
        var client = new GtClient(new ProcessRunner(), new LoopOptions { GtBin = "/nonexistent/gt", TownRoot = _town.Root });
        var r = await client.SlingAsync("fl-a1", StandInTown.Rig);
        Assert.False(r.Ok);
        Assert.Contains("could not start", r.Error);
    }

    [Fact]
    public async Task SlingTimeoutIsAFailureResult()
    {
        _town.FakeEnv["FAKE_SLEEP"] = "10";
        var client = new GtClient(_town.Runner, new LoopOptions { GtBin = _town.GtPath, TownRoot = _town.Root, SlingTimeout = TimeSpan.FromMilliseconds(500) });
        var r = await client.SlingAsync("fl-a1", StandInTown.Rig);
        Assert.False(r.Ok);
        Assert.Contains("timed out", r.Error);
    }

    [Theory]
    [InlineData("--force", StandInTown.Rig)]
    [InlineData("fl-a1", "../x")]
    public async Task SlingRefusesUnsafeArguments(string bead, string rig)
    {
        Assert.False((await Client().SlingAsync(bead, rig)).Ok);
        Assert.Empty(_town.Calls());
    }

    [Fact]
    public async Task EscalateUsesTheContractFlags()
    {
        var r = await Client().EscalateAsync(new EscalationRequest
        {
            Summary = "list",
            Reason = "Issue 41 regressed twice\nsecond line",
            Severity = EscalationSeverity.High,
            RelatedBeadId = "fl-new2",
        });
        Assert.True(r.Ok, r.Error);
        Assert.Equal("hq-esc1", r.EscalationId);
        Assert.Equal("ok", r.DeliveryStatus);

        var call = Assert.Single(_town.Calls());
        var argv = Argv(call);
        Assert.Equal("escalate", argv[0]);
        Assert.Equal("Faultline: list", argv[1]); // never a bare subcommand name or a flag
        Assert.Contains("--severity=high", argv);
        Assert.Contains("--reason=Issue 41 regressed twice\nsecond line", argv);
        Assert.Contains("--source=faultline", argv);
        Assert.Contains("--related=fl-new2", argv);
        Assert.Contains("--json", argv);
        Assert.DoesNotContain(argv, a => a.StartsWith("--to", StringComparison.Ordinal));
        Assert.Equal(_town.Root, call["cwd"]!.GetValue<string>());
    }

    [Fact]
    public async Task EscalateFailureIsReported()
    {
        _town.Fail("gt", "escalate", "mail router down");
        var r = await Client().EscalateAsync(new EscalationRequest { Summary = "x", Reason = "y" });
        Assert.False(r.Ok);
        Assert.Equal("Error: mail router down", r.Error);
    }

    public void Dispose() => _town.Dispose();
}

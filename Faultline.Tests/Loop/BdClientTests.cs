using System.Text.Json.Nodes;
using Faultline.Core.Loop;

namespace Faultline.Tests.Loop;

/// <summary>BdClient against the stand-in bd (GASTOWN.md §11.2 items 1, 2, 6).</summary>
public sealed class BdClientTests : IDisposable
{
    readonly StandInTown _town = new();
    BdClient Client() => new(_town.Runner, _town.Options());

    static BeadRequest Request(string title = "TypeError: cart is undefined (checkout.submit)") => new()
    {
        Title = title,
        Description = "## TypeError\nculprit: checkout.submit\nline with `backticks` & <html>\n",
        Priority = 1,
        ErrorKind = "unhandled",
        Platform = "node",
        ProjectId = 2,
        IssueId = 41,
    };

    [Fact]
    public async Task CreateTargetsTheRigByDirectoryAndBeadsDir()
    {
        var r = await Client().CreateAsync(StandInTown.Rig, Request());
        Assert.True(r.Ok, r.Error);
        Assert.StartsWith("fl-", r.BeadId);

        var call = Assert.Single(_town.Calls());
        var argv = call["argv"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        Assert.Equal("create", argv[0]);
        Assert.Contains("--json", argv);
        Assert.Contains("--title=TypeError: cart is undefined (checkout.submit)", argv);
        Assert.Contains("--type=bug", argv);
        Assert.Contains("--priority=1", argv);
        Assert.Contains("--labels=faultline,error:unhandled,platform:node", argv);
        Assert.Contains("--external-ref=faultline:2:41", argv);
        Assert.Contains("--stdin", argv);
        Assert.DoesNotContain(argv, a => a.StartsWith("--rig", StringComparison.Ordinal));

        var rigDir = Path.Combine(_town.Root, StandInTown.Rig);
        Assert.Equal(rigDir, call["cwd"]!.GetValue<string>());
        Assert.Equal(Path.Combine(rigDir, ".beads"), call["env"]!["BEADS_DIR"]!.GetValue<string>());
        Assert.Equal("faultline", call["env"]!["BEADS_ACTOR"]!.GetValue<string>());
        Assert.Equal(Request().Description, call["stdin"]!.GetValue<string>());

        var stored = _town.Bead(r.BeadId!)!;
        Assert.Equal("bug", stored["issue_type"]!.GetValue<string>());
        Assert.Equal(Request().Description, stored["description"]!.GetValue<string>());
    }

    [Fact]
    public async Task CreateStripsInheritedBeadsVariables()
    {
        _town.FakeEnv["BEADS_DB"] = "/somewhere/else.db";
        _town.FakeEnv["BD_JSON_ENVELOPE"] = "1";
        _town.FakeEnv["BEADS_DIR"] = "/another/rig/.beads";
        Assert.True((await Client().CreateAsync(StandInTown.Rig, Request())).Ok);
        var env = _town.Calls().Single()["env"]!;
        Assert.Null(env["BEADS_DB"]);
        Assert.Null(env["BD_JSON_ENVELOPE"]);
        Assert.Equal(Path.Combine(_town.Root, StandInTown.Rig, ".beads"), env["BEADS_DIR"]!.GetValue<string>());
    }

    [Fact]
    public async Task TitleStartingWithADashStillWorks()
    {
        var r = await Client().CreateAsync(StandInTown.Rig, Request("--force everything"));
        Assert.True(r.Ok, r.Error);
        Assert.Equal("--force everything", _town.Bead(r.BeadId!)!["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task RegressionCarriesLabelAndRelatedDependency()
    {
        var r = await Client().CreateAsync(StandInTown.Rig, Request() with
        {
            IsRegression = true, IsCritical = true, RelatedBeadId = "fl-old1", Priority = 0, Environment = "Prod EU",
        });
        Assert.True(r.Ok, r.Error);
        var argv = _town.Calls().Single()["argv"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        Assert.Contains("--labels=faultline,error:unhandled,error:regression,platform:node,critical,env:prod-eu", argv);
        Assert.Contains("--deps=related:fl-old1", argv);
        Assert.Contains("--priority=0", argv);
    }

    [Fact]
    public async Task WorksWithWarningNoiseAndEnvelope()
    {
        _town.FakeEnv["FAKE_BD_WARN"] = "1";
        _town.FakeEnv["FAKE_BD_ENVELOPE"] = "1";
        var created = await Client().CreateAsync(StandInTown.Rig, Request());
        Assert.True(created.Ok, created.Error);
        var shown = await Client().ShowAsync(StandInTown.Rig, [created.BeadId!]);
        Assert.True(shown.Ok, shown.Error);
        Assert.Equal(created.BeadId, Assert.Single(shown.Beads).Id);
    }

    [Fact]
    public async Task FallsBackToBodyFileWhenStdinFlagIsUnknown()
    {
        _town.FakeEnv["FAKE_BD_NO_STDIN_FLAG"] = "1";
        var r = await Client().CreateAsync(StandInTown.Rig, Request());
        Assert.True(r.Ok, r.Error);
        var calls = _town.Calls();
        Assert.Equal(2, calls.Count);
        var retry = calls[1]["argv"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        var bodyFlag = Assert.Single(retry, a => a.StartsWith("--body-file=", StringComparison.Ordinal));
        Assert.DoesNotContain("--stdin", retry);
        Assert.Equal(Request().Description, _town.Bead(r.BeadId!)!["description"]!.GetValue<string>());
        Assert.False(File.Exists(bodyFlag["--body-file=".Length..]), "temp body file must be deleted");
    }

    [Fact]
    public async Task CreateFailureIsReportedNotThrown()
    {
        _town.Fail("bd", "create", "database is locked");
        var r = await Client().CreateAsync(StandInTown.Rig, Request());
        Assert.False(r.Ok);
        Assert.Equal("database is locked (simulated)", r.Error);
        Assert.Single(_town.Calls()); // a real failure is not retried here (a retry could duplicate)
    }

    [Fact]
    public async Task MissingBdBinaryIsAFailureResult()
    {
        var client = new BdClient(new ProcessRunner(), new LoopOptions { BdBin = "/nonexistent/bd", TownRoot = _town.Root });
        var created = await client.CreateAsync(StandInTown.Rig, Request());
        Assert.False(created.Ok);
        Assert.Contains("could not start", created.Error);
        var shown = await client.ShowAsync(StandInTown.Rig, ["fl-1"]);
        Assert.False(shown.Ok);
        Assert.Empty(shown.NotFound);
    }

    [Fact]
    public async Task TimeoutIsAFailureResult()
    {
        _town.FakeEnv["FAKE_SLEEP"] = "10";
        var client = new BdClient(_town.Runner, new LoopOptions
        {
            BdBin = _town.BdPath, TownRoot = _town.Root, BdTimeout = TimeSpan.FromMilliseconds(500),
        });
        var r = await client.CreateAsync(StandInTown.Rig, Request());
        Assert.False(r.Ok);
        Assert.Contains("timed out", r.Error);
    }

    [Fact]
    public async Task ShowBatchesIdsAndReportsStatusesAndMissing()
    {
        _town.WriteBead("fl-aa", "hooked");
        _town.WriteBead("fl-bb", "closed", "Merged in fl-mr-1");
        var r = await Client().ShowAsync(StandInTown.Rig, ["fl-aa", "fl-bb", "fl-gone", "--force"]);
        Assert.True(r.Ok, r.Error);
        Assert.Equal("hooked", r.Beads.Single(b => b.Id == "fl-aa").Status);
        var closed = r.Beads.Single(b => b.Id == "fl-bb");
        Assert.True(closed.IsClosed);
        Assert.Equal("Merged in fl-mr-1", closed.CloseReason);
        Assert.NotNull(closed.ClosedAt);
        Assert.Equal(["--force", "fl-gone"], r.NotFound.Order(StringComparer.Ordinal));

        var call = Assert.Single(_town.Calls());
        var argv = call["argv"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        Assert.Equal(["show", "fl-aa", "fl-bb", "fl-gone", "--json"], argv); // the flag-like id never reaches argv
        Assert.Equal(Path.Combine(_town.Root, StandInTown.Rig, ".beads"), call["env"]!["BEADS_DIR"]!.GetValue<string>());
    }

    [Fact]
    public async Task ShowSplitsLargeBatches()
    {
        var ids = Enumerable.Range(0, BdClient.ShowBatchSize + 5).Select(i => $"fl-{i:x4}").ToList();
        foreach (var id in ids) _town.WriteBead(id, "open");
        var r = await Client().ShowAsync(StandInTown.Rig, ids);
        Assert.True(r.Ok, r.Error);
        Assert.Equal(ids.Count, r.Beads.Count);
        Assert.Equal(2, _town.Calls().Count);
    }

    [Fact]
    public async Task ShowOfOnlyMissingBeadsIsNotFoundNotError()
    {
        var r = await Client().ShowAsync(StandInTown.Rig, ["fl-gone"]);
        Assert.True(r.Ok, r.Error);
        Assert.Equal(["fl-gone"], r.NotFound);
    }

    [Fact]
    public async Task ShowAcceptsBareObjectFromOddVersions()
    {
        _town.FakeEnv["FAKE_BD_SHOW_OBJECT"] = "1";
        _town.WriteBead("fl-aa", "in_progress");
        var r = await Client().ShowAsync(StandInTown.Rig, ["fl-aa"]);
        Assert.Equal("in_progress", Assert.Single(r.Beads).Status);
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("")]
    [InlineData("-C")]
    public async Task RefusesUnsafeRigNames(string rig)
    {
        Assert.False((await Client().CreateAsync(rig, Request())).Ok);
        Assert.False((await Client().ShowAsync(rig, ["fl-a"])).Ok);
        Assert.Empty(_town.Calls());
    }

    [Fact]
    public void LabelsAreSanitisedAndGtNamespaceIsRefused()
    {
        var labels = BdClient.Labels(Request() with { Platform = "Py,thon 3", ExtraLabels = ["gt:agent", "team:core"] });
        Assert.Equal(["faultline", "error:unhandled", "platform:py-thon-3", "team:core"], labels);
    }

    [Fact]
    public void CreateArgumentsCarryMetadataAsJson()
    {
        var args = BdClient.CreateArguments(Request());
        var metadata = args.Single(a => a.StartsWith("--metadata=", StringComparison.Ordinal))["--metadata=".Length..];
        var o = JsonNode.Parse(metadata)!.AsObject();
        Assert.Equal(2, o["faultline_project_id"]!.GetValue<long>());
        Assert.Equal(41, o["faultline_group_id"]!.GetValue<long>());
    }

    public void Dispose() => _town.Dispose();
}

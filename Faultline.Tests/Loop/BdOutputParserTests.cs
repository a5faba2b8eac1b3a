using Faultline.Core.Loop;

namespace Faultline.Tests.Loop;

/// <summary>Every output shape listed in GASTOWN.md §5.3, §7.2 and §10.</summary>
public class BdOutputParserTests
{
    const string Issue = """{"id":"gt-a3f9","title":"TypeError","status":"open","priority":1,"issue_type":"bug","created_at":"2026-06-01T12:00:00Z","updated_at":"2026-06-01T12:00:00Z","labels":["faultline"]}""";
    const string IssueWithSchema = """{"id":"gt-a3f9","title":"TypeError","status":"open","schema_version":1}""";
    const string ClosedIssue = """{"id":"gt-a3f9","status":"closed","assignee":"gastown/polecats/toast","updated_at":"2026-06-01T12:41:09Z","closed_at":"2026-06-01T12:41:09Z","close_reason":"Merged in gt-mr-7k2q","dependency_count":0}""";

    // ---- create ----

    [Theory]
    [InlineData(Issue)]
    [InlineData(IssueWithSchema)]
    [InlineData("{\"schema_version\":1,\"data\":" + Issue + "}")]
    [InlineData("[" + Issue + "]")]
    [InlineData("{\"schema_version\":1,\"data\":[" + Issue + "]}")]
    [InlineData("warning: beads.role not configured\nwarning: another\n" + Issue)]
    [InlineData("Auto-flush: exported 3 issues\n" + Issue + "\n")]
    [InlineData("  \n" + Issue + "\ntrailing log line after the JSON")]
    public void CreateAcceptsEveryShape(string stdout)
    {
        var r = BdOutputParser.ParseCreate(stdout, "", 0);
        Assert.True(r.Ok, r.Error);
        Assert.Equal("gt-a3f9", r.BeadId);
    }

    [Fact]
    public void CreateAcceptsPrettyPrintedJson()
    {
        var pretty = "warning: x\n{\n  \"id\": \"my-app-xyz1\",\n  \"status\": \"open\"\n}\n";
        Assert.Equal("my-app-xyz1", BdOutputParser.ParseCreate(pretty, "", 0).BeadId);
    }

    [Fact]
    public void CreateErrorJsonOnStderrWithExitOne()
    {
        var r = BdOutputParser.ParseCreate("", """{"error":"title required","code":"validation","schema_version":1}""", 1);
        Assert.False(r.Ok);
        Assert.Equal("title required (validation)", r.Error);
    }

    [Fact]
    public void CreateEmptyOutputIsAnError()
    {
        var r = BdOutputParser.ParseCreate("", "", 0);
        Assert.False(r.Ok);
        Assert.Contains("no issue JSON", r.Error);
    }

    [Fact]
    public void CreatePlainStderrTextIsTheError()
    {
        var r = BdOutputParser.ParseCreate("", "Error: database locked\n", 1);
        Assert.Equal("Error: database locked", r.Error);
    }

    [Fact]
    public void CreateNonZeroExitIsAFailureEvenWithAnObject()
    {
        Assert.False(BdOutputParser.ParseCreate(Issue, "boom", 1).Ok);
    }

    [Theory]
    [InlineData("""{"id":"--rig","status":"open"}""")]
    [InlineData("""{"id":"GT-UPPER","status":"open"}""")]
    [InlineData("""{"title":"no id"}""")]
    public void CreateRejectsMissingOrUnsafeIds(string stdout)
    {
        Assert.False(BdOutputParser.ParseCreate(stdout, "", 0).Ok);
    }

    [Fact]
    public void CreateErrorJsonOnStdoutIsReported()
    {
        var r = BdOutputParser.ParseCreate("""{"error":"no beads database found"}""", "", 0);
        Assert.False(r.Ok);
        Assert.Equal("no beads database found", r.Error);
    }

    // ---- show ----

    [Theory]
    [InlineData("[" + ClosedIssue + "]")]
    [InlineData(ClosedIssue)]
    [InlineData("{\"schema_version\":1,\"data\":[" + ClosedIssue + "]}")]
    [InlineData("{\"schema_version\":1,\"data\":" + ClosedIssue + "}")]
    [InlineData("warning: stale lock\n[" + ClosedIssue + "]")]
    public void ShowAcceptsArrayObjectAndEnvelope(string stdout)
    {
        var r = BdOutputParser.ParseShow(stdout, "", 0, ["gt-a3f9"]);
        Assert.True(r.Ok, r.Error);
        var bead = Assert.Single(r.Beads);
        Assert.Equal("gt-a3f9", bead.Id);
        Assert.Equal("closed", bead.Status);
        Assert.True(bead.IsClosed);
        Assert.Equal("Merged in gt-mr-7k2q", bead.CloseReason);
        Assert.Equal(new DateTimeOffset(2026, 6, 1, 12, 41, 9, TimeSpan.Zero), bead.ClosedAt);
        Assert.Equal(new DateTimeOffset(2026, 6, 1, 12, 41, 9, TimeSpan.Zero), bead.UpdatedAt);
        Assert.Equal("gastown/polecats/toast", bead.Assignee);
        Assert.Empty(r.NotFound);
    }

    [Fact]
    public void ShowBatchReportsMissingIds()
    {
        var stdout = "[" + Issue + "," + """{"id":"gt-b1","status":"hooked","close_reason":""}""" + "]";
        var r = BdOutputParser.ParseShow(stdout, "Error: issue gt-zz not found\n", 0, ["gt-a3f9", "gt-b1", "gt-zz"]);
        Assert.True(r.Ok);
        Assert.Equal(["gt-a3f9", "gt-b1"], r.Beads.Select(b => b.Id));
        Assert.Equal("open", r.Beads[0].Status);
        Assert.Null(r.Beads[0].ClosedAt);
        Assert.Null(r.Beads[1].CloseReason); // empty close_reason (in-process close) reads as none
        Assert.Equal(["gt-zz"], r.NotFound);
    }

    [Fact]
    public void ShowNotFoundErrorMeansAllMissingNotAFailure()
    {
        var r = BdOutputParser.ParseShow("", """{"error":"no issues found matching the provided IDs","schema_version":1}""", 1, ["gt-gone"]);
        Assert.True(r.Ok);
        Assert.Empty(r.Beads);
        Assert.Equal(["gt-gone"], r.NotFound);
    }

    [Fact]
    public void ShowEmptyStdoutWithExitZeroMeansNotFound()
    {
        // The old bd bug GASTOWN.md §7.2 mentions: exit 0, nothing printed.
        var r = BdOutputParser.ParseShow("", "", 0, ["gt-a"]);
        Assert.True(r.Ok);
        Assert.Equal(["gt-a"], r.NotFound);
    }

    [Fact]
    public void ShowPlainNoIssuesFoundTextMeansNotFound()
    {
        var r = BdOutputParser.ParseShow("No issues found.\n", "", 0, ["gt-a"]);
        Assert.True(r.Ok);
        Assert.Equal(["gt-a"], r.NotFound);
    }

    [Fact]
    public void ShowEmptyArrayMeansNotFound()
    {
        var r = BdOutputParser.ParseShow("[]", "", 0, ["gt-a"]);
        Assert.True(r.Ok);
        Assert.Equal(["gt-a"], r.NotFound);
        var enveloped = BdOutputParser.ParseShow("""{"schema_version":1,"data":[]}""", "", 0, ["gt-a"]);
        Assert.Equal(["gt-a"], enveloped.NotFound);
    }

    [Fact]
    public void ShowOtherFailuresTellNothingAboutTheIds()
    {
        var r = BdOutputParser.ParseShow("", """{"error":"dolt server unreachable","code":"db"}""", 1, ["gt-a"]);
        Assert.False(r.Ok);
        Assert.Empty(r.NotFound); // must not be mistaken for "bead deleted"
        Assert.Equal("dolt server unreachable (db)", r.Error);

        var noDb = BdOutputParser.ParseShow("", "Error: beads database not found\n", 1, ["gt-a"]);
        Assert.False(noDb.Ok);
        Assert.Empty(noDb.NotFound);

        var garbage = BdOutputParser.ParseShow("Segmentation fault", "", 139, ["gt-a"]);
        Assert.False(garbage.Ok);
        Assert.Empty(garbage.NotFound);
    }

    [Fact]
    public void ShowIgnoresUnknownFieldsAndOddTypes()
    {
        var stdout = """[{"id":"gt-a","status":"in_progress","priority":"P1","metadata":{"x":[1,2]},"closed_at":12345,"future_field":{"a":null}}]""";
        var bead = Assert.Single(BdOutputParser.ParseShow(stdout, "", 0, ["gt-a"]).Beads);
        Assert.Equal("in_progress", bead.Status);
        Assert.Null(bead.ClosedAt);
    }

    [Fact]
    public void TombstoneIsTerminalButNotClosed()
    {
        var bead = Assert.Single(BdOutputParser.ParseShow("""[{"id":"gt-a","status":"tombstone"}]""", "", 0, ["gt-a"]).Beads);
        Assert.True(bead.IsTerminal);
        Assert.False(bead.IsClosed);
    }

    // ---- helpers ----

    [Fact]
    public void FindJsonSkipsLinesThatOnlyLookLikeJson()
    {
        var text = "[warn] something odd\n{not json either\n{\"id\":\"gt-1\"}";
        var json = BdOutputParser.FindJson(text);
        Assert.NotNull(json);
        Assert.Equal("gt-1", json.Value.GetProperty("id").GetString());
        Assert.Null(BdOutputParser.FindJson("No issues found."));
        Assert.Null(BdOutputParser.FindJson(null));
    }

    [Theory]
    [InlineData("gt-a3f9", true)]
    [InlineData("my-app-xyz1", true)]
    [InlineData("bd-a3f8.1.1", true)]
    [InlineData("hq-cv-abc", true)]
    [InlineData("-rm", false)]
    [InlineData("--force", false)]
    [InlineData("GT-A3F9", false)]
    [InlineData("gt a3f9", false)]
    [InlineData("", false)]
    [InlineData("gt/../x", false)]
    public void BeadIdValidation(string id, bool valid) => Assert.Equal(valid, BeadIds.IsValid(id));

    [Theory]
    [InlineData("gastown", true)]
    [InlineData("my_app-2", true)]
    [InlineData("..", false)]
    [InlineData("a/b", false)]
    [InlineData("-x", false)]
    [InlineData("", false)]
    public void RigValidation(string rig, bool valid) => Assert.Equal(valid, BeadIds.IsValidRig(rig));
}

using Faultline.Core.Storage.Dolt;
using Microsoft.Data.Sqlite;

namespace Faultline.Tests.Storage;

public class DoltSqlTests
{
    private const string Hash = "t5d5inj4bpc1fltrdm9uoscjdsgebaih";

    [Fact]
    public void DetectVersion()
    {
        var s = DoltSql.DetectVersion();
        Assert.Equal("SELECT dolt_version()", s.Sql);
        Assert.Empty(s.Parameters);
    }

    [Fact]
    public void AddAll() => Assert.Equal("CALL dolt_add('-A')", DoltSql.AddAll().Sql);

    [Fact]
    public void CommitPassesTheMessageAsParameter()
    {
        var s = DoltSql.Commit("faultline: 12 events, 3 issues'); DROP TABLE issues; --");
        Assert.Equal("CALL dolt_commit('-m', @msg)", s.Sql);
        Assert.Equal("faultline: 12 events, 3 issues'); DROP TABLE issues; --", s.Parameters["msg"]);
        Assert.DoesNotContain("--allow-empty", s.Sql);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void CommitNeedsAMessage(string message) => Assert.Throws<ArgumentException>(() => DoltSql.Commit(message));

    [Fact]
    public void CommitMessageIsCapped() =>
        Assert.Equal(DoltSql.MaxCommitMessageLength, ((string)DoltSql.Commit(new string('x', 20_000)).Parameters["msg"]!).Length);

    [Fact]
    public void PendingChanges() => Assert.Equal("SELECT COUNT(*) FROM dolt_status", DoltSql.PendingChanges().Sql);

    [Fact]
    public void NothingToCommitIsRecognised()
    {
        Assert.True(DoltSql.IsNothingToCommit(new Exception("Error 1105 (HY000): nothing to commit")));
        Assert.True(DoltSql.IsNothingToCommit(new InvalidOperationException("wrapped", new Exception("Nothing to commit"))));
        Assert.False(DoltSql.IsNothingToCommit(new Exception("connection refused")));
        Assert.False(DoltSql.IsNothingToCommit(null));
    }

    [Fact]
    public void LogForIssue()
    {
        var s = DoltSql.LogForIssue(42, 50);
        Assert.Equal(
            "SELECT l.commit_hash, l.committer, l.email, l.date, l.message, d.diff_type " +
            "FROM dolt_diff_issues AS d " +
            "JOIN dolt_log AS l ON l.commit_hash = d.to_commit " +
            "WHERE d.to_id = @id OR d.from_id = @id " +
            "ORDER BY l.date DESC, l.commit_hash " +
            "LIMIT @limit", s.Sql);
        Assert.Equal(42L, s.Parameters["id"]);
        Assert.Equal(50, s.Parameters["limit"]);
    }

    [Fact]
    public void LogForIssueLimitIsBounded()
    {
        Assert.Equal(DoltSql.MaxLogLimit, DoltSql.LogForIssue(1, 1_000_000).Parameters["limit"]);
        Assert.Throws<ArgumentOutOfRangeException>(() => DoltSql.LogForIssue(1, 0));
    }

    [Fact]
    public void IssueHistory()
    {
        var s = DoltSql.IssueHistory(7);
        Assert.Equal(
            "SELECT commit_hash, committer, commit_date, id, project_id, status, level, severity, event_count, last_seen, bead_id, title " +
            "FROM dolt_history_issues WHERE id = @id ORDER BY commit_date, commit_hash", s.Sql);
        Assert.Equal(7L, s.Parameters["id"]);
    }

    [Fact]
    public void IssueAsOfCommit()
    {
        var s = DoltSql.IssueAsOf(7, Hash);
        Assert.Equal(
            "SELECT id, project_id, status, level, severity, event_count, last_seen, bead_id, title " +
            "FROM issues AS OF @ref WHERE id = @id", s.Sql);
        Assert.Equal(Hash, s.Parameters["ref"]);
        Assert.Equal(7L, s.Parameters["id"]);
    }

    [Theory]
    [InlineData("main")]
    [InlineData("HEAD~1")]
    [InlineData("T5D5INJ4BPC1FLTRDM9UOSCJDSGEBAIH")]  // upper case is not Dolt's alphabet
    [InlineData("t5d5inj4bpc1fltrdm9uoscjdsgebaiw")]  // w is outside [0-9a-v]
    [InlineData("t5d5inj4bpc1fltrdm9uoscjdsgebai")]   // 31 chars
    [InlineData("t5d5inj4bpc1fltrdm9uoscjdsgebaih'; DROP TABLE issues; --")]
    [InlineData("")]
    public void IssueAsOfRejectsAnythingButAFullHash(string reference)
    {
        Assert.False(DoltSql.IsCommitHash(reference));
        Assert.Throws<ArgumentException>(() => DoltSql.IssueAsOf(7, reference));
    }

    [Fact]
    public void IssueAsOfTimeUsesUtc()
    {
        var at = new DateTime(2026, 11, 22, 10, 30, 0, DateTimeKind.Utc);
        var s = DoltSql.IssueAsOf(7, at);
        Assert.Equal(
            "SELECT id, project_id, status, level, severity, event_count, last_seen, bead_id, title " +
            "FROM issues AS OF TIMESTAMP(@at) WHERE id = @id", s.Sql);
        Assert.Equal(at, s.Parameters["at"]);

        var fromOffset = DoltSql.IssueAsOf(7, new DateTimeOffset(2026, 11, 22, 12, 30, 0, TimeSpan.FromHours(2)));
        var utc = Assert.IsType<DateTime>(fromOffset.Parameters["at"]);
        Assert.Equal(DateTimeKind.Utc, utc.Kind);
        Assert.Equal(at, utc);

        var unspecified = (DateTime)DoltSql.IssueAsOf(7, new DateTime(2026, 11, 22, 10, 30, 0)).Parameters["at"]!;
        Assert.Equal(DateTimeKind.Utc, unspecified.Kind);
        Assert.Equal(at, unspecified);
    }

    [Fact]
    public void ApplyToCopiesSqlAndParameters()
    {
        using var conn = new SqliteConnection("Data Source=:memory:");
        using var cmd = conn.CreateCommand();
        DoltSql.IssueAsOf(7, Hash).ApplyTo(cmd);
        Assert.Equal("SELECT id, project_id, status, level, severity, event_count, last_seen, bead_id, title FROM issues AS OF @ref WHERE id = @id", cmd.CommandText);
        Assert.Equal(2, cmd.Parameters.Count);
        Assert.Equal(Hash, cmd.Parameters["@ref"].Value);
        Assert.Equal(7L, cmd.Parameters["@id"].Value);
    }
}

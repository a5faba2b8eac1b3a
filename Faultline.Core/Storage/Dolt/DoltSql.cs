using System.Data.Common;
using System.Text.RegularExpressions;

namespace Faultline.Core.Storage.Dolt;

/// <summary>One SQL statement and its named parameters (names without '@').</summary>
public sealed record DoltStatement(string Sql, IReadOnlyDictionary<string, object?> Parameters)
{
    /// <summary>Copies SQL and parameters onto <paramref name="command"/> (any ADO.NET provider).</summary>
    public void ApplyTo(DbCommand command)
    {
        command.CommandText = Sql;
        command.Parameters.Clear();
        foreach (var (name, value) in Parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = "@" + name;
            p.Value = value ?? DBNull.Value;
            command.Parameters.Add(p);
        }
    }
}

/// <summary>
/// The only place with Dolt-only SQL. Every method returns the statement instead of running it so the
/// exact text is unit-tested (no Dolt server runs here) and callers choose Dapper or plain ADO.NET.
/// User input only ever travels as parameters; commit references are validated before use.
/// Column names follow Dolt's documented system tables: <c>dolt_log</c> (commit_hash, committer, email,
/// date, message), <c>dolt_history_&lt;table&gt;</c> (table columns + commit_hash, committer, commit_date),
/// <c>dolt_diff_&lt;table&gt;</c> (to_&lt;col&gt;, from_&lt;col&gt;, to_commit, from_commit, to_commit_date, diff_type).
/// </summary>
public static class DoltSql
{
    /// <summary>Columns of the issue snapshot every history query returns, in this order.</summary>
    public const string IssueColumns = "id, project_id, status, level, severity, event_count, last_seen, bead_id, title";

    public const int MaxLogLimit = 1000;
    public const int MaxCommitMessageLength = 8000;

    private static readonly Regex CommitHash = new("^[0-9a-v]{32}$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    private static readonly IReadOnlyDictionary<string, object?> NoParameters = new Dictionary<string, object?>();

    /// <summary>True for a full Dolt commit hash: 32 characters of base32 [0-9a-v].</summary>
    public static bool IsCommitHash(string? value) => value is not null && CommitHash.IsMatch(value);

    /// <summary>Succeeds only on Dolt; returns its version string.</summary>
    public static DoltStatement DetectVersion() => new("SELECT dolt_version()", NoParameters);

    /// <summary>Stages every changed table (including new ones).</summary>
    public static DoltStatement AddAll() => new("CALL dolt_add('-A')", NoParameters);

    /// <summary>
    /// Commits what <see cref="AddAll"/> staged. Deliberately without --allow-empty: the committer only calls
    /// this when <see cref="PendingChanges"/> says something changed, and a race that leaves nothing to commit
    /// surfaces as an error <see cref="IsNothingToCommit"/> recognises as harmless.
    /// </summary>
    public static DoltStatement Commit(string message)
    {
        if (string.IsNullOrWhiteSpace(message)) throw new ArgumentException("a Dolt commit needs a message", nameof(message));
        if (message.Length > MaxCommitMessageLength) message = message[..MaxCommitMessageLength];
        return new("CALL dolt_commit('-m', @msg)", new Dictionary<string, object?> { ["msg"] = message });
    }

    /// <summary>Number of tables with uncommitted changes (staged or not); 0 means nothing to commit.</summary>
    public static DoltStatement PendingChanges() => new("SELECT COUNT(*) FROM dolt_status", NoParameters);

    /// <summary>
    /// True when <paramref name="error"/> (or an inner exception) is Dolt's "nothing to commit" refusal,
    /// which the history committer treats as a no-op rather than a failure.
    /// </summary>
    public static bool IsNothingToCommit(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
            if (e.Message.Contains("nothing to commit", StringComparison.OrdinalIgnoreCase))
                return true;
        return false;
    }

    /// <summary>
    /// The Dolt commits that changed issue <paramref name="issueId"/>, newest first: each row of
    /// <c>dolt_diff_issues</c> for the issue (added, modified or removed) joined to its commit in
    /// <c>dolt_log</c>. The join drops uncommitted working-set changes (to_commit = 'WORKING').
    /// Columns: commit_hash, committer, email, date, message, diff_type.
    /// </summary>
    public static DoltStatement LogForIssue(long issueId, int limit)
    {
        if (limit < 1) throw new ArgumentOutOfRangeException(nameof(limit), limit, "limit must be at least 1");
        limit = Math.Min(limit, MaxLogLimit);
        const string sql =
            "SELECT l.commit_hash, l.committer, l.email, l.date, l.message, d.diff_type " +
            "FROM dolt_diff_issues AS d " +
            "JOIN dolt_log AS l ON l.commit_hash = d.to_commit " +
            "WHERE d.to_id = @id OR d.from_id = @id " +
            "ORDER BY l.date DESC, l.commit_hash " +
            "LIMIT @limit";
        return new(sql, new Dictionary<string, object?> { ["id"] = issueId, ["limit"] = limit });
    }

    /// <summary>
    /// Every committed state of the issue, oldest first: commit_hash, committer, commit_date, then
    /// <see cref="IssueColumns"/>. A commit that did not change the row still lists it (Dolt keeps one row per
    /// commit); callers collapse identical consecutive snapshots.
    /// </summary>
    public static DoltStatement IssueHistory(long issueId) => new(
        $"SELECT commit_hash, committer, commit_date, {IssueColumns} " +
        "FROM dolt_history_issues WHERE id = @id ORDER BY commit_date, commit_hash",
        new Dictionary<string, object?> { ["id"] = issueId });

    /// <summary>The issue as of a commit (32-char hash). No row = the issue did not exist in that commit.</summary>
    /// <exception cref="ArgumentException">not a full commit hash (branch names and HEAD~n are not accepted from users).</exception>
    public static DoltStatement IssueAsOf(long issueId, string commitHash)
    {
        if (!IsCommitHash(commitHash))
            throw new ArgumentException("a Dolt commit reference must be 32 characters of [0-9a-v]", nameof(commitHash));
        return new($"SELECT {IssueColumns} FROM issues AS OF @ref WHERE id = @id",
            new Dictionary<string, object?> { ["ref"] = commitHash, ["id"] = issueId });
    }

    /// <summary>
    /// The issue as of a point in time (the newest commit at or before it). MySql.Data wants a UTC
    /// <see cref="DateTime"/>: Local is converted, Unspecified is taken as UTC (that is what the driver returns).
    /// </summary>
    public static DoltStatement IssueAsOf(long issueId, DateTime at)
    {
        var utc = at.Kind switch
        {
            DateTimeKind.Local => at.ToUniversalTime(),
            DateTimeKind.Unspecified => DateTime.SpecifyKind(at, DateTimeKind.Utc),
            _ => at,
        };
        // TIMESTAMP(...) makes Dolt read the value as a time rather than as a branch or tag name.
        return new($"SELECT {IssueColumns} FROM issues AS OF TIMESTAMP(@at) WHERE id = @id",
            new Dictionary<string, object?> { ["at"] = utc, ["id"] = issueId });
    }

    /// <inheritdoc cref="IssueAsOf(long, DateTime)"/>
    public static DoltStatement IssueAsOf(long issueId, DateTimeOffset at) => IssueAsOf(issueId, at.UtcDateTime);
}

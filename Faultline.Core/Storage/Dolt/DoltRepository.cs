using System.Data.Common;

namespace Faultline.Core.Storage.Dolt;

/// <summary>The two Dolt operations the history committer needs, behind an interface so its logic is testable without Dolt.</summary>
public interface IDoltRepository
{
    /// <summary>Tables with uncommitted changes (0 = nothing to commit).</summary>
    Task<long> PendingChangesAsync(CancellationToken ct);
    /// <summary>Stages everything and commits it with <paramref name="message"/>.</summary>
    Task CommitAllAsync(string message, CancellationToken ct);
}

/// <summary>Runs <see cref="DoltSql"/> statements on the configured database.</summary>
public sealed class DoltRepository(Database db) : IDoltRepository
{
    public async Task<long> PendingChangesAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return Convert.ToInt64(await DoltCommands.ScalarAsync(conn, DoltSql.PendingChanges(), ct) ?? 0L);
    }

    public async Task CommitAllAsync(string message, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await DoltCommands.ExecuteAsync(conn, DoltSql.AddAll(), ct);
        await DoltCommands.ExecuteAsync(conn, DoltSql.Commit(message), ct);
    }
}

/// <summary>Executes a <see cref="DoltStatement"/> with plain ADO.NET.</summary>
internal static class DoltCommands
{
    public static async Task<object?> ScalarAsync(DbConnection conn, DoltStatement s, CancellationToken ct)
    {
        await using var cmd = conn.CreateCommand();
        s.ApplyTo(cmd);
        var v = await cmd.ExecuteScalarAsync(ct);
        return v is DBNull ? null : v;
    }

    public static async Task ExecuteAsync(DbConnection conn, DoltStatement s, CancellationToken ct)
    {
        await using var cmd = conn.CreateCommand();
        s.ApplyTo(cmd);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public static async Task<List<Dictionary<string, object?>>> RowsAsync(DbConnection conn, DoltStatement s, CancellationToken ct)
    {
        await using var cmd = conn.CreateCommand();
        s.ApplyTo(cmd);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<Dictionary<string, object?>>();
        while (await r.ReadAsync(ct))
        {
            var row = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < r.FieldCount; i++) row[r.GetName(i)] = r.IsDBNull(i) ? null : r.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }
}

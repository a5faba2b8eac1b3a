using System.Data.Common;
using System.Text;

namespace Faultline.Core.Storage;

/// <summary>
/// One INSERT carrying many rows ("VALUES (...), (...)"), chunked by row count and payload bytes.
/// On the MySQL wire every statement is a network round trip, so the batch writer sends each
/// table's rows of a batch together instead of one statement per row.
/// </summary>
internal static class MultiRowInsert
{
    /// <summary>Bytes of string/blob values per statement; below MariaDB's default max_allowed_packet (16 MB).</summary>
    private const long MaxBytes = 4L * 1024 * 1024;

    /// <summary>
    /// Runs <paramref name="head"/> (e.g. "INSERT INTO t (a, b)") + " VALUES (...), ..." + <paramref name="tail"/>
    /// (e.g. an upsert clause) for all <paramref name="rows"/>; returns the affected-row count.
    /// </summary>
    public static int Execute(SqlDialect d, DbConnection conn, DbTransaction tx, string head, string tail, IReadOnlyList<object?[]> rows)
    {
        var maxRows = d.MultiRowLimit;
        if (maxRows == 1) return RunPrepared(conn, tx, head, tail, rows);
        var affected = 0;
        var start = 0;
        while (start < rows.Count)
        {
            var end = start;
            long bytes = 0;
            while (end < rows.Count && end - start < maxRows && (end == start || bytes + Size(rows[end]) <= MaxBytes))
                bytes += Size(rows[end++]);
            affected += Run(conn, tx, head, tail, rows, start, end);
            start = end;
        }
        return affected;
    }

    private static int Run(DbConnection conn, DbTransaction tx, string head, string tail, IReadOnlyList<object?[]> rows, int start, int end)
    {
        using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        var sql = new StringBuilder(head).Append(" VALUES ");
        for (var r = start; r < end; r++)
        {
            sql.Append(r == start ? "(" : ", (");
            var row = rows[r];
            for (var c = 0; c < row.Length; c++)
            {
                var name = $"@r{r - start}c{c}";
                sql.Append(c == 0 ? name : ", " + name);
                var p = cmd.CreateParameter();
                p.ParameterName = name;
                p.Value = row[c] ?? DBNull.Value;
                cmd.Parameters.Add(p);
            }
            sql.Append(')');
        }
        cmd.CommandText = sql.Append(' ').Append(tail).ToString();
        return cmd.ExecuteNonQuery();
    }

    /// <summary>One single-row statement, prepared once and re-bound for every row (the SQLite path).</summary>
    private static int RunPrepared(DbConnection conn, DbTransaction tx, string head, string tail, IReadOnlyList<object?[]> rows)
    {
        if (rows.Count == 0) return 0;
        using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        var width = rows[0].Length;
        var sql = new StringBuilder(head).Append(" VALUES (");
        for (var c = 0; c < width; c++)
        {
            var name = "@c" + c;
            sql.Append(c == 0 ? name : ", " + name);
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            cmd.Parameters.Add(p);
        }
        cmd.CommandText = sql.Append(") ").Append(tail).ToString();
        cmd.Prepare();
        var affected = 0;
        foreach (var row in rows)
        {
            for (var c = 0; c < width; c++) cmd.Parameters[c].Value = row[c] ?? DBNull.Value;
            affected += cmd.ExecuteNonQuery();
        }
        return affected;
    }

    private static long Size(object?[] row)
    {
        long n = 16;
        foreach (var v in row)
            n += v switch { string s => s.Length * 2L, byte[] b => b.Length, _ => 8 };
        return n;
    }
}

using System.Data.Common;
using System.Text;

namespace Faultline.Core.Storage;

/// <summary>
/// Inserts (or upserts) many rows with as few statements as the backend rewards.
/// MySQL wire: every statement is a network round trip, so each table's rows go as one multi-row
/// INSERT ("VALUES (...), (...)"), and several such INSERTs travel together in one command.
/// SQLite (<see cref="SqlDialect.MultiRowLimit"/> = 1): one prepared single-row statement per table,
/// re-bound for every row — no round trip to save, and parameters are cheapest when few.
/// </summary>
internal static class MultiRowInsert
{
    /// <summary>Bytes of string/blob values per command; below MariaDB's default max_allowed_packet (16 MB).</summary>
    private const long MaxBytes = 4L * 1024 * 1024;

    /// <summary>Parameters per command: MySql.Data substitutes them client-side, a linear cost per lookup.</summary>
    private const int MaxParameters = 4000;

    /// <summary>One table's rows: <c>Head</c> (e.g. "INSERT INTO t (a, b)") + " VALUES (...), ..." + <c>Tail</c> (e.g. an upsert clause).</summary>
    public readonly record struct Statement(string Head, string Tail, IReadOnlyList<object?[]> Rows);

    /// <summary>Runs one table's rows; returns the affected-row count.</summary>
    public static int Execute(SqlDialect d, DbConnection conn, DbTransaction tx, string head, string tail, IReadOnlyList<object?[]> rows) =>
        ExecuteAll(d, conn, tx, [new Statement(head, tail, rows)]);

    /// <summary>Runs several tables' rows in order; returns the total affected-row count.</summary>
    public static int ExecuteAll(SqlDialect d, DbConnection conn, DbTransaction tx, IReadOnlyList<Statement> statements)
    {
        var affected = 0;
        if (d.MultiRowLimit == 1)
        {
            foreach (var s in statements) affected += RunPrepared(conn, tx, s);
            return affected;
        }
        using var command = new PendingCommand(conn, tx);
        foreach (var s in statements)
        {
            var start = 0;
            while (start < s.Rows.Count)
            {
                var end = start;
                long bytes = 0;
                while (end < s.Rows.Count && end - start < d.MultiRowLimit && (end == start || bytes + Size(s.Rows[end]) <= MaxBytes))
                    bytes += Size(s.Rows[end++]);
                var parameters = (end - start) * s.Rows[start].Length;
                if (!command.Fits(bytes, parameters)) affected += command.Flush();
                command.Append(s, start, end, bytes);
                start = end;
            }
        }
        return affected + command.Flush();
    }

    /// <summary>Multi-row INSERTs collected into one command (one round trip), separated by ';'.</summary>
    private sealed class PendingCommand : IDisposable
    {
        private readonly DbCommand _cmd;
        private readonly StringBuilder _sql = new();
        private long _bytes;
        private int _statements;

        public PendingCommand(DbConnection conn, DbTransaction tx)
        {
            _cmd = conn.CreateCommand();
            _cmd.Transaction = tx;
        }

        public bool Fits(long bytes, int parameters) =>
            _statements == 0 || (_bytes + bytes <= MaxBytes && _cmd.Parameters.Count + parameters <= MaxParameters);

        public void Append(Statement s, int start, int end, long bytes)
        {
            if (_statements > 0) _sql.Append(";\n");
            _sql.Append(s.Head).Append(" VALUES ");
            for (var r = start; r < end; r++)
            {
                _sql.Append(r == start ? "(" : ", (");
                var row = s.Rows[r];
                for (var c = 0; c < row.Length; c++)
                {
                    // Lower case only: MySql.Data matches parameter names case-insensitively.
                    var name = $"@s{_statements}r{r - start}c{c}";
                    _sql.Append(c == 0 ? name : ", " + name);
                    var p = _cmd.CreateParameter();
                    p.ParameterName = name;
                    p.Value = row[c] ?? DBNull.Value;
                    _cmd.Parameters.Add(p);
                }
                _sql.Append(')');
            }
            _sql.Append(' ').Append(s.Tail);
            _bytes += bytes;
            _statements++;
        }

        public int Flush()
        {
            if (_statements == 0) return 0;
            _cmd.CommandText = _sql.ToString();
            var affected = _cmd.ExecuteNonQuery();
            _cmd.Parameters.Clear();
            _sql.Clear();
            _bytes = 0;
            _statements = 0;
            return affected;
        }

        public void Dispose() => _cmd.Dispose();
    }

    /// <summary>One single-row statement, prepared once and re-bound for every row (the SQLite path).</summary>
    private static int RunPrepared(DbConnection conn, DbTransaction tx, Statement s)
    {
        if (s.Rows.Count == 0) return 0;
        using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        var width = s.Rows[0].Length;
        var sql = new StringBuilder(s.Head).Append(" VALUES (");
        for (var c = 0; c < width; c++)
        {
            var name = "@c" + c;
            sql.Append(c == 0 ? name : ", " + name);
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            cmd.Parameters.Add(p);
        }
        cmd.CommandText = sql.Append(") ").Append(s.Tail).ToString();
        cmd.Prepare();
        var affected = 0;
        foreach (var row in s.Rows)
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

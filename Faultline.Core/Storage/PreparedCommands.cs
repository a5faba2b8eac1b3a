using System.Data.Common;

namespace Faultline.Core.Storage;

/// <summary>
/// The batch writer's hot statements, each created once per batch and re-executed with new values.
/// Re-running the same command lets SQLite keep its prepared statement (no re-parse per row) and
/// skips per-call mapping work; the profile showed statement preparation dominating the writer.
/// </summary>
internal sealed class PreparedCommands(DbConnection conn, DbTransaction tx) : IDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);

    public int Execute(string sql, params (string Name, object? Value)[] args) => Command(sql, args).ExecuteNonQuery();

    public object? Scalar(string sql, params (string Name, object? Value)[] args) => Command(sql, args).ExecuteScalar();

    private DbCommand Command(string sql, (string Name, object? Value)[] args)
    {
        if (!_commands.TryGetValue(sql, out var cmd))
        {
            cmd = conn.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = sql;
            foreach (var (name, _) in args)
            {
                var p = cmd.CreateParameter();
                p.ParameterName = "@" + name;
                cmd.Parameters.Add(p);
            }
            _commands[sql] = cmd;
        }
        for (var i = 0; i < args.Length; i++) cmd.Parameters[i].Value = args[i].Value ?? DBNull.Value;
        return cmd;
    }

    public void Dispose()
    {
        foreach (var c in _commands.Values) c.Dispose();
    }
}

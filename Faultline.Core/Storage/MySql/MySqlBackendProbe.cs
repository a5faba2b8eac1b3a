using System.Data;
using System.Data.Common;
using Faultline.Core.Storage.Dolt;

namespace Faultline.Core.Storage.MySql;

/// <summary>What sits behind a MySQL-wire connection.</summary>
/// <param name="Kind"><see cref="MySqlBackendProbe.Dolt"/>, <see cref="MySqlBackendProbe.MariaDb"/> or <see cref="MySqlBackendProbe.MySql"/>.</param>
/// <param name="Version">The server's own version string (dolt_version() on Dolt, VERSION() otherwise).</param>
public sealed record MySqlBackend(string Kind, string Version)
{
    public bool IsDolt => Kind == MySqlBackendProbe.Dolt;
    public override string ToString() => $"{Kind} {Version}";
}

/// <summary>
/// Detects Dolt at connect time: <c>SELECT dolt_version()</c> only succeeds on Dolt; anything else is
/// MariaDB or MySQL, told apart by VERSION() (MariaDB's contains "MariaDB").
/// </summary>
public static class MySqlBackendProbe
{
    public const string Dolt = "dolt";
    public const string MariaDb = "mariadb";
    public const string MySql = "mysql";

    /// <summary>Probes an open connection. Run it outside a transaction: the failed Dolt probe is an error.</summary>
    public static MySqlBackend Detect(DbConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.State != ConnectionState.Open)
            throw new InvalidOperationException("MySqlBackendProbe needs an open connection");

        try
        {
            var doltVersion = Scalar(connection, DoltSql.DetectVersion().Sql);
            if (!string.IsNullOrEmpty(doltVersion)) return new MySqlBackend(Dolt, doltVersion);
        }
        catch (DbException)
        {
            // "FUNCTION dolt_version does not exist" (or "No database selected"): not Dolt. A dead connection
            // fails again on the next query and surfaces there.
        }

        var version = Scalar(connection, "SELECT VERSION()") ?? "";
        var kind = version.Contains("MariaDB", StringComparison.OrdinalIgnoreCase) ? MariaDb : MySql;
        return new MySqlBackend(kind, version);
    }

    private static string? Scalar(DbConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar() switch
        {
            null or DBNull => null,
            byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes),
            var v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}

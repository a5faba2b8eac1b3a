using Faultline.Core.Storage.MySql;
using Faultline.Tests.Fixtures;
using MySql.Data.MySqlClient;

namespace Faultline.Tests.Storage;

[Collection(MariaDbCollection.Name)]
public class MySqlBackendProbeTests(MariaDbServer server)
{
    [Fact]
    public void DetectsMariaDb()
    {
        using var conn = new MySqlConnection(server.ConnectionString());
        conn.Open();
        var backend = MySqlBackendProbe.Detect(conn);
        Assert.Equal(MySqlBackendProbe.MariaDb, backend.Kind);
        Assert.StartsWith("10.11.", backend.Version);
        Assert.Contains("MariaDB", backend.Version);
        Assert.False(backend.IsDolt);
    }

    [Fact]
    public void DetectsMariaDbWithoutADefaultDatabase()
    {
        var cs = new MySqlConnectionStringBuilder(server.ConnectionString()) { Database = "" }.ConnectionString;
        using var conn = new MySqlConnection(cs);
        conn.Open();
        Assert.Equal(MySqlBackendProbe.MariaDb, MySqlBackendProbe.Detect(conn).Kind);
    }

    [Fact]
    public void DetectsDoltWhenDoltVersionAnswers()
    {
        // No Dolt server runs here; a stored function with Dolt's name answers the probe like Dolt would.
        var db = server.CreateDatabase();
        using var conn = new MySqlConnection(server.ConnectionString(db));
        conn.Open();
        using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = "CREATE FUNCTION dolt_version() RETURNS VARCHAR(32) DETERMINISTIC RETURN '1.59.7'";
            cmd.ExecuteNonQuery();
        }
        var backend = MySqlBackendProbe.Detect(conn);
        Assert.Equal(new MySqlBackend(MySqlBackendProbe.Dolt, "1.59.7"), backend);
        Assert.True(backend.IsDolt);
    }

    [Fact]
    public void NeedsAnOpenConnection() =>
        Assert.Throws<InvalidOperationException>(() => MySqlBackendProbe.Detect(new MySqlConnection(server.ConnectionString())));
}

using Faultline.Core.Storage.MySql;
using Faultline.Tests.Fixtures;
using MySql.Data.MySqlClient;
using Xunit.Abstractions;

namespace Faultline.Tests.Storage;

[Collection(MariaDbCollection.Name)]
public class MariaDbServerTests(MariaDbServer server, ITestOutputHelper output)
{
    private static object? Scalar(string connectionString, string sql)
    {
        using var conn = new MySqlConnection(connectionString);
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    [Fact]
    public void RunsAsPasswordUserWithUtf8mb4()
    {
        output.WriteLine($"install {server.InstallTime.TotalMilliseconds:0} ms, start {server.LastStartTime.TotalMilliseconds:0} ms, port {server.Port}");
        Assert.Equal("faultline@%", Scalar(server.ConnectionString(), "SELECT CURRENT_USER()"));
        Assert.Equal("utf8mb4", Scalar(server.ConnectionString(), "SELECT @@character_set_server"));
        Assert.Equal("faultline", Scalar(server.ConnectionString(), "SELECT DATABASE()"));
        Assert.Equal("OFF", Scalar(server.ConnectionString(), "SELECT IF(@@skip_grant_tables IS NULL OR @@skip_grant_tables = 0, 'OFF', 'ON')"));
    }

    [Fact]
    public void WrongPasswordIsRefused()
    {
        var cs = new MySqlConnectionStringBuilder(server.ConnectionString()) { Password = "wrong", Pooling = false }.ConnectionString;
        Assert.Throws<MySqlException>(() => Scalar(cs, "SELECT 1"));
    }

    [Fact]
    public void GoDsnConnectsThroughTheParser()
    {
        // The fixture password contains @ : / ? so this is the parser's end-to-end test.
        Assert.Contains('@', server.Password);
        var cs = GoDsnParser.ToConnectionString(server.GoDsn());
        Assert.Equal(1L, Convert.ToInt64(Scalar(cs, "SELECT 1")));
    }

    [Fact]
    public void CreateDatabaseIsolates()
    {
        var a = server.CreateDatabase();
        var b = server.CreateDatabase();
        Assert.NotEqual(a, b);
        Scalar(server.ConnectionString(a), "CREATE TABLE t (id INT PRIMARY KEY)");
        Assert.Equal(0L, Convert.ToInt64(Scalar(server.ConnectionString(b),
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't'")));
    }

    [Fact]
    public void StopAndStartKeepDataAndPort()
    {
        var db = server.CreateDatabase();
        var cs = server.ConnectionString(db);
        Scalar(cs, "CREATE TABLE t (id INT PRIMARY KEY)");
        Scalar(cs, "INSERT INTO t VALUES (1)");
        var port = server.Port;

        server.Stop();
        Assert.False(server.IsRunning);
        var down = new MySqlConnectionStringBuilder(cs) { Pooling = false, ConnectionTimeout = 2 }.ConnectionString;
        Assert.Throws<MySqlException>(() => Scalar(down, "SELECT 1"));

        server.Start();
        output.WriteLine($"restart {server.LastStartTime.TotalMilliseconds:0} ms");
        Assert.True(server.IsRunning);
        Assert.Equal(port, server.Port);
        Assert.Equal(1L, Convert.ToInt64(Scalar(cs, "SELECT COUNT(*) FROM t")));
    }

    [Fact]
    public void CrashAndStartRecoversCommittedData()
    {
        var db = server.CreateDatabase();
        var cs = server.ConnectionString(db);
        Scalar(cs, "CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB");
        Scalar(cs, "INSERT INTO t VALUES (1), (2)");

        server.Stop(graceful: false);
        server.Start();
        output.WriteLine($"crash recovery start {server.LastStartTime.TotalMilliseconds:0} ms");
        Assert.Equal(2L, Convert.ToInt64(Scalar(cs, "SELECT COUNT(*) FROM t")));
    }

    [Fact]
    public void MissingBinaryFailsWithAClearMessage()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => MariaDbServer.FindBinary("no-such-mariadbd"));
        Assert.Contains("mariadb-server", ex.Message);
        Assert.Contains("no-such-mariadbd", ex.Message);
    }
}

using System.Data.Common;
using System.Runtime.Loader;
using Faultline.Core.Storage.MySql;
using Faultline.Tests.Fixtures;
using MySql.Data.MySqlClient;

namespace Faultline.Tests.Storage;

public class MySqlCharsetFixDriverTests
{
    [Fact]
    public void ReflectionTargetStillExistsInTheDriver()
    {
        // Fails the day MySql.Data is upgraded and its internals move: revisit MySqlCharsetFix then.
        var map = MySqlCharsetFix.FindMap(typeof(MySqlConnection).Assembly, out var driverLock);
        Assert.True(map.Contains("utf8"), "driver charset map has no utf8 entry");
        Assert.NotNull(driverLock);
    }

    [Fact]
    public void ApplyIsIdempotentAndThreadSafe()
    {
        Parallel.For(0, 16, _ => MySqlCharsetFix.Apply());
        MySqlCharsetFix.Apply();
        Assert.True(MySqlCharsetFix.IsApplied);
        var map = MySqlCharsetFix.FindMap(typeof(MySqlConnection).Assembly, out _);
        Assert.Same(map["utf8"], map["utf8mb3"]);
    }
}

[Collection(MariaDbCollection.Name)]
public class MySqlCharsetFixMariaDbTests(MariaDbServer server)
{
    [Fact]
    public void QueriesWorkOnMariaDbWithTheFix()
    {
        MySqlCharsetFix.Apply();
        using var conn = new MySqlConnection(server.ConnectionString());
        conn.Open();
        using var cmd = conn.CreateCommand();
        // information_schema columns are utf8mb3 on MariaDB 10.11; CONVERT forces a utf8mb3 result column too.
        cmd.CommandText = "SELECT CONVERT('héllo' USING utf8mb3), 'emoji 🐛', (SELECT COUNT(*) FROM information_schema.SCHEMATA)";
        using var r = cmd.ExecuteReader();
        Assert.True(r.Read());
        Assert.Equal("héllo", r.GetString(0));
        Assert.Equal("emoji 🐛", r.GetString(1));
        Assert.True(r.GetInt64(2) > 0);
    }

    [Fact]
    public void WithoutTheFixTheDriverFailsOnMariaDb()
    {
        // A second, pristine copy of MySql.Data in its own load context has its own static charset map,
        // so this proves the fix is still needed without undoing it for the rest of the process.
        var alc = new AssemblyLoadContext("pristine-mysql-data", isCollectible: true);
        try
        {
            var driver = alc.LoadFromAssemblyPath(typeof(MySqlConnection).Assembly.Location);
            var connType = driver.GetType("MySql.Data.MySqlClient.MySqlConnection", throwOnError: true)!;
            var cs = new MySqlConnectionStringBuilder(server.ConnectionString()) { Pooling = false }.ConnectionString;
            using var conn = (DbConnection)Activator.CreateInstance(connType, cs)!;
            var ex = Record.Exception(() =>
            {
                conn.Open();
                using var cmd = conn.CreateCommand();
                cmd.CommandText = "SELECT CONVERT('x' USING utf8mb3), (SELECT COUNT(*) FROM information_schema.SCHEMATA)";
                using var r = cmd.ExecuteReader();
                r.Read();
                _ = r.GetValue(0);
            });
            Assert.NotNull(ex);
            var chain = new List<Exception>();
            for (var e = ex; e is not null; e = e.InnerException) chain.Add(e);
            Assert.Contains(chain, e => e is KeyNotFoundException);
        }
        finally
        {
            alc.Unload();
        }
    }
}

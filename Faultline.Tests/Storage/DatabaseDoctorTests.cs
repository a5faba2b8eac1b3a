using Faultline.Core.Ops;
using Faultline.Core.Storage;
using Faultline.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using MySql.Data.MySqlClient;

namespace Faultline.Tests.Storage;

public abstract class DatabaseDoctorTests(TestBackend backend)
{
    [Fact]
    public async Task ReportsReachabilityLatencyAndSize()
    {
        await using var h = await StoreHarness.StartAsync(backend);
        await h.IssueOfAsync("DoctorError");
        var doctor = new DatabaseDoctor(h.Db, h.Clock, NullLogger<DatabaseDoctor>.Instance);
        Assert.Null(doctor.Latest);
        var r = await doctor.CheckAsync();
        Assert.True(r.Reachable, r.Error);
        Assert.Null(r.Error);
        Assert.InRange(r.RoundTripMs, 0.001, 5000);
        Assert.True(r.SizeBytes > 0);
        Assert.Null(r.PendingDoltChanges);
        Assert.Equal(backend.Name, r.Backend);
        Assert.Same(r, doctor.Latest);
    }
}

public sealed class DatabaseDoctorTestsOnSqlite() : DatabaseDoctorTests(SqliteTestBackend.Instance);

[Collection(MariaDbCollection.Name)]
public sealed class DatabaseDoctorTestsOnMariaDb(MariaDbServer server) : DatabaseDoctorTests(new MariaDbTestBackend(server))
{
    [Fact]
    public async Task AnUnreachableServerIsReportedNotThrown()
    {
        var cs = new MySqlConnectionStringBuilder(server.ConnectionString()) { Port = 1, ConnectionTimeout = 2 }.ConnectionString;
        var doctor = new DatabaseDoctor(new Database(new MySqlDialect(cs)), TimeProvider.System, NullLogger<DatabaseDoctor>.Instance);
        var r = await doctor.CheckAsync();
        Assert.False(r.Reachable);
        Assert.False(string.IsNullOrEmpty(r.Error));
        Assert.True(new MySqlDialect(cs).IsUnavailable(await Assert.ThrowsAnyAsync<Exception>(() => new Database(new MySqlDialect(cs)).OpenAsync())));
    }
}

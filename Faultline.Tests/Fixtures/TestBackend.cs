using Faultline.Core.Storage;

namespace Faultline.Tests.Fixtures;

/// <summary>
/// A database backend the same test bodies run against: every call hands out a fresh, empty database
/// so tests never see each other's rows. Subclasses pick SQLite (temp file) or the shared private MariaDB.
/// </summary>
public abstract class TestBackend
{
    public abstract string Name { get; }

    /// <summary>A dialect for a new empty database (not migrated).</summary>
    public abstract SqlDialect NewDatabase();

    /// <summary>FAULTLINE_DSN for a new empty database; null = let FaultlineServer use SQLite in its temp folder.</summary>
    public abstract string? NewDsn();

    public override string ToString() => Name;
}

public sealed class SqliteTestBackend : TestBackend
{
    public static readonly SqliteTestBackend Instance = new();
    private static readonly string Dir = Directory.CreateTempSubdirectory("faultline-sqlite-").FullName;

    public override string Name => "sqlite";
    public override SqlDialect NewDatabase() => Database.Sqlite(Path.Combine(Dir, Guid.NewGuid().ToString("N")[..12] + ".db"));
    public override string? NewDsn() => null;
}

public sealed class MariaDbTestBackend(MariaDbServer server) : TestBackend
{
    public MariaDbServer Server { get; } = server;
    public override string Name => "mariadb";
    public override SqlDialect NewDatabase() => new MySqlDialect(Server.ConnectionString(Server.CreateDatabase()));
    public override string? NewDsn() => Server.GoDsn(Server.CreateDatabase());
}

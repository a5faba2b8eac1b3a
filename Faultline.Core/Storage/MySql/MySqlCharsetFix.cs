using System.Collections;
using System.Reflection;
using MySql.Data.MySqlClient;

namespace Faultline.Core.Storage.MySql;

/// <summary>
/// MySql.Data 8.0.16 (the only MySQL driver that restores here) predates the charset name <c>utf8mb3</c>,
/// which MariaDB ≥ 10.6, MySQL ≥ 8.0.30 and Dolt report for utf8 columns and metadata. Without this fix
/// every command against such a server throws <see cref="KeyNotFoundException"/>.
/// The fix registers <c>utf8mb3</c> as an alias of the driver's own <c>utf8</c> entry in its private
/// static map <c>MySql.Data.MySqlClient.CharSetMap._mapping</c>. Call <see cref="Apply"/> once before the
/// first <c>Open()</c>; calling it again is free.
/// </summary>
public static class MySqlCharsetFix
{
    internal const string MapTypeName = "MySql.Data.MySqlClient.CharSetMap";
    internal const string MapFieldName = "_mapping";
    internal const string LockFieldName = "LockObject";
    internal const string Alias = "utf8mb3";
    internal const string Target = "utf8";

    private static readonly object Gate = new();
    private static volatile bool _applied;

    /// <summary>True once the alias is in place in this process.</summary>
    public static bool IsApplied => _applied;

    /// <summary>Adds the alias; idempotent and thread-safe.</summary>
    /// <exception cref="InvalidOperationException">the driver's internals are not what this fix expects.</exception>
    public static void Apply()
    {
        if (_applied) return;
        lock (Gate)
        {
            if (_applied) return;
            var map = FindMap(typeof(MySqlConnection).Assembly, out var driverLock);
            // The driver guards its own lazy charset loading with LockObject; take it too so a concurrent
            // first Open() elsewhere never sees the dictionary mid-write.
            lock (driverLock ?? Gate)
            {
                if (!map.Contains(Target))
                    throw Changed($"its charset map has no '{Target}' entry to alias");
                if (!map.Contains(Alias))
                    map[Alias] = map[Target];
            }
            _applied = true;
        }
    }

    /// <summary>
    /// Finds the driver's charset dictionary in <paramref name="driver"/> (the MySql.Data assembly).
    /// Exposed so a test can check the reflection target without applying anything.
    /// </summary>
    internal static IDictionary FindMap(Assembly driver, out object? driverLock)
    {
        var type = driver.GetType(MapTypeName, throwOnError: false)
            ?? throw Changed($"type {MapTypeName} is gone");
        var field = type.GetField(MapFieldName, BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw Changed($"static field {MapTypeName}.{MapFieldName} is gone");
        // Reading the field runs the type's static constructor, which fills the map.
        if (field.GetValue(null) is not IDictionary map)
            throw Changed($"{MapTypeName}.{MapFieldName} is null or not a dictionary");
        driverLock = type.GetField(LockFieldName, BindingFlags.NonPublic | BindingFlags.Static)?.GetValue(null);
        return map;
    }

    private static InvalidOperationException Changed(string what)
    {
        var version = typeof(MySqlConnection).Assembly.GetName().Version;
        return new InvalidOperationException(
            $"MySql.Data {version}: cannot apply the utf8mb3 charset fix, {what}. The fix was written for " +
            "MySql.Data 8.0.16; check whether this driver version knows utf8mb3 itself and update MySqlCharsetFix.");
    }
}

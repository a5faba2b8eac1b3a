using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Faultline.Tests.Fixtures;

/// <summary>
/// Captures every log line written by every Faultline host started through <see cref="FaultlineServer"/>
/// during the test run (message, exception and scope-free state), and a registry of the secrets the tests
/// used (passwords, tokens, client secrets, cookie values) so a test can prove none reached a log.
/// </summary>
public static class TestLogs
{
    private static readonly ConcurrentQueue<string> Lines = new();
    private static readonly ConcurrentDictionary<string, string> Secrets = new();

    public static IReadOnlyCollection<string> All => Lines.ToArray();

    public static void Add(string line) => Lines.Enqueue(line);

    /// <summary>Registers a secret (at least 8 characters, to avoid matching ordinary words).</summary>
    public static string Secret(string value, string what)
    {
        if (value.Length >= 8) Secrets[value] = what;
        return value;
    }

    public static IReadOnlyDictionary<string, string> KnownSecrets => Secrets;

    /// <summary>Lines that contain a registered secret, with what the secret was.</summary>
    public static List<string> Leaks(IEnumerable<string>? lines = null) =>
        (from line in lines ?? All
         from s in Secrets
         where line.Contains(s.Key, StringComparison.Ordinal)
         select $"{s.Value} leaked: {line}").ToList();
}

public sealed class CapturingLoggerProvider(string serverName) : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"[{owner._name}] {logLevel} {category}: {formatter(state, exception)}";
            if (state is IEnumerable<KeyValuePair<string, object?>> kv)
                line += " {" + string.Join(", ", kv.Select(p => $"{p.Key}={p.Value}")) + "}";
            if (exception != null) line += "\n" + exception;
            owner.Lines.Enqueue(line);
            TestLogs.Add(line);
        }
    }

    private readonly string _name = serverName;
}

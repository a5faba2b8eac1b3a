using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Faultline.Core.Ops;

/// <summary>
/// Hooks process-wide failures into <see cref="SelfMonitor"/> while the host runs:
/// AppDomain unhandled exceptions (the process is dying: wait briefly for the report) and
/// unobserved task exceptions. Unhooks on stop, then flushes reports in flight.
/// </summary>
public sealed class SelfMonitorHooks(SelfMonitor monitor) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        AppDomain.CurrentDomain.UnhandledException += OnUnhandled;
        TaskScheduler.UnobservedTaskException += OnUnobserved;
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        AppDomain.CurrentDomain.UnhandledException -= OnUnhandled;
        TaskScheduler.UnobservedTaskException -= OnUnobserved;
        await monitor.FlushAsync(TimeSpan.FromSeconds(5));
    }

    private void OnUnhandled(object? sender, UnhandledExceptionEventArgs e)
    {
        if (e.ExceptionObject is not Exception ex) return;
        if (monitor.Capture(ex, "unhandled", handled: false, level: "fatal"))
            monitor.FlushAsync(TimeSpan.FromSeconds(3)).GetAwaiter().GetResult();
    }

    private void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
    {
        var ex = e.Exception.InnerExceptions.Count == 1 ? e.Exception.InnerExceptions[0] : e.Exception;
        monitor.Capture(ex, "unobserved_task", handled: false);
    }
}

/// <summary>
/// Turns Error/Critical log entries that carry an exception into self-monitoring events, for
/// Faultline's own categories (background services, endpoints), the host's "BackgroundService
/// failed" and Kestrel's unhandled request exceptions. The ingest path (pipeline, batch writer,
/// ingest handler) is excluded so a failing ingest can never feed itself.
/// </summary>
public sealed class SelfMonitorLoggerProvider(IServiceProvider services) : ILoggerProvider
{
    private static readonly string[] Excluded =
    [
        "Faultline.Core.Storage.BatchWriter", "Faultline.Core.Ingest.", "Faultline.Web.Endpoints.IngestHandler", "Faultline.Core.Ops.SelfMonitor",
    ];

    private static readonly string[] ExtraCategories =
        ["Microsoft.Extensions.Hosting.Internal.Host", "Microsoft.AspNetCore.Server.Kestrel"];

    private SelfMonitor? _monitor;

    public static bool Captures(string category) =>
        (category.StartsWith("Faultline.", StringComparison.Ordinal) && !Excluded.Any(x => category.StartsWith(x, StringComparison.Ordinal)))
        || ExtraCategories.Contains(category, StringComparer.Ordinal);

    public ILogger CreateLogger(string categoryName) =>
        Captures(categoryName) ? new Logger(this, categoryName) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    private SelfMonitor? Monitor
    {
        get
        {
            if (_monitor != null) return _monitor;
            try { return _monitor = services.GetService<SelfMonitor>(); }
            catch (ObjectDisposedException) { return null; }
            catch (InvalidOperationException) { return null; }
        }
    }

    public void Dispose() { }

    private sealed class Logger(SelfMonitorLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (exception is null || logLevel < LogLevel.Error || SelfMonitor.IsCapturing) return;
            string? message;
            try { message = formatter(state, exception); } catch (FormatException) { message = null; }
            owner.Monitor?.Capture(exception, category, message, handled: true, level: logLevel == LogLevel.Critical ? "fatal" : "error");
        }
    }
}

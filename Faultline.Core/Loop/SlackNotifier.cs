using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Faultline.Core.Loop;

public sealed record SlackNotifierOptions
{
    /// <summary>Messages waiting for delivery; when full the oldest is dropped (the caller never waits).</summary>
    public int Capacity { get; init; } = 500;
    public int MaxAttempts { get; init; } = 5;
    public TimeSpan BaseBackoff { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMinutes(1);
    /// <summary>Upper bound on a 429 Retry-After we are willing to honour.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromMinutes(5);
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

public interface ISlackNotifier
{
    /// <summary>Queues a message and returns at once; never blocks, never throws for delivery problems.</summary>
    void Enqueue(JsonObject message);
}

/// <summary>
/// Posts Block Kit messages to an incoming webhook off the caller's path: a bounded channel drained by
/// one background loop that retries with exponential back-off and honours 429 Retry-After. A dead or
/// slow Slack therefore only delays other Slack messages, never ingest. The webhook URL carries a
/// token, so it is never logged.
/// </summary>
public sealed class SlackNotifier : BackgroundService, ISlackNotifier
{
    readonly HttpClient _http;
    readonly Uri _webhook;
    readonly TimeProvider _time;
    readonly ILogger _log;
    readonly SlackNotifierOptions _options;
    readonly Channel<string> _queue;
    long _sent, _failed, _dropped;

    public SlackNotifier(HttpClient http, Uri webhook, TimeProvider time, ILogger<SlackNotifier>? logger = null, SlackNotifierOptions? options = null)
    {
        _http = http;
        _webhook = webhook;
        _time = time;
        _log = logger ?? (ILogger)NullLogger.Instance;
        _options = options ?? new SlackNotifierOptions();
        _queue = Channel.CreateBounded<string>(
            new BoundedChannelOptions(_options.Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
    }

    public long Sent => Interlocked.Read(ref _sent);
    public long Failed => Interlocked.Read(ref _failed);
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Enqueue(JsonObject message)
    {
        // Serialised now: the caller may keep mutating its JsonObject after handing it over.
        if (!_queue.Writer.TryWrite(message.ToJsonString())) Interlocked.Increment(ref _dropped);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var payload in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
                await DeliverAsync(payload, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    async Task DeliverAsync(string payload, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (outcome, retryAfter, what) = await SendOnceAsync(payload, ct).ConfigureAwait(false);
            if (outcome == Outcome.Delivered) { Interlocked.Increment(ref _sent); return; }
            if (outcome == Outcome.Permanent || attempt >= _options.MaxAttempts)
            {
                Interlocked.Increment(ref _failed);
                _log.LogWarning("Slack notification dropped after {Attempts} attempt(s): {Reason}", attempt, what);
                return;
            }
            var delay = retryAfter ?? Backoff(attempt);
            _log.LogInformation("Slack notification attempt {Attempt} failed ({Reason}); retrying in {Delay}", attempt, what, delay);
            await Task.Delay(delay, _time, ct).ConfigureAwait(false);
        }
    }

    enum Outcome { Delivered, Retry, Permanent }

    async Task<(Outcome, TimeSpan?, string)> SendOnceAsync(string payload, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            using var content = new StringContent(payload, Encoding.UTF8, "application/json");
            using var response = await _http.PostAsync(_webhook, content, timeout.Token).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            if (response.IsSuccessStatusCode) return (Outcome.Delivered, null, "ok");
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
                return (Outcome.Retry, RetryAfter(response.Headers.RetryAfter), "HTTP 429");
            // 4xx other than timeout/throttling means Slack rejected this message (bad payload, revoked hook): retrying cannot help.
            if (code is >= 400 and < 500 && response.StatusCode != HttpStatusCode.RequestTimeout)
                return (Outcome.Permanent, null, $"HTTP {code}");
            return (Outcome.Retry, null, $"HTTP {code}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (Outcome.Retry, null, "timed out");
        }
        catch (HttpRequestException ex)
        {
            // The exception type and socket error only: messages can carry the URL, whose path is the secret.
            return (Outcome.Retry, null, ex.HttpRequestError.ToString());
        }
    }

    TimeSpan? RetryAfter(RetryConditionHeaderValue? header)
    {
        TimeSpan? wait = header?.Delta ?? (header?.Date is { } date ? date - _time.GetUtcNow() : null);
        if (wait is null) return null;
        if (wait < TimeSpan.Zero) wait = TimeSpan.Zero;
        return wait > _options.MaxRetryAfter ? _options.MaxRetryAfter : wait;
    }

    TimeSpan Backoff(int attempt)
    {
        var ticks = _options.BaseBackoff.Ticks * Math.Pow(2, Math.Min(attempt - 1, 20));
        return ticks >= _options.MaxBackoff.Ticks ? _options.MaxBackoff : TimeSpan.FromTicks((long)ticks);
    }
}

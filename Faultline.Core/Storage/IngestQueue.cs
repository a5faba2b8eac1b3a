using System.Threading.Channels;
using Faultline.Core.Events;
using Faultline.Core.Grouping;

namespace Faultline.Core.Storage;

/// <summary>One normalized, grouped event waiting for the batch writer.</summary>
public sealed class PendingEvent(long projectId, NormalizedEvent evt, GroupingResult grouping, byte[] payload)
{
    public long ProjectId { get; } = projectId;
    public NormalizedEvent Event { get; } = evt;
    public GroupingResult Grouping { get; } = grouping;
    public byte[] Payload { get; } = payload;
    public string DataJson { get; } = evt.Data.ToJsonString();
    internal long Bytes => Payload.Length + DataJson.Length * 2L;
    /// <summary>Completes once the event is committed (or definitely not stored).</summary>
    public TaskCompletionSource<WriteOutcome> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

public enum WriteStatus { Stored, Duplicate, Unavailable }

public sealed record WriteOutcome(WriteStatus Status, long IssueId, string? Error = null);

/// <summary>
/// The bounded hand-off between request threads and the single batch writer. Bounded by count
/// and by bytes so a burst of large events cannot exhaust memory: when full, callers answer
/// 503 with Retry-After instead of accepting something they might lose.
/// </summary>
public sealed class IngestQueue
{
    private readonly Channel<PendingEvent> _channel;
    private readonly long _maxBytes;
    private long _bytes;
    private int _count;

    public IngestQueue(int maxEvents = 20_000, long maxBytes = 96L * 1024 * 1024)
    {
        MaxEvents = maxEvents;
        _maxBytes = maxBytes;
        _channel = Channel.CreateBounded<PendingEvent>(new BoundedChannelOptions(maxEvents)
        {
            SingleReader = true, FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public int MaxEvents { get; }
    public int Depth => Volatile.Read(ref _count);
    public long QueuedBytes => Interlocked.Read(ref _bytes);
    public ChannelReader<PendingEvent> Reader => _channel.Reader;

    public bool TryEnqueue(PendingEvent item)
    {
        if (Interlocked.Add(ref _bytes, item.Bytes) > _maxBytes && Depth > 0)
        {
            Interlocked.Add(ref _bytes, -item.Bytes);
            return false;
        }
        if (!_channel.Writer.TryWrite(item))
        {
            Interlocked.Add(ref _bytes, -item.Bytes);
            return false;
        }
        Interlocked.Increment(ref _count);
        return true;
    }

    internal void Dequeued(PendingEvent item)
    {
        Interlocked.Add(ref _bytes, -item.Bytes);
        Interlocked.Decrement(ref _count);
    }

    public void Complete() => _channel.Writer.TryComplete();
}

using System.Threading.Channels;

namespace Faultline.Core.Notify;

/// <summary>What happened to the store, published after a commit (so listeners only ever see durable state).</summary>
public sealed record StoreChange
{
    public required string Kind { get; init; }
    public required long ProjectId { get; init; }
    public long IssueId { get; init; }
    public string? EventId { get; init; }
    public string? Level { get; init; }
    public DateTime At { get; init; }
    /// <summary>For Kind=event_stored: the event created the issue.</summary>
    public bool NewIssue { get; init; }
    /// <summary>Free-form detail (status names, bead ids, ...).</summary>
    public string? Detail { get; init; }

    public const string EventStored = "event_stored";
    public const string IssueChanged = "issue_changed";
    public const string IssueRegressed = "issue_regressed";
    public const string IssueReopened = "issue_reopened";
    public const string ProjectChanged = "project_changed";
}

/// <summary>
/// In-process publish/subscribe of store changes. Every subscriber has its own bounded queue;
/// a slow subscriber loses the oldest changes (and sees <see cref="Subscription.Overflowed"/>)
/// instead of ever blocking the writer — it should then refresh from the database.
/// </summary>
public sealed class IssueEvents
{
    private readonly Lock _lock = new();
    private Subscription[] _subs = [];

    public Subscription Subscribe(int capacity = 1024)
    {
        var sub = new Subscription(this, capacity);
        lock (_lock) _subs = [.. _subs, sub];
        return sub;
    }

    public void Publish(IReadOnlyList<StoreChange> changes)
    {
        if (changes.Count == 0) return;
        foreach (var s in Volatile.Read(ref _subs))
            s.Offer(changes);
    }

    public void Publish(StoreChange change) => Publish([change]);

    private void Remove(Subscription sub)
    {
        lock (_lock) _subs = _subs.Where(s => s != sub).ToArray();
    }

    public sealed class Subscription : IDisposable
    {
        private readonly IssueEvents _owner;
        private readonly Channel<StoreChange> _channel;
        private long _overflowed;

        internal Subscription(IssueEvents owner, int capacity)
        {
            _owner = owner;
            _channel = Channel.CreateBounded<StoreChange>(new BoundedChannelOptions(capacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true,
            }, _ => Interlocked.Increment(ref _overflowed));
        }

        public ChannelReader<StoreChange> Reader => _channel.Reader;

        /// <summary>Changes dropped because this subscriber fell behind; reading resets it.</summary>
        public long TakeOverflowed() => Interlocked.Exchange(ref _overflowed, 0);

        internal void Offer(IReadOnlyList<StoreChange> changes)
        {
            foreach (var c in changes) _channel.Writer.TryWrite(c);
        }

        public void Dispose()
        {
            _owner.Remove(this);
            _channel.Writer.TryComplete();
        }
    }
}

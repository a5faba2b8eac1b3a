using Faultline.Core.Notify;
using Microsoft.AspNetCore.Components;

namespace Faultline.Web.Dashboard;

/// <summary>
/// Base of every dashboard page: loads from the store, then stays live over the circuit.
/// The subscription starts in the first interactive render (never during prerendering or in
/// HtmlRenderer tests, where there is no circuit to push to) and ends with the component.
/// </summary>
public abstract class DashboardPage : ComponentBase, IAsyncDisposable
{
    [Inject] protected IssueEvents Events { get; set; } = null!;
    [Inject] protected TimeProvider Clock { get; set; } = null!;
    [Inject] protected ILoggerFactory LoggerFactory { get; set; } = null!;

    private LiveUpdates? _live;

    /// <summary>True once this page is subscribed over a live circuit (shown by LiveIndicator).</summary>
    protected bool IsLive { get; private set; }
    private int _loadVersion;
    private bool _disposed;

    /// <summary>Whether a store change concerns this page.</summary>
    protected abstract bool IsRelevant(StoreChange change);

    /// <summary>Re-reads everything the page shows from the store.</summary>
    protected abstract Task LoadAsync();

    /// <summary>Refresh this often even without changes (null: only on changes).</summary>
    protected virtual TimeSpan? SafetyInterval => null;

    /// <summary>
    /// Runs <see cref="LoadAsync"/> so that, when loads overlap (a live refresh and a filter
    /// change), the one started last wins: returns false to a load that was overtaken.
    /// </summary>
    protected int BeginLoad() => Interlocked.Increment(ref _loadVersion);
    protected bool IsCurrent(int version) => version == Volatile.Read(ref _loadVersion) && !_disposed;

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender || _disposed) return;
        _live = LiveUpdates.Start(Events, IsRelevant, RefreshFromFeedAsync, Clock, LoggerFactory.CreateLogger(GetType()), SafetyInterval);
        IsLive = true;
        // A change may have committed between the prerender's load and the subscription: catch up once.
        await RefreshFromFeedAsync();
    }

    private Task RefreshFromFeedAsync() => _disposed ? Task.CompletedTask : InvokeAsync(async () =>
    {
        if (_disposed) return;
        await LoadAsync();
        StateHasChanged();
    });

    public virtual async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (_live is not null) await _live.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

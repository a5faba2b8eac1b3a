using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.JSInterop;

namespace Faultline.Tests.Dashboard;

/// <summary>
/// Renders one component to HTML with the shared framework's HtmlRenderer (static rendering:
/// no circuit, no OnAfterRender, no JS) and parses it with AngleSharp for assertions.
/// </summary>
public sealed class ComponentRenderer : IAsyncDisposable
{
    public static readonly DateTimeOffset DefaultNow = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private readonly ServiceProvider _services;
    private readonly HtmlRenderer _renderer;

    /// <param name="configure">Extra services, e.g. a real store for page tests.</param>
    /// <param name="uri">The page address NavigationManager reports (pages read their query from it).</param>
    public ComponentRenderer(DateTimeOffset? now = null, Action<IServiceCollection>? configure = null, string uri = "http://localhost/dashboard/")
    {
        Clock = new FixedTimeProvider(now ?? DefaultNow);
        Navigation = new TestNavigationManager(uri);
        var services = new ServiceCollection()
            .AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance)
            .AddSingleton(typeof(ILogger<>), typeof(NullLogger<>))
            .AddSingleton<TimeProvider>(Clock)
            .AddSingleton<IJSRuntime>(Js)
            .AddSingleton<NavigationManager>(Navigation);
        configure?.Invoke(services);
        _services = services.BuildServiceProvider();
        _renderer = new HtmlRenderer(_services, NullLoggerFactory.Instance);
    }

    public FixedTimeProvider Clock { get; }
    public TestNavigationManager Navigation { get; }
    public RecordingJsRuntime Js { get; } = new();

    public async Task<Rendered> RenderAsync<TComponent>(IDictionary<string, object?>? parameters = null)
        where TComponent : IComponent
    {
        var html = await _renderer.Dispatcher.InvokeAsync(async () =>
        {
            var output = await _renderer.RenderComponentAsync<TComponent>(
                parameters is null ? ParameterView.Empty : ParameterView.FromDictionary(parameters));
            return output.ToHtmlString();
        });
        return new Rendered(html, new HtmlParser().ParseDocument($"<!DOCTYPE html><html><body>{html}</body></html>"));
    }

    /// <summary>A RenderFragment parameter that writes plain text (as pages do with event data).</summary>
    public static RenderFragment Text(string text) => builder => builder.AddContent(0, text);

    public async ValueTask DisposeAsync()
    {
        await _renderer.DisposeAsync();
        await _services.DisposeAsync();
    }
}

/// <summary>The rendered markup and its parsed DOM.</summary>
public sealed record Rendered(string Html, IDocument Dom)
{
    public IElement Find(string selector) =>
        Dom.QuerySelector(selector) ?? throw new Xunit.Sdk.XunitException($"No element matches '{selector}' in:\n{Html}");

    public IReadOnlyList<IElement> FindAll(string selector) => Dom.QuerySelectorAll(selector).ToList();

    public string Text => Dom.Body!.TextContent;
}

public sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;
    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>Records JS calls; static rendering must not make any.</summary>
public sealed class RecordingJsRuntime : IJSRuntime
{
    public List<string> Calls { get; } = [];

    public ValueTask<TValue> InvokeAsync<TValue>(string identifier, object?[]? args)
    {
        Calls.Add(identifier);
        return ValueTask.FromResult(default(TValue)!);
    }

    public ValueTask<TValue> InvokeAsync<TValue>(string identifier, CancellationToken cancellationToken, object?[]? args)
        => InvokeAsync<TValue>(identifier, args);
}

/// <summary>A NavigationManager for static rendering: a fixed address; records NotFound().</summary>
public sealed class TestNavigationManager : NavigationManager
{
    public TestNavigationManager(string uri)
    {
        Initialize(new Uri(new Uri(uri), "/").ToString(), uri);
        OnNotFound += (_, _) => NotFoundCalled = true;
    }

    public bool NotFoundCalled { get; private set; }

    public void SetUri(string uri) => Uri = uri;

    protected override void NavigateToCore(string uri, NavigationOptions options) => Uri = ToAbsoluteUri(uri).ToString();
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Faultline.Core.Loop;

namespace Faultline.Tests.Loop;

public class SlackNotifierTests
{
    static readonly SlackNotifierOptions Fast = new()
    {
        BaseBackoff = TimeSpan.FromMilliseconds(20),
        MaxBackoff = TimeSpan.FromMilliseconds(200),
        RequestTimeout = TimeSpan.FromSeconds(5),
    };

    static JsonObject Message(string title = "TypeError: boom") => SlackMessages.NewIssue(new SlackIssueInfo
    {
        ProjectId = 1, IssueId = 2, Title = title, DashboardBaseUrl = "http://faultline.test",
    });

    static async Task WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition() && DateTime.UtcNow < deadline) await Task.Delay(20);
    }

    [Fact]
    public async Task DeliversBlockKitJson()
    {
        await using var receiver = await SlackReceiver.StartAsync(_ => (200, null));
        using var http = new HttpClient();
        using var notifier = new SlackNotifier(http, receiver.Url, TimeProvider.System, options: Fast);
        await notifier.StartAsync(CancellationToken.None);

        notifier.Enqueue(Message("first <!channel>"));
        await receiver.WaitForAsync(1, TimeSpan.FromSeconds(10));
        // The receiver sees the request before the notifier has read the answer: wait for both.
        await WaitUntil(() => notifier.Sent == 1, TimeSpan.FromSeconds(10));
        await notifier.StopAsync(CancellationToken.None);

        var (_, body) = Assert.Single(receiver.Received);
        var json = JsonNode.Parse(body)!.AsObject();
        Assert.Equal("header", json["blocks"]![0]!["type"]!.GetValue<string>());
        Assert.Contains("first &lt;!channel&gt;", json["blocks"]![1]!["text"]!["text"]!.GetValue<string>());
        Assert.Equal(1, notifier.Sent);
    }

    [Fact]
    public async Task RetriesAReceiverThatFailsTwiceThenSucceeds()
    {
        await using var receiver = await SlackReceiver.StartAsync(attempt => (attempt <= 2 ? 500 : 200, null));
        using var http = new HttpClient();
        using var notifier = new SlackNotifier(http, receiver.Url, TimeProvider.System, options: Fast);
        await notifier.StartAsync(CancellationToken.None);

        notifier.Enqueue(Message());
        await WaitUntil(() => notifier.Sent == 1, TimeSpan.FromSeconds(10));
        await notifier.StopAsync(CancellationToken.None);

        Assert.Equal(3, receiver.Received.Count);
        Assert.Single(receiver.Received.Select(r => r.Body).Distinct()); // the same message each time
        Assert.Equal(1, notifier.Sent);
        Assert.Equal(0, notifier.Failed);
    }

    [Fact]
    public async Task HonoursRetryAfterOn429()
    {
        await using var receiver = await SlackReceiver.StartAsync(attempt => attempt == 1 ? (429, "1") : (200, null));
        using var http = new HttpClient();
        using var notifier = new SlackNotifier(http, receiver.Url, TimeProvider.System, options: Fast);
        await notifier.StartAsync(CancellationToken.None);

        notifier.Enqueue(Message());
        await WaitUntil(() => notifier.Sent == 1, TimeSpan.FromSeconds(10));
        await notifier.StopAsync(CancellationToken.None);

        var times = receiver.Received.Select(r => r.At).ToList();
        Assert.Equal(2, times.Count);
        // The back-off alone would have retried after 20 ms.
        Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(900), $"retried after {times[1] - times[0]}");
    }

    [Fact]
    public async Task GivesUpOnPermanentRejectionAndAfterMaxAttempts()
    {
        await using var rejecting = await SlackReceiver.StartAsync(_ => (404, null));
        using var http = new HttpClient();
        using (var notifier = new SlackNotifier(http, rejecting.Url, TimeProvider.System, options: Fast))
        {
            await notifier.StartAsync(CancellationToken.None);
            notifier.Enqueue(Message());
            await WaitUntil(() => notifier.Failed == 1, TimeSpan.FromSeconds(10));
            await Task.Delay(200);
            await notifier.StopAsync(CancellationToken.None);
            Assert.Single(rejecting.Received); // 404 = revoked hook: retrying cannot help
        }

        await using var broken = await SlackReceiver.StartAsync(_ => (503, null));
        using (var notifier = new SlackNotifier(http, broken.Url, TimeProvider.System, options: Fast with { MaxAttempts = 3 }))
        {
            await notifier.StartAsync(CancellationToken.None);
            notifier.Enqueue(Message());
            await WaitUntil(() => notifier.Failed == 1, TimeSpan.FromSeconds(10));
            await notifier.StopAsync(CancellationToken.None);
            Assert.Equal(3, broken.Received.Count);
        }
    }

    [Fact]
    public async Task ADeadReceiverNeverSlowsTheCaller()
    {
        // Accepts TCP connections and never answers: the worst kind of dead Slack.
        using var hole = new TcpListener(IPAddress.Loopback, 0);
        hole.Start();
        var url = new Uri($"http://127.0.0.1:{((IPEndPoint)hole.LocalEndpoint).Port}/services/x");
        using var http = new HttpClient();
        using var notifier = new SlackNotifier(http, url, TimeProvider.System, options: Fast with { Capacity = 10 });
        await notifier.StartAsync(CancellationToken.None);

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 1000; i++) notifier.Enqueue(Message($"event {i}"));
        watch.Stop();

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"enqueueing took {watch.Elapsed}");
        Assert.InRange(notifier.Dropped, 989, 990); // the queue kept the newest; one may already be in flight
        Assert.Equal(0, notifier.Sent);

        var stop = Stopwatch.StartNew();
        await notifier.StopAsync(CancellationToken.None);
        Assert.True(stop.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {stop.Elapsed}");
    }

    [Fact]
    public async Task AConnectionRefusedIsRetriedThenCountedAsFailed()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0)) { probe.Start(); port = ((IPEndPoint)probe.LocalEndpoint).Port; }
        using var http = new HttpClient();
        using var notifier = new SlackNotifier(http, new Uri($"http://127.0.0.1:{port}/x"), TimeProvider.System, options: Fast with { MaxAttempts = 2 });
        await notifier.StartAsync(CancellationToken.None);
        notifier.Enqueue(Message());
        await WaitUntil(() => notifier.Failed == 1, TimeSpan.FromSeconds(10));
        await notifier.StopAsync(CancellationToken.None);
        Assert.Equal(1, notifier.Failed);
    }
}

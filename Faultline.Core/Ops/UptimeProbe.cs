using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Faultline.Core.Ops;

/// <summary>The result of one active check.</summary>
/// <param name="Outcome">up, down, blocked (refused by the SSRF policy) or error.</param>
public sealed record ProbeResult(string Outcome, int? StatusCode, int LatencyMs, string? Error, string FinalUrl)
{
    public bool Ok => Outcome == "up";
}

/// <summary>Thrown from the connect callback when a target address is not allowed.</summary>
public sealed class BlockedTargetException(string message) : Exception(message);

/// <summary>
/// One HTTP GET of a service URL, with the SSRF stance of docs/OPERATIONS.md: only http/https;
/// at most <see cref="MaxRedirects"/> redirects, each re-validated; no proxy; the host name is
/// resolved by us and EVERY address must be public unless the URL was configured by an admin —
/// the socket then connects to one of exactly those vetted addresses (no second DNS lookup
/// to rebind). Admin and non-admin checks use separate connection pools.
/// </summary>
public sealed class UptimeProbe : IDisposable
{
    public const int MaxRedirects = 3;
    private readonly HttpClient _strict, _admin;
    private readonly Func<IPAddress, bool> _isPublic;
    private readonly TimeProvider _clock;

    public TimeSpan Timeout { get; }

    /// <param name="isPublic">Address policy; tests may widen it. Default <see cref="IsPublicAddress"/>.</param>
    public UptimeProbe(TimeSpan timeout, TimeProvider? clock = null, Func<IPAddress, bool>? isPublic = null)
    {
        Timeout = timeout;
        _clock = clock ?? TimeProvider.System;
        _isPublic = isPublic ?? IsPublicAddress;
        _strict = CreateClient(allowPrivate: false);
        _admin = CreateClient(allowPrivate: true);
    }

    private HttpClient CreateClient(bool allowPrivate)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            MaxResponseHeadersLength = 64,
            ConnectCallback = (ctx, ct) => ConnectAsync(ctx.DnsEndPoint, allowPrivate, ct),
        };
        var client = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.ParseAdd($"Faultline-Uptime/{SafeVersion()}");
        return client;
    }

    private static string SafeVersion()
    {
        var v = FaultlineMeter.Version;
        var plus = v.IndexOf('+');
        return plus > 0 ? v[..plus] : v;
    }

    private async ValueTask<Stream> ConnectAsync(DnsEndPoint ep, bool allowPrivate, CancellationToken ct)
    {
        IPAddress[] addresses = IPAddress.TryParse(ep.Host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(ep.Host, ct);
        if (addresses.Length == 0) throw new BlockedTargetException($"{ep.Host} does not resolve");
        if (!allowPrivate)
            foreach (var a in addresses)
                if (!_isPublic(a))
                    throw new BlockedTargetException($"{ep.Host} resolves to a private, loopback or link-local address; only admin-configured URLs may target those");
        Exception? last = null;
        foreach (var a in addresses)
        {
            var socket = new Socket(a.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(a, ep.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (Exception ex) when (ex is SocketException)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }

    /// <summary>GETs <paramref name="url"/>; never throws except on <paramref name="ct"/> cancellation.</summary>
    public async Task<ProbeResult> CheckAsync(string url, bool allowPrivate, CancellationToken ct = default)
    {
        var start = _clock.GetTimestamp();
        int Elapsed() => (int)Math.Min(int.MaxValue, _clock.GetElapsedTime(start).TotalMilliseconds);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !IsHttp(uri))
            return new ProbeResult("blocked", null, 0, "only absolute http and https URLs are checked", url);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(Timeout);
        var client = allowPrivate ? _admin : _strict;
        try
        {
            for (var hop = 0; ; hop++)
            {
                using var req = new HttpRequestMessage(HttpMethod.Get, uri);
                using var resp = await client.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, cts.Token);
                var status = (int)resp.StatusCode;
                if (status is 301 or 302 or 303 or 307 or 308 && resp.Headers.Location is { } location)
                {
                    if (hop >= MaxRedirects)
                        return new ProbeResult("down", status, Elapsed(), $"too many redirects (more than {MaxRedirects})", uri.ToString());
                    var next = location.IsAbsoluteUri ? location : new Uri(uri, location);
                    if (!IsHttp(next))
                        return new ProbeResult("blocked", status, Elapsed(), "redirect to a non-http(s) URL", next.ToString());
                    uri = next;
                    continue;
                }
                var ok = status is >= 200 and < 400;
                return new ProbeResult(ok ? "up" : "down", status, Elapsed(), ok ? null : $"HTTP {status}", uri.ToString());
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new ProbeResult("down", null, Elapsed(), $"timed out after {Timeout.TotalSeconds:0.#} s", uri.ToString());
        }
        catch (HttpRequestException ex) when (Find<BlockedTargetException>(ex) is { } blocked)
        {
            return new ProbeResult("blocked", null, Elapsed(), blocked.Message, uri.ToString());
        }
        catch (HttpRequestException ex)
        {
            var reason = Find<SocketException>(ex) is { } se ? se.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.HostNotFound or SocketError.NoData => "host not found",
                SocketError.TimedOut => "connect timed out",
                SocketError.NetworkUnreachable or SocketError.HostUnreachable => "unreachable",
                var other => other.ToString(),
            } : ex.HttpRequestError.ToString();
            return new ProbeResult("down", null, Elapsed(), reason, uri.ToString());
        }
    }

    private static bool IsHttp(Uri u) => u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps;

    private static T? Find<T>(Exception ex) where T : Exception
    {
        for (Exception? e = ex; e != null; e = e.InnerException)
            if (e is T t) return t;
        return null;
    }

    /// <summary>
    /// False for loopback, private (RFC 1918, IPv6 ULA), link-local, CGNAT, unspecified, multicast,
    /// broadcast and reserved ranges (IPv4-mapped IPv6 is judged as IPv4).
    /// </summary>
    public static bool IsPublicAddress(IPAddress address)
    {
        var a = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (IPAddress.IsLoopback(a)) return false;
        if (a.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = a.GetAddressBytes();
            return !(b[0] == 0 || b[0] == 10 || b[0] == 127
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)       // 100.64/10 carrier-grade NAT
                || (b[0] == 169 && b[1] == 254)                      // link-local (cloud metadata)
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)           // 192.0.0/24 protocol assignments
                || (b[0] == 198 && (b[1] == 18 || b[1] == 19))       // benchmarking
                || b[0] >= 224);                                     // multicast, reserved, broadcast
        }
        if (a.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (a.Equals(IPAddress.IPv6None) || a.Equals(IPAddress.IPv6Any)) return false;
            if (a.IsIPv6LinkLocal || a.IsIPv6SiteLocal || a.IsIPv6Multicast || a.IsIPv6UniqueLocal) return false;
            var b = a.GetAddressBytes();
            if (b[0] == 0 && b[1] == 0) return false;               // ::/16 incl. IPv4-compatible
            if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) return false; // NAT64 64:ff9b::/96
            return true;
        }
        return false;
    }

    public void Dispose()
    {
        _strict.Dispose();
        _admin.Dispose();
    }
}

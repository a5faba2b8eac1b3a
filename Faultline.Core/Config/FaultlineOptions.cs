using System.Collections;
using System.Net;

namespace Faultline.Core.Config;

/// <summary>
/// Settings read from FAULTLINE_* environment variables. Defaults make a bare `faultline`
/// run on SQLite at ./data/faultline.db; anything unparsable fails start-up with one line
/// naming the variable (<see cref="ConfigException"/>).
/// </summary>
public sealed record FaultlineOptions
{
    /// <summary>Listen URL for Kestrel, derived from FAULTLINE_ADDR (":8080", "127.0.0.1:9000", "http://host:port").</summary>
    public string ListenUrl { get; init; } = "http://0.0.0.0:8080";
    /// <summary>"sqlite" or "mysql".</summary>
    public string StorageKind { get; init; } = "sqlite";
    public string SqlitePath { get; init; } = Path.Combine("data", "faultline.db");
    /// <summary>The raw MySQL-wire DSN (Go form or ADO.NET) when StorageKind is mysql.</summary>
    public string? MySqlDsn { get; init; }
    public IReadOnlyList<ProjectSeed> Projects { get; init; } = [];
    public double RateLimitPerSecond { get; init; } = 100;
    public bool ScrubPii { get; init; } = true;
    /// <summary>Base URL used in generated DSNs and links; defaults to the listen address.</summary>
    public string ApiUrl { get; init; } = "http://localhost:8080";
    /// <summary>Folder for the SQLite default, pid and log files.</summary>
    public string DataDir { get; init; } = "data";
    /// <summary>Heartbeats, uptime checks, health thresholds, self-monitoring (FAULTLINE_UPTIME_*, FAULTLINE_QUEUE_*, ...).</summary>
    public Faultline.Core.Ops.OpsOptions Ops { get; init; } = new();
    /// <summary>History commits, retention and database diagnostics.</summary>
    public StorageOptions Storage { get; init; } = new();
    /// <summary>The Gas Town loop (FAULTLINE_BD_BIN, FAULTLINE_TOWN_ROOT, …); see <see cref="Faultline.Core.Loop.LoopOptions"/>.</summary>
    public Faultline.Core.Loop.LoopOptions Loop { get; init; } = new();
    /// <summary>OpenID Connect sign-in; null when FAULTLINE_OIDC_* is not configured.</summary>
    public OidcOptions? Oidc { get; init; }
    /// <summary>FAULTLINE_LOGIN_RATE_LIMIT: sign-in attempts (login, setup, OIDC start) per client IP per minute.</summary>
    public int LoginAttemptsPerMinute { get; init; } = 10;
    /// <summary>
    /// FAULTLINE_TRUSTED_PROXIES: reverse proxies (IPs or CIDRs) whose X-Forwarded-For and
    /// X-Forwarded-Proto are believed. Empty by default: nothing is trusted, not even loopback,
    /// so a client can never spoof its address or scheme unless the operator names the proxy
    /// (a proxy on the same host: <c>127.0.0.1,::1</c>).
    /// </summary>
    public IReadOnlyList<IPNetwork> TrustedProxies { get; init; } = [];

    public static FaultlineOptions FromEnvironment() => FromDictionary(Environment.GetEnvironmentVariables());

    public static FaultlineOptions FromDictionary(IDictionary env)
    {
        string? Get(string name) => env[name] is string s && s.Trim().Length > 0 ? s.Trim() : null;

        var (listenUrl, port) = ParseAddr(Get("FAULTLINE_ADDR") ?? ":8080");
        var dataDir = Get("FAULTLINE_DATA_DIR") ?? "data";
        var o = new FaultlineOptions
        {
            ListenUrl = listenUrl,
            DataDir = dataDir,
            SqlitePath = Path.Combine(dataDir, "faultline.db"),
            Projects = ProjectSeed.ParseList(Get("FAULTLINE_PROJECTS")),
            RateLimitPerSecond = ParseDouble(Get("FAULTLINE_RATE_LIMIT"), "FAULTLINE_RATE_LIMIT", 100, min: 0.001),
            ScrubPii = ParseBool(Get("FAULTLINE_SCRUB_PII"), "FAULTLINE_SCRUB_PII", true),
            ApiUrl = ParseApiUrl(Get("FAULTLINE_API_URL"), port),
            Ops = Faultline.Core.Ops.OpsOptions.FromDictionary(env),
            Storage = StorageOptions.Parse(Get),
            Loop = Faultline.Core.Loop.LoopOptions.FromVariables(name => env[name] as string),
            Oidc = OidcOptions.Parse(Get),
            LoginAttemptsPerMinute = ParseInt(Get("FAULTLINE_LOGIN_RATE_LIMIT"), "FAULTLINE_LOGIN_RATE_LIMIT", 10, min: 1),
            TrustedProxies = ParseTrustedProxies(Get("FAULTLINE_TRUSTED_PROXIES")),
        };
        var dsn = Get("FAULTLINE_DSN");
        if (dsn is null) return o;
        if (dsn.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            var path = dsn["sqlite:".Length..];
            if (path.Length == 0) throw new ConfigException("FAULTLINE_DSN", "sqlite: needs a file path, e.g. sqlite:/var/lib/faultline/faultline.db");
            return o with { SqlitePath = path };
        }
        return o with { StorageKind = "mysql", MySqlDsn = dsn };
    }

    internal static (string Url, int Port) ParseAddr(string addr)
    {
        var a = addr.Trim();
        if (a.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || a.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(a, UriKind.Absolute, out var u))
                throw new ConfigException("FAULTLINE_ADDR", $"'{addr}' is not a valid URL");
            return (a.TrimEnd('/'), u.Port);
        }
        var colon = a.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(a[(colon + 1)..], out var port) || port is < 0 or > 65535)
            throw new ConfigException("FAULTLINE_ADDR", $"'{addr}' must look like :8080 or 127.0.0.1:8080");
        var host = a[..colon];
        if (host.Length == 0 || host == "0.0.0.0" || host == "*") host = "0.0.0.0";
        else if (host.StartsWith('[') && host.EndsWith(']')) { /* IPv6 literal kept as is */ }
        return ($"http://{host}:{port}", port);
    }

    /// <summary>Comma-separated IPs ("10.0.0.5", "::1") and CIDRs ("10.0.0.0/8", "fd00::/8").</summary>
    public static IReadOnlyList<IPNetwork> ParseTrustedProxies(string? value)
    {
        const string Name = "FAULTLINE_TRUSTED_PROXIES";
        if (value is null) return [];
        var result = new List<IPNetwork>();
        foreach (var raw in value.Split(','))
        {
            var item = raw.Trim();
            if (item.Length == 0) continue;
            if (item.Contains('/'))
            {
                if (!IPNetwork.TryParse(item, out var network))
                    throw new ConfigException(Name, $"'{item}' is not a CIDR range (e.g. 10.0.0.0/8 or fd00::/8)");
                result.Add(network);
            }
            else if (IPAddress.TryParse(item, out var ip) && !item.Contains('%'))
                result.Add(new IPNetwork(ip, ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32));
            else
                throw new ConfigException(Name, $"'{item}' is not an IP address or CIDR range (e.g. 127.0.0.1,10.0.0.0/8)");
        }
        if (result.Count == 0) throw new ConfigException(Name, "lists no address; unset it to trust no proxy");
        return result;
    }

    private static string ParseApiUrl(string? value, int port)
    {
        if (value is null) return $"http://localhost:{port}";
        if (!Uri.TryCreate(value, UriKind.Absolute, out var u) || (u.Scheme != "http" && u.Scheme != "https"))
            throw new ConfigException("FAULTLINE_API_URL", $"'{value}' must be an absolute http(s) URL");
        return value.TrimEnd('/');
    }

    public static bool ParseBool(string? value, string name, bool fallback) => value?.ToLowerInvariant() switch
    {
        null => fallback,
        "1" or "true" or "yes" or "on" => true,
        "0" or "false" or "no" or "off" => false,
        _ => throw new ConfigException(name, $"'{value}' is not a boolean (true/false)"),
    };

    public static double ParseDouble(string? value, string name, double fallback, double min = 0)
    {
        if (value is null) return fallback;
        if (!double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) || d < min)
            throw new ConfigException(name, $"'{value}' must be a number ≥ {min}");
        return d;
    }

    public static int ParseInt(string? value, string name, int fallback, int min = 0)
    {
        if (value is null) return fallback;
        if (!int.TryParse(value, out var i) || i < min)
            throw new ConfigException(name, $"'{value}' must be an integer ≥ {min}");
        return i;
    }

    /// <summary>The DSN an SDK should use for a project.</summary>
    public string DsnFor(long projectId, string publicKey)
    {
        var u = new Uri(ApiUrl);
        var path = u.AbsolutePath.TrimEnd('/');
        return $"{u.Scheme}://{publicKey}@{u.Authority}{path}/{projectId}";
    }
}

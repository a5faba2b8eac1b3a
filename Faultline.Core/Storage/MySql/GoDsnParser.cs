using System.Globalization;
using System.Text.RegularExpressions;
using Faultline.Core.Config;
using MySql.Data.MySqlClient;

namespace Faultline.Core.Storage.MySql;

/// <summary>
/// Turns FAULTLINE_DSN into a MySql.Data connection string. Two inputs are accepted:
/// the Go-driver form the original product used, <c>user[:pass]@tcp(host[:port])/db[?params]</c>
/// (also <c>unix(/path.sock)</c> and the Go shorthands <c>user@/db</c>, <c>tcp(host)/db</c>), and an
/// ADO.NET string starting with a MySQL keyword such as <c>Server=</c>.
/// Every result carries the product's pool and charset settings; an ADO.NET string keeps whatever it sets
/// explicitly and only gets the defaults it leaves out.
/// </summary>
public static class GoDsnParser
{
    public const string Variable = "FAULTLINE_DSN";
    public const string DefaultDsn = "root@tcp(127.0.0.1:3307)/faultline";
    public const int DefaultPort = 3306;

    // Pool shape of the original product (Go: SetMaxOpenConns(25), idle connections kept, 5-minute lifetime).
    public const uint MaxPoolSize = 25;
    public const uint ConnectionLifetimeSeconds = 300;

    // user: lazy up to the FIRST ':'; password: greedy up to the LAST '@' that is still followed by a valid
    // address part, so '@', ':', '/', '?' inside a password survive. The database name cannot hold '/' or '?'.
    private static readonly Regex GoForm = new(
        @"^(?:(?<user>[^:]*?)(?::(?<pass>.*))?@)?(?<net>[A-Za-z][A-Za-z0-9]*)?(?:\((?<addr>[^()]*)\))?/(?<db>[^/?]*)(?:\?(?<params>.*))?$",
        RegexOptions.Singleline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    // An ADO.NET string starts with "keyword=" where the keyword is one MySql.Data knows.
    private static readonly Regex AdoKey = new(@"^\s*(?<key>[A-Za-z][A-Za-z ]*?)\s*=",
        RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    private static readonly Regex UrlScheme = new(@"^[A-Za-z][A-Za-z0-9+.-]*://",
        RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    private static readonly Regex GoDuration = new(@"^(?:(?<n>\d+(?:\.\d+)?)(?<u>ns|us|µs|ms|s|m|h))+$",
        RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    private static readonly HashSet<string> AdoKeywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "server", "host", "data source", "datasource", "address", "addr", "network address",
        "port", "database", "initial catalog", "user id", "uid", "username", "user name", "user",
        "password", "pwd", "protocol", "connection protocol", "sslmode", "ssl mode",
    };

    /// <summary>True when <paramref name="dsn"/> looks like an ADO.NET MySQL connection string.</summary>
    public static bool IsAdoNet(string dsn)
    {
        var m = AdoKey.Match(dsn ?? "");
        return m.Success && AdoKeywords.Contains(m.Groups["key"].Value.Trim());
    }

    /// <summary>True when <paramref name="dsn"/> has the Go-driver shape (it may still have bad values).</summary>
    public static bool IsGoDsn(string dsn) => !string.IsNullOrWhiteSpace(dsn) && !IsAdoNet(dsn) && GoForm.IsMatch(dsn.Trim());

    /// <summary>Parses a Go DSN or ADO.NET string into the connection string to hand to MySqlConnection.</summary>
    /// <exception cref="ConfigException">malformed input; the message never contains the password.</exception>
    public static string ToConnectionString(string dsn) => Parse(dsn).ConnectionString;

    /// <inheritdoc cref="ToConnectionString"/>
    public static MySqlConnectionStringBuilder Parse(string dsn)
    {
        if (string.IsNullOrWhiteSpace(dsn))
            throw new ConfigException(Variable, "is empty; expected user[:pass]@tcp(host[:port])/db[?params] or Server=...");
        dsn = dsn.Trim();
        return IsAdoNet(dsn) ? ParseAdoNet(dsn) : ParseGo(dsn);
    }

    /// <summary>The DSN with its password replaced by "***", safe to log or show in errors.</summary>
    public static string Redact(string dsn)
    {
        if (string.IsNullOrWhiteSpace(dsn)) return "";
        dsn = dsn.Trim();
        if (IsAdoNet(dsn))
        {
            try
            {
                var b = new MySqlConnectionStringBuilder(dsn);
                if (!string.IsNullOrEmpty(b.Password)) b.Password = "***";
                return b.ConnectionString;
            }
            catch (ArgumentException) { return "(unparseable ADO.NET connection string)"; }
        }
        var m = GoForm.Match(dsn);
        if (!m.Success) return "(unparseable DSN)";
        var pass = m.Groups["pass"];
        return pass.Success ? dsn[..pass.Index] + "***" + dsn[(pass.Index + pass.Length)..] : dsn;
    }

    /// <summary>One line naming backend address, database and user — never the password.</summary>
    public static string Describe(MySqlConnectionStringBuilder b)
    {
        var where = b.ConnectionProtocol is MySqlConnectionProtocol.UnixSocket or MySqlConnectionProtocol.Unix
            ? $"unix({b.Server})"
            : $"tcp({b.Server}:{b.Port})";
        return $"{b.UserID}@{where}/{b.Database} ssl={b.SslMode}";
    }

    private static MySqlConnectionStringBuilder ParseGo(string dsn)
    {
        if (UrlScheme.IsMatch(dsn))
            throw Bad("URL form (scheme://...) is not supported; use user[:pass]@tcp(host[:port])/db[?params]");
        var m = GoForm.Match(dsn);
        if (!m.Success)
            throw Bad($"'{Redact(dsn)}' is not a MySQL DSN; expected user[:pass]@tcp(host[:port])/db[?params] or an ADO.NET string starting with Server=");

        var b = new MySqlConnectionStringBuilder
        {
            UserID = m.Groups["user"].Success ? m.Groups["user"].Value : "",
        };
        if (m.Groups["pass"].Success) b.Password = m.Groups["pass"].Value;

        var net = m.Groups["net"].Success ? m.Groups["net"].Value : "tcp";
        var addr = m.Groups["addr"].Success ? m.Groups["addr"].Value.Trim() : "";
        switch (net)
        {
            case "tcp" or "tcp4" or "tcp6":
                var (host, port) = SplitHostPort(addr, dsn);
                b.Server = host;
                b.Port = port;
                b.ConnectionProtocol = MySqlConnectionProtocol.Tcp;
                break;
            case "unix":
                if (addr.Length == 0) throw Bad("unix() needs a socket path, e.g. unix(/run/mysqld/mysqld.sock)");
                b.Server = addr;
                b.ConnectionProtocol = MySqlConnectionProtocol.UnixSocket;
                break;
            default:
                throw Bad($"protocol '{net}' is not supported (use tcp or unix)");
        }

        var db = Unescape(m.Groups["db"].Value, "database name");
        if (db.Length == 0) throw Bad($"'{Redact(dsn)}' names no database after '/'");
        b.Database = db;

        ApplyDefaults(b, explicitOnly: null);
        if (m.Groups["params"].Success) ApplyParams(b, m.Groups["params"].Value);
        return b;
    }

    private static (string Host, uint Port) SplitHostPort(string addr, string dsn)
    {
        // Go's default address when tcp() is empty or absent.
        if (addr.Length == 0) return ("127.0.0.1", DefaultPort);

        string host;
        string? portText = null;
        if (addr.StartsWith('['))
        {
            // IPv6 literal: [::1] or [::1]:3306
            var close = addr.IndexOf(']');
            if (close < 0) throw Bad($"unclosed '[' in address of '{Redact(dsn)}'");
            host = addr[1..close];
            var rest = addr[(close + 1)..];
            if (rest.Length > 0)
            {
                if (!rest.StartsWith(':')) throw Bad($"unexpected text after ']' in address of '{Redact(dsn)}'");
                portText = rest[1..];
            }
        }
        else
        {
            var colon = addr.LastIndexOf(':');
            if (colon >= 0 && addr.IndexOf(':') != colon)
                host = addr; // bare IPv6 without brackets and without port
            else if (colon >= 0) { host = addr[..colon]; portText = addr[(colon + 1)..]; }
            else host = addr;
        }
        if (host.Length == 0) host = "127.0.0.1";
        if (portText is null) return (host, DefaultPort);
        if (!uint.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is 0 or > 65535)
            throw Bad($"port '{portText}' is not a number between 1 and 65535");
        return (host, port);
    }

    private static void ApplyParams(MySqlConnectionStringBuilder b, string query)
    {
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var key = eq < 0 ? pair : pair[..eq];
            var value = eq < 0 ? "" : Unescape(pair[(eq + 1)..], $"value of parameter '{key}'");
            switch (key)
            {
                case "tls":
                    b.SslMode = value.ToLowerInvariant() switch
                    {
                        "false" or "0" or "" => MySqlSslMode.None,
                        "preferred" => MySqlSslMode.Preferred,
                        // skip-verify: encrypt, but accept any certificate (Go semantics).
                        "skip-verify" => MySqlSslMode.Required,
                        "true" or "1" => MySqlSslMode.VerifyFull,
                        _ => throw Bad($"tls={value} is not supported (use false, preferred, skip-verify or true)"),
                    };
                    break;
                case "timeout":
                    b.ConnectionTimeout = Seconds(ParseGoDuration(key, value));
                    break;
                case "readTimeout":
                    // Closest MySql.Data equivalent of "how long to wait for the server's answer".
                    b.DefaultCommandTimeout = Seconds(ParseGoDuration(key, value));
                    break;
                case "parseTime" or "loc" or "charset" or "collation":
                    // parseTime/loc: MySql.Data always returns DateTime and Faultline stores UTC, so nothing to map.
                    // charset/collation: Faultline always talks utf8mb4 (events carry emoji and any script).
                    break;
                default:
                    // Unknown or Go-only parameters (interpolateParams, maxAllowedPacket, ...) are ignored like
                    // the original product ignored what it did not use.
                    break;
            }
        }
    }

    private static TimeSpan ParseGoDuration(string key, string value)
    {
        var m = GoDuration.Match(value);
        if (!m.Success) throw Bad($"{key}={value} is not a Go duration like 5s, 500ms or 1m30s");
        double ms = 0;
        var numbers = m.Groups["n"].Captures;
        var units = m.Groups["u"].Captures;
        for (var i = 0; i < numbers.Count; i++)
        {
            var n = double.Parse(numbers[i].Value, CultureInfo.InvariantCulture);
            ms += units[i].Value switch
            {
                "h" => n * 3_600_000,
                "m" => n * 60_000,
                "s" => n * 1_000,
                "ms" => n,
                "us" or "µs" => n / 1_000,
                _ => n / 1_000_000,
            };
        }
        return TimeSpan.FromMilliseconds(ms);
    }

    // MySql.Data counts whole seconds; round up so "500ms" does not become 0 (= wait forever).
    private static uint Seconds(TimeSpan t) => (uint)Math.Clamp(Math.Ceiling(t.TotalSeconds), 1, int.MaxValue);

    private static MySqlConnectionStringBuilder ParseAdoNet(string dsn)
    {
        MySqlConnectionStringBuilder b;
        try { b = new MySqlConnectionStringBuilder(dsn); }
        catch (ArgumentException)
        {
            // The driver's message can quote fragments of the string (and so of the password): not repeated here.
            throw Bad("the ADO.NET connection string has an unknown keyword, a bad value or broken quoting");
        }
        if (string.IsNullOrEmpty(b.Server)) throw Bad("the ADO.NET connection string has no Server=");
        ApplyDefaults(b, explicitOnly: b);
        return b;
    }

    /// <summary>
    /// The product's settings. With <paramref name="explicitOnly"/> set (ADO.NET input) a value is only
    /// applied when the user's string did not set that keyword itself.
    /// </summary>
    private static void ApplyDefaults(MySqlConnectionStringBuilder b, MySqlConnectionStringBuilder? explicitOnly)
    {
        void Set(Action<MySqlConnectionStringBuilder> apply)
        {
            if (explicitOnly is not null)
            {
                // Which canonical keyword does this setter write? Ask an empty builder.
                var probe = new MySqlConnectionStringBuilder();
                apply(probe);
                var key = probe.ConnectionString.Split('=', 2)[0];
                if (explicitOnly.ShouldSerialize(key)) return;
            }
            apply(b);
        }

        Set(x => x.Pooling = true);
        Set(x => x.MaximumPoolSize = MaxPoolSize);
        Set(x => x.MinimumPoolSize = 0);
        Set(x => x.ConnectionLifeTime = ConnectionLifetimeSeconds);
        Set(x => x.CharacterSet = "utf8mb4");
        Set(x => x.SslMode = MySqlSslMode.None);
        Set(x => x.AllowPublicKeyRetrieval = true);
        Set(x => x.AllowUserVariables = true);
    }

    private static string Unescape(string s, string what)
    {
        if (!s.Contains('%')) return s;
        try { return Uri.UnescapeDataString(s); }
        catch (UriFormatException) { throw Bad($"bad %-escape in {what}"); }
    }

    private static ConfigException Bad(string reason) => new(Variable, reason);
}

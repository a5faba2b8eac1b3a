using Faultline.Core.Config;
using Faultline.Core.Storage.MySql;
using MySql.Data.MySqlClient;

namespace Faultline.Tests.Storage;

public class GoDsnParserTests
{
    [Fact]
    public void OriginalDefault()
    {
        var b = GoDsnParser.Parse(GoDsnParser.DefaultDsn);
        Assert.Equal("root", b.UserID);
        Assert.Equal("", b.Password);
        Assert.Equal("127.0.0.1", b.Server);
        Assert.Equal(3307u, b.Port);
        Assert.Equal("faultline", b.Database);
        Assert.Equal(MySqlConnectionProtocol.Tcp, b.ConnectionProtocol);
    }

    [Fact]
    public void ProductSettingsAlwaysApplied()
    {
        var b = GoDsnParser.Parse("u:p@tcp(db:3306)/x");
        Assert.True(b.Pooling);
        Assert.Equal(25u, b.MaximumPoolSize);
        Assert.Equal(0u, b.MinimumPoolSize);
        Assert.Equal(300u, b.ConnectionLifeTime);
        Assert.Equal("utf8mb4", b.CharacterSet);
        Assert.Equal(MySqlSslMode.None, b.SslMode);
        Assert.True(b.AllowPublicKeyRetrieval);
        Assert.True(b.AllowUserVariables);
    }

    [Theory]
    [InlineData("u:p@ss@tcp(h:1)/d", "u", "p@ss")]
    [InlineData("u:p:a:s:s@tcp(h:1)/d", "u", "p:a:s:s")]
    [InlineData("u:p/a/s/s@tcp(h:1)/d", "u", "p/a/s/s")]
    [InlineData("u:p?a=1&b@tcp(h:1)/d", "u", "p?a=1&b")]
    [InlineData("u:@:/?x)(@tcp(h:1)/d", "u", "@:/?x)(")]
    [InlineData("u:pa;ss=\"'w@tcp(h:1)/d", "u", "pa;ss=\"'w")]
    [InlineData("u:@tcp(h:1)/d", "u", "")]
    [InlineData("u@tcp(h:1)/d", "u", "")]
    [InlineData("user.name-1:secret@tcp(h:1)/d", "user.name-1", "secret")]
    public void PasswordWithSpecialCharacters(string dsn, string user, string password)
    {
        var b = GoDsnParser.Parse(dsn);
        Assert.Equal(user, b.UserID);
        Assert.Equal(password, b.Password);
        Assert.Equal("h", b.Server);
        Assert.Equal(1u, b.Port);
        Assert.Equal("d", b.Database);
        // And the quoting survives a round-trip through the connection string the driver gets.
        var again = new MySqlConnectionStringBuilder(b.ConnectionString);
        Assert.Equal(password, again.Password);
    }

    [Fact]
    public void PasswordWithSpecialCharactersAndParams()
    {
        var b = GoDsnParser.Parse("app:s3cr@t/?:x@tcp(10.0.0.5:3310)/errors?parseTime=true&tls=skip-verify");
        Assert.Equal("app", b.UserID);
        Assert.Equal("s3cr@t/?:x", b.Password);
        Assert.Equal("10.0.0.5", b.Server);
        Assert.Equal(3310u, b.Port);
        Assert.Equal("errors", b.Database);
        Assert.Equal(MySqlSslMode.Required, b.SslMode);
    }

    [Theory]
    [InlineData("u@tcp(dbhost)/d", "dbhost", 3306u)]
    [InlineData("u@tcp()/d", "127.0.0.1", 3306u)]
    [InlineData("u@/d", "127.0.0.1", 3306u)]
    [InlineData("/d", "127.0.0.1", 3306u)]
    [InlineData("tcp(h:4000)/d", "h", 4000u)]
    [InlineData("u@tcp(:3307)/d", "127.0.0.1", 3307u)]
    [InlineData("u@tcp([::1]:3307)/d", "::1", 3307u)]
    [InlineData("u@tcp([::1])/d", "::1", 3306u)]
    [InlineData("u@tcp6([fe80::1]:3300)/d", "fe80::1", 3300u)]
    [InlineData("u@tcp(db.example.com:65535)/d", "db.example.com", 65535u)]
    public void HostAndPort(string dsn, string host, uint port)
    {
        var b = GoDsnParser.Parse(dsn);
        Assert.Equal(host, b.Server);
        Assert.Equal(port, b.Port);
        Assert.Equal("d", b.Database);
    }

    [Fact]
    public void UnixSocket()
    {
        var b = GoDsnParser.Parse("root:pw@unix(/var/run/mysqld/mysqld.sock)/faultline?charset=utf8mb4");
        Assert.Equal("/var/run/mysqld/mysqld.sock", b.Server);
        Assert.True(b.ConnectionProtocol is MySqlConnectionProtocol.UnixSocket or MySqlConnectionProtocol.Unix);
        Assert.Equal("root", b.UserID);
        Assert.Equal("pw", b.Password);
        Assert.Equal("faultline", b.Database);
    }

    [Theory]
    [InlineData("false", MySqlSslMode.None)]
    [InlineData("skip-verify", MySqlSslMode.Required)]
    [InlineData("true", MySqlSslMode.VerifyFull)]
    [InlineData("preferred", MySqlSslMode.Preferred)]
    public void Tls(string value, MySqlSslMode mode) =>
        Assert.Equal(mode, GoDsnParser.Parse($"u@tcp(h)/d?tls={value}").SslMode);

    [Theory]
    [InlineData("5s", 5u)]
    [InlineData("500ms", 1u)]
    [InlineData("1m30s", 90u)]
    [InlineData("2.5s", 3u)]
    [InlineData("1h", 3600u)]
    public void TimeoutIsConnectTimeout(string value, uint seconds) =>
        Assert.Equal(seconds, GoDsnParser.Parse($"u@tcp(h)/d?timeout={value}").ConnectionTimeout);

    [Fact]
    public void ReadTimeoutIsCommandTimeout() =>
        Assert.Equal(30u, GoDsnParser.Parse("u@tcp(h)/d?readTimeout=30s").DefaultCommandTimeout);

    [Fact]
    public void MeaninglessAndUnknownParamsAreIgnored()
    {
        var b = GoDsnParser.Parse("u@tcp(h)/d?parseTime=true&loc=Local&charset=latin1&collation=x&interpolateParams=true&whatever=1&flag");
        Assert.Equal("utf8mb4", b.CharacterSet); // Faultline always speaks utf8mb4
        Assert.Equal("d", b.Database);
    }

    [Fact]
    public void ParamsMayContainSlashesAndEscapes()
    {
        var b = GoDsnParser.Parse("u:p@tcp(h)/d?loc=America%2FNew_York&x=a/b&timeout=2s");
        Assert.Equal("d", b.Database);
        Assert.Equal(2u, b.ConnectionTimeout);
    }

    [Fact]
    public void DatabaseNameIsUnescaped() =>
        Assert.Equal("my-db", GoDsnParser.Parse("u@tcp(h)/my%2Ddb").Database);

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("root")]
    [InlineData("root@tcp(127.0.0.1:3307)")]
    [InlineData("root@tcp(127.0.0.1:3307)/")]
    [InlineData("root@tcp(127.0.0.1:notaport)/d")]
    [InlineData("root@tcp(127.0.0.1:0)/d")]
    [InlineData("root@tcp(127.0.0.1:70000)/d")]
    [InlineData("root@tcp([::1/d")]
    [InlineData("root@udp(127.0.0.1)/d")]
    [InlineData("root@unix()/d")]
    [InlineData("root@tcp(h)/d?tls=custom")]
    [InlineData("root@tcp(h)/d?timeout=soon")]
    [InlineData("mysql://root:pw@h:3306/d")]
    public void MalformedThrowsConfigException(string dsn)
    {
        var ex = Assert.Throws<ConfigException>(() => GoDsnParser.Parse(dsn));
        Assert.Equal("FAULTLINE_DSN", ex.Variable);
        Assert.StartsWith("FAULTLINE_DSN: ", ex.Message);
    }

    [Theory]
    [InlineData("app:Sup3rS3cret!@tcp(h:notaport)/d")]
    [InlineData("app:Sup3rS3cret!@tcp(h:1)/")]
    [InlineData("app:Sup3rS3cret!@bogus(h:1)/d")]
    [InlineData("Server=h;Password=Sup3rS3cret!;Sup3rS3cret!")]
    [InlineData("Server=h;Password=Sup3rS3cret!;Sup3rS3cret!=1")]
    [InlineData("Password=Sup3rS3cret!")]
    public void ErrorsNeverContainThePassword(string dsn)
    {
        var ex = Assert.Throws<ConfigException>(() => GoDsnParser.Parse(dsn));
        Assert.DoesNotContain("Sup3rS3cret", ex.Message);
        Assert.DoesNotContain("Sup3rS3cret", ex.ToString());
    }

    [Fact]
    public void AdoNetStringIsKeptAndOnlyGetsMissingDefaults()
    {
        var b = GoDsnParser.Parse("Server=db;Port=3310;Database=fl;User ID=app;Password=p;Maximum Pool Size=7;SslMode=Required");
        Assert.Equal("db", b.Server);
        Assert.Equal(3310u, b.Port);
        Assert.Equal("fl", b.Database);
        Assert.Equal("app", b.UserID);
        Assert.Equal("p", b.Password);
        Assert.Equal(7u, b.MaximumPoolSize);              // explicit wins
        Assert.Equal(MySqlSslMode.Required, b.SslMode);   // explicit wins
        Assert.Equal(300u, b.ConnectionLifeTime);        // defaults fill the gaps
        Assert.Equal("utf8mb4", b.CharacterSet);
        Assert.True(b.AllowUserVariables);
        Assert.True(b.AllowPublicKeyRetrieval);
    }

    [Theory]
    [InlineData("Server=h;Database=d", true)]
    [InlineData("server = h; database=d", true)]
    [InlineData("Host=h;Database=d", true)]
    [InlineData("Data Source=h;Database=d", true)]
    [InlineData("root@tcp(h)/d", false)]
    [InlineData("root:pa=ss@tcp(h)/d", false)]
    [InlineData("server:pw=1@tcp(h)/d", false)]
    [InlineData("sqlite:/data/faultline.db", false)]
    public void DetectsAdoNet(string dsn, bool ado) => Assert.Equal(ado, GoDsnParser.IsAdoNet(dsn));

    [Theory]
    [InlineData("root@tcp(h)/d", true)]
    [InlineData("Server=h", false)]
    [InlineData("sqlite:/data/faultline.db", false)]
    [InlineData("", false)]
    public void DetectsGoDsn(string dsn, bool go) => Assert.Equal(go, GoDsnParser.IsGoDsn(dsn));

    [Fact]
    public void UserNamedLikeAnAdoKeywordIsStillGo()
    {
        var b = GoDsnParser.Parse("server:pw=1@tcp(h)/d");
        Assert.Equal("server", b.UserID);
        Assert.Equal("pw=1", b.Password);
    }

    [Theory]
    [InlineData("app:s3cr@t@tcp(h:1)/d?x=1", "app:***@tcp(h:1)/d?x=1")]
    [InlineData("app@tcp(h:1)/d", "app@tcp(h:1)/d")]
    public void RedactGo(string dsn, string expected) => Assert.Equal(expected, GoDsnParser.Redact(dsn));

    [Fact]
    public void RedactAdoNet()
    {
        var r = GoDsnParser.Redact("Server=h;Password=s3cr@t");
        Assert.DoesNotContain("s3cr@t", r);
        Assert.Contains("***", r);
    }

    [Fact]
    public void DescribeHasNoPassword()
    {
        var d = GoDsnParser.Describe(GoDsnParser.Parse("app:s3cr@t@tcp(h:1)/d"));
        Assert.Equal("app@tcp(h:1)/d ssl=None", d);
    }
}

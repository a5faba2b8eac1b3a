using Faultline.Core.Grouping;

namespace Faultline.Tests.Grouping;

public class MessageParameterizerTests
{
    [Theory]
    [InlineData("Failed for user 42", "Failed for user <int>")]
    [InlineData("id 8f14e45f-ceea-467a-9575-0e2d1f8a3b2c gone", "id <uuid> gone")]
    [InlineData("hash deadbeef01 mismatch", "hash <hex> mismatch")]
    [InlineData("at 0x7ffe12 crashed", "at <hex> crashed")]
    [InlineData("connect 192.168.1.20:5432 refused", "connect <ip>:<int> refused")]
    [InlineData("mail to bob@example.com bounced", "mail to <email> bounced")]
    [InlineData("GET https://api.example.com/v1/users/7?x=1 failed", "GET <url> failed")]
    [InlineData("since 2024-05-01T10:00:00.123Z", "since <date>")]
    [InlineData("first\nsecond 2", "first")]
    [InlineData("  ", "")]
    [InlineData(null, "")]
    public void Parameterizes(string? input, string expected) => Assert.Equal(expected, MessageParameterizer.Parameterize(input));

    [Fact]
    public void CapsLength() => Assert.Equal(MessageParameterizer.MaxLength, MessageParameterizer.Parameterize(new string('a', 5000)).Length);
}

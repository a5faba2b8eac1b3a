namespace Faultline.Tests.Loop;

/// <summary>A TimeProvider the test moves by hand (Microsoft.Extensions.TimeProvider.Testing is not on the mirror).</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    DateTimeOffset _now = start;
    public ManualClock() : this(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero)) { }
    public override DateTimeOffset GetUtcNow() => _now;
    public DateTime UtcNow => _now.UtcDateTime;
    public void Advance(TimeSpan by) => _now += by;
}

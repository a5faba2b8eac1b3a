namespace Faultline.Core.Config;

/// <summary>Bad configuration: the message is one line naming the variable, printed at start-up.</summary>
public sealed class ConfigException(string variable, string problem)
    : Exception($"{variable}: {problem}")
{
    public string Variable { get; } = variable;
    /// <summary>What is wrong, without the variable's name (for messages next to a form field).</summary>
    public string Problem { get; } = problem;
}

namespace Faultline.Web.Components.Ui;

/// <summary>A project's traffic light on the overview.</summary>
public enum HealthStatus
{
    Green,
    Yellow,
    Red,
}

using Faultline.Web.Components;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddFaultlineDashboard();
var app = builder.Build();
app.MapGet("/", () => "faultline");
app.MapFaultlineDashboard();
app.Run();

public partial class Program;

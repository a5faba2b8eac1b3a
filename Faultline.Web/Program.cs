var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/", () => "faultline");
app.Run();

public partial class Program;

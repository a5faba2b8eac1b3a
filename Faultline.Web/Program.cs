using Faultline.Web.Cli;

return await CliCommands.RunAsync(args);

public partial class Program;

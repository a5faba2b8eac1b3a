using Faultline.Core.Config;
using Faultline.Core.Storage;
using Faultline.Web.Auth;
using Faultline.Web.Hosting;

namespace Faultline.Web.Cli;

/// <summary>
/// `faultline [serve]`, `faultline migrate`, `faultline token create --project &lt;id|all&gt; --name &lt;n&gt; [--admin]`.
/// Every command reads the same FAULTLINE_* configuration as the server.
/// </summary>
public static class CliCommands
{
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            var options = FaultlineOptions.FromEnvironment();
            var command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "serve";
            return command switch
            {
                "serve" => await DaemonCommands.ServeAsync(options, args.Skip(1).ToArray()),
                "start" => await DaemonCommands.StartAsync(options),
                "status" => await DaemonCommands.StatusAsync(options),
                "stop" => await DaemonCommands.StopAsync(options),
                "healthcheck" => await DaemonCommands.HealthcheckAsync(options),
                "migrate" => await MigrateAsync(options),
                "token" when args.Length > 1 && args[1] == "create" => await CreateTokenAsync(options, args[2..]),
                "user" when args.Length > 1 && args[1] == "create" => await CreateUserAsync(options, args[2..], Console.In),
                "help" or "--help" or "-h" => Usage(0),
                _ => Usage(2),
            };
        }
        catch (ConfigException ex)
        {
            Console.Error.WriteLine($"faultline: configuration error: {ex.Message}");
            return 2;
        }
    }

    private static int Usage(int code)
    {
        (code == 0 ? Console.Out : Console.Error).WriteLine("""
            usage: faultline [serve]                      run the server in the foreground (default)
                   faultline start                      run the server in the background (pid and log in FAULTLINE_DATA_DIR)
                   faultline status                     pid, uptime and health; exit 0 running, 3 not running
                   faultline stop                       graceful stop (SIGTERM; in-flight batches finish)
                   faultline healthcheck                GET /_health on FAULTLINE_ADDR; exit 0 when healthy
                   faultline migrate                    apply database migrations and exit
                   faultline token create --project <id|all> --name <name> [--admin]
                   faultline user create --email <email> [--admin]   (password read from standard input)
            configuration: FAULTLINE_* environment variables (see README)
            """);
        return code;
    }

    private static async Task<WebApplication> OfflineAsync(FaultlineOptions options)
    {
        var app = FaultlineHost.Build(options, [], b => b.Logging.SetMinimumLevel(LogLevel.Warning));
        await FaultlineHost.InitializeAsync(app.Services);
        return app;
    }

    private static async Task<int> MigrateAsync(FaultlineOptions options)
    {
        await using var app = await OfflineAsync(options);
        Console.WriteLine("migrations applied");
        return 0;
    }

    /// <summary>
    /// Headless installs: creates a user (member, or admin with --admin) with the password read
    /// from standard input (first line; never from the command line, where `ps` would show it).
    /// Creating a user closes the first-run /setup wizard.
    /// </summary>
    internal static async Task<int> CreateUserAsync(FaultlineOptions options, string[] args, TextReader stdin)
    {
        string? email = null;
        var admin = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--email" when i + 1 < args.Length: email = args[++i]; break;
                case "--admin": admin = true; break;
                default: Console.Error.WriteLine($"faultline: unknown argument '{args[i]}'"); return 2;
            }
        }
        if (email is null || !AccountService.IsValidEmail(email))
        {
            Console.Error.WriteLine("faultline: user create needs --email <address>");
            return 2;
        }
        if (!Console.IsInputRedirected) Console.Error.Write("password: ");
        var password = (await stdin.ReadLineAsync())?.TrimEnd('\r', '\n');
        if (PasswordRules.Check(password, email) is { } problem)
        {
            Console.Error.WriteLine($"faultline: password refused: {problem}");
            return 2;
        }
        await using var app = await OfflineAsync(options);
        var accounts = app.Services.GetRequiredService<AccountService>();
        var user = await accounts.CreateLocalUserAsync(email.Trim(), password!, admin ? Core.Storage.UserRoles.Admin : Core.Storage.UserRoles.Member);
        if (user is null)
        {
            Console.Error.WriteLine($"faultline: a user with email {email.Trim()} already exists");
            return 1;
        }
        Console.WriteLine($"created {user.Role} user {user.Id} <{user.Email}>");
        return 0;
    }

    private static async Task<int> CreateTokenAsync(FaultlineOptions options, string[] args)
    {
        string? project = null, name = null;
        var admin = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--project" when i + 1 < args.Length: project = args[++i]; break;
                case "--name" when i + 1 < args.Length: name = args[++i]; break;
                case "--admin": admin = true; break;
                default: Console.Error.WriteLine($"faultline: unknown argument '{args[i]}'"); return 2;
            }
        }
        if (project is null || string.IsNullOrWhiteSpace(name))
        {
            Console.Error.WriteLine("faultline: token create needs --project <id|all> and --name <name>");
            return 2;
        }
        long? projectId = null;
        if (project != "all")
        {
            if (!long.TryParse(project, out var pid)) { Console.Error.WriteLine("faultline: --project must be a project id or 'all'"); return 2; }
            projectId = pid;
        }
        if (admin && projectId != null) { Console.Error.WriteLine("faultline: --admin tokens cover all projects; use --project all"); return 2; }
        await using var app = await OfflineAsync(options);
        var store = app.Services.GetRequiredService<FaultlineStore>();
        if (projectId is { } id && await store.GetProjectAsync(id) is null)
        {
            Console.Error.WriteLine($"faultline: project {id} does not exist");
            return 1;
        }
        var scope = admin ? TokenScope.Admin : projectId is null ? TokenScope.All : TokenScope.Project;
        var created = await store.CreateTokenAsync(name, projectId, scope);
        Console.WriteLine($"created token {created.Token.Id} '{name}' (scope {scope}{(projectId is { } p ? $", project {p}" : "")}); it is shown only once:");
        Console.WriteLine(created.Secret);
        return 0;
    }
}

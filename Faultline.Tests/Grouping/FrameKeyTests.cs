using Faultline.Core.Events;
using Faultline.Core.Grouping;

namespace Faultline.Tests.Grouping;

public class FrameKeyTests
{
    [Theory]
    [InlineData("https://cdn.example.com/static/js/main.3f9a1c2b.js?v=1#frag", "main.js")]
    [InlineData("webpack:///./src/components/Cart.jsx", "cart.jsx")]
    [InlineData("app:///index.bundle?platform=ios&dev=true", "index.bundle")]
    [InlineData("http://localhost:3000/Assets/Vendor-4c1e8a9f0b.js", "vendor.js")]
    [InlineData("/home/deploy/releases/20240101/app/models/user.rb", "models/user.rb")]
    [InlineData(@"C:\projects\Shop\src\Cart.cs", "src/Cart.cs")]
    [InlineData("app/controllers/articles_controller.rb", "app/controllers/articles_controller.rb")]
    [InlineData("./lib/util.py", "lib/util.py")]
    [InlineData(null, "")]
    public void NormalizesFiles(string? path, string expected) => Assert.Equal(expected, FrameKey.NormalizeFile(path));

    [Theory]
    [InlineData("DoWork(System.String, Int32)", "DoWork")]
    [InlineData("Shop.Cart.Add<T>(T item)", "Shop.Cart.Add")]
    [InlineData("<Checkout>d__12", "Checkout")]
    [InlineData("<>c__DisplayClass5_0.<Run>b__0", "Run")]
    [InlineData("MoveNext", "")]
    [InlineData("lambda$onCreate$2", "lambda$onCreate")]
    [InlineData("Object.handleClick", "handleClick")]
    [InlineData("Module._compile", "_compile")]
    [InlineData("async Object.fetchData", "fetchData")]
    [InlineData("crash_here + 0x1f", "crash_here")]
    [InlineData("<anonymous>", "<anonymous>")]
    [InlineData("<lambda>", "<lambda>")]
    [InlineData("render", "render")]
    public void NormalizesFunctions(string function, string expected) => Assert.Equal(expected, FrameKey.NormalizeFunction(function));

    [Theory]
    [InlineData("io.sentry.sample.-$$Lambda$MainActivity$tVGPRGxxb8SivUa5SKhzp6BuXOI", "io.sentry.sample.-$$Lambda")]
    [InlineData("Shop.Api, Version=1.2.3.4, Culture=neutral", "Shop.Api")]
    [InlineData("com.example.Outer$1", "com.example.Outer")]
    public void NormalizesModules(string module, string expected) => Assert.Equal(expected, FrameKey.NormalizeModule(module));

    [Fact]
    public void KeyPrefersModuleThenFileThenPackageAndNeverLine()
    {
        Assert.Equal("a.b:f", FrameKey.For(new FrameInfo { Module = "a.b", Filename = "x.py", Function = "f", Lineno = 3 }));
        Assert.Equal("x.py:f", FrameKey.For(new FrameInfo { Filename = "x.py", Function = "f", Lineno = 3 }));
        Assert.Equal("libapp.so:f", FrameKey.For(new FrameInfo { Package = "/data/app/lib/libapp.so", Function = "f" }));
        Assert.Equal("x.js:x = y()", FrameKey.For(new FrameInfo { Filename = "x.js", ContextLine = "  x = y()  ", Lineno = 7 }));
    }
}

// Light/dark choice. Loaded (synchronously, tiny) in <head> so a stored choice applies before
// first paint. Without a stored choice the OS preference (prefers-color-scheme) decides.
// The toggle uses event delegation, so it works across Blazor re-renders and without a circuit.
(function () {
  var KEY = 'faultline-theme';
  var root = document.documentElement;

  function stored() {
    try { return localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function apply(theme) {
    if (theme === 'light' || theme === 'dark') root.setAttribute('data-theme', theme);
    else root.removeAttribute('data-theme');
  }
  function effective() {
    return root.getAttribute('data-theme') ||
      (window.matchMedia && matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
  }

  apply(stored());
  window.faultlineTheme = { reapply: function () { apply(stored()); }, effective: effective };

  document.addEventListener('click', function (e) {
    var button = e.target.closest && e.target.closest('[data-theme-toggle]');
    if (!button) return;
    var next = effective() === 'dark' ? 'light' : 'dark';
    apply(next);
    try { localStorage.setItem(KEY, next); } catch (err) { /* private mode: still toggles for this page */ }
  });
})();

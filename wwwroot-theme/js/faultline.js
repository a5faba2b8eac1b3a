// Small browser helpers for the dashboard, loaded after blazor.web.js. No build step.
// Everything is event delegation on document, so it survives Blazor re-renders.
(function () {
  'use strict';

  // --- Dialog: native <dialog> gives focus trap, Escape and focus return (see Ui/Dialog.razor).
  var dialog = {
    show: function (el) { if (el && !el.open) el.showModal(); },
    close: function (el) { if (el && el.open) el.close(); }
  };

  // --- Copy buttons: <button data-copy="text">. The async clipboard API needs a secure context
  // (https or loopback); a remote plain-http install falls back to a hidden textarea.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.style.position = 'fixed';
      area.style.opacity = '0';
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      document.body.removeChild(area);
      ok ? resolve() : reject(new Error('copy refused'));
    });
  }

  document.addEventListener('click', function (e) {
    var button = e.target.closest && e.target.closest('[data-copy]');
    if (!button) return;
    var done = button.querySelector('.copy-btn__done');
    copyText(button.getAttribute('data-copy') || '').then(function () {
      button.classList.add('is-copied');
      if (done) done.textContent = 'Copied';
    }, function () {
      if (done) done.textContent = 'Copy failed';
    }).then(function () {
      setTimeout(function () { button.classList.remove('is-copied'); if (done) done.textContent = ''; }, 1600);
    });
  });

  // --- Keyboard tables: <table data-keynav> rows <tr data-row tabindex>. Roving focus.
  function isTyping(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function focusRow(row) {
    if (!row) return;
    var table = row.closest('[data-keynav]');
    table.querySelectorAll('tr[data-row]').forEach(function (r) { r.tabIndex = r === row ? 0 : -1; });
    row.focus();
    row.scrollIntoView({ block: 'nearest' });
  }

  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || isTyping(e.target)) return;
    // "/" focuses the page's search box (GitHub/Sentry convention).
    if (e.key === '/' && !isTyping(e.target)) {
      var search = document.querySelector('[data-search]');
      if (search) { e.preventDefault(); search.focus(); search.select(); return; }
    }
    var row = e.target.closest && e.target.closest('tr[data-row]');
    if (!row) {
      // j/k from anywhere on the page (not while typing) jumps into the first keyboard table.
      if ((e.key === 'j' || e.key === 'k') && (e.target === document.body || e.target.id === 'main')) {
        var first = document.querySelector('[data-keynav] tr[data-row]');
        if (first) { e.preventDefault(); focusRow(first); }
      }
      return;
    }
    if (e.target !== row && e.key === 'Enter') return; // a link or button inside the row handles its own Enter
    var rows = Array.prototype.slice.call(row.closest('[data-keynav]').querySelectorAll('tr[data-row]'));
    var i = rows.indexOf(row);
    var target = null;
    switch (e.key) {
      case 'j': case 'ArrowDown': target = rows[Math.min(i + 1, rows.length - 1)]; break;
      case 'k': case 'ArrowUp': target = rows[Math.max(i - 1, 0)]; break;
      case 'Home': target = rows[0]; break;
      case 'End': target = rows[rows.length - 1]; break;
      case 'Enter': {
        e.preventDefault();
        var link = row.querySelector('a[href]');
        (link || row).click();
        return;
      }
      default: return;
    }
    e.preventDefault();
    focusRow(target);
  });

  // --- Reconnect (blazor.web.js 9.0 with custom markup, see Layout/ReconnectBanner.razor):
  // the script toggles classes on #components-reconnect-modal but no longer reloads by itself.
  function watchReconnect() {
    var modal = document.getElementById('components-reconnect-modal');
    if (!modal) return;
    new MutationObserver(function () {
      // Rejected: the server restarted and does not know this circuit; start a fresh page.
      if (modal.classList.contains('components-reconnect-rejected')) location.reload();
    }).observe(modal, { attributes: true, attributeFilter: ['class'] });
  }

  document.addEventListener('click', function (e) {
    if (!(e.target.closest && e.target.closest('[data-reconnect-retry]'))) return;
    if (window.Blazor && typeof Blazor.reconnect === 'function') {
      Blazor.reconnect().then(function (ok) { if (!ok) location.reload(); }, function () { location.reload(); });
    } else {
      location.reload();
    }
  });

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', watchReconnect);
  else watchReconnect();

  // Enhanced navigation patches the document; keep the stored theme on <html>.
  if (window.Blazor && window.faultlineTheme && typeof Blazor.addEventListener === 'function') {
    Blazor.addEventListener('enhancedload', window.faultlineTheme.reapply);
  }

  window.faultline = { dialog: dialog, copyText: copyText };
})();

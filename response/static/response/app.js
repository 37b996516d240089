/* yuqing duty screens: keyboard (j/k/x/o/c/d, / to search), review dialogs, bulk selection, ticking
   deadlines and polling for new queue items. Plain JS, no library: the office network may be closed.
   Everything inserted comes from our own server-rendered (escaped) HTML. */
(function () {
  'use strict';

  function typing(e) {
    var t = e.target;
    // A ticked row checkbox keeps the focus; j/k/x must still move and tick from there.
    if (t && t.tagName === 'INPUT' && t.type === 'checkbox' && t.classList.contains('pick-box')) return false;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName));
  }

  /* ---- dialogs ---- */
  function openDialog(kind, item) {
    var dialog = document.getElementById(kind + '-dialog');
    if (!dialog || !item) return;
    var form = dialog.querySelector('form');
    form.action = item.dataset[kind];
    if (kind === 'confirm') {
      form.elements.level.value = item.dataset.level || '';
      if (item.dataset.section) form.elements.section.value = item.dataset.section;
    }
    var title = item.querySelector('.title, .m-title');
    dialog.querySelector('.dlg-subject').textContent = title ? title.textContent.trim() : '';
    var copies = parseInt(item.dataset.copies || '0', 10);
    var label = dialog.querySelector('.copies');
    label.hidden = !(copies > 0);
    label.querySelector('.n-copies').textContent = String(copies);
    dialog.showModal();
    var first = dialog.querySelector(kind === 'dismiss' ? 'input[name=reason]' : 'select');
    if (first) first.focus();
  }
  document.addEventListener('click', function (e) {
    var close = e.target.closest('[data-close]');
    if (close) { close.closest('dialog').close(); return; }
    var action = e.target.closest('[data-action]');
    if (action) { openDialog(action.dataset.action, document.querySelector('article.mention')); return; }
    var row = e.target.closest('#queue tbody tr[data-id]');
    if (row && !e.target.closest('a')) select(rows().indexOf(row));
  });
  document.addEventListener('submit', function (e) {
    var text = e.target.dataset.confirmText;
    if (text && !window.confirm(text)) e.preventDefault();
  });

  /* ---- queue selection and keys ---- */
  var current = -1;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll('#queue tbody tr[data-id]')); }
  function select(i) {
    var r = rows();
    if (!r.length) return;
    current = Math.max(0, Math.min(i, r.length - 1));
    r.forEach(function (x, j) { x.classList.toggle('sel', j === current); });
    r[current].scrollIntoView({ block: 'nearest' });
  }
  function item() {
    var article = document.querySelector('article.mention');
    if (article) return article;
    var r = rows();
    return current >= 0 ? r[current] : null;
  }
  document.addEventListener('keydown', function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e) || document.querySelector('dialog[open]')) return;
    var target = item();
    switch (e.key) {
      case 'j': select(current + 1); break;
      case 'k': select(current - 1); break;
      case 'o': case 'Enter':
        if (document.querySelector('article.mention')) {
          var orig = document.querySelector('a.orig');
          if (orig && e.key === 'o') orig.click();
        } else if (target) { window.location.href = target.dataset.url; }
        break;
      case 'c': if (target && target.dataset.confirm && !isReviewed()) openDialog('confirm', target); break;
      case 'd': if (target && target.dataset.dismiss && !isReviewed()) openDialog('dismiss', target); break;
      case 'x': if (current >= 0 && rows()[current]) togglePick(rows()[current]); else return; break;
      case '/': var q = document.getElementById('q'); if (q) q.focus(); break;
      default: return;
    }
    e.preventDefault();
  });
  function isReviewed() { return !!document.querySelector('article.mention') && !document.getElementById('confirm-dialog'); }

  /* ---- bulk selection: checkboxes, select all (page / every match), bulk dialogs ---- */
  var bar = document.getElementById('bulk-bar');
  var allMatching = false;
  function picked() { return rows().filter(function (tr) { var b = tr.querySelector('.pick-box'); return b && b.checked; }); }
  function togglePick(tr) {
    var box = tr.querySelector('.pick-box');
    if (!box) return;
    box.checked = !box.checked;
    updateBar();
  }
  function updateBar() {
    if (!bar) return;
    var chosen = picked(), all = rows(), pageBox = document.getElementById('pick-page');
    if (!chosen.length || chosen.length < all.length) allMatching = false;
    if (pageBox) pageBox.checked = all.length > 0 && chosen.length === all.length;
    var total = parseInt(bar.dataset.total || '0', 10), limit = parseInt(bar.dataset.limit || '500', 10);
    var status = document.getElementById('bulk-status');
    status.textContent = allMatching ? '已选择全部符合条件的 ' + Math.min(total, limit) + ' 条' + (total > limit ? '（单次最多 ' + limit + ' 条）' : '')
      : (chosen.length ? '已勾选 ' + chosen.length + ' 条' : '未勾选');
    bar.querySelectorAll('[data-bulk-open]').forEach(function (b) { b.disabled = !chosen.length; });
    var more = document.getElementById('bulk-all');
    if (more) more.hidden = allMatching || !(all.length && chosen.length === all.length && total > all.length);
    all.forEach(function (tr) { tr.classList.toggle('picked', chosen.indexOf(tr) >= 0); });
  }
  document.addEventListener('change', function (e) {
    if (e.target.id === 'pick-page') {
      rows().forEach(function (tr) { var b = tr.querySelector('.pick-box'); if (b) b.checked = e.target.checked; });
      updateBar();
    } else if (e.target.classList && e.target.classList.contains('pick-box')) {
      updateBar();
    }
  });
  document.addEventListener('click', function (e) {
    if (e.target.id === 'bulk-all') { allMatching = true; updateBar(); return; }
    var opener = e.target.closest('[data-bulk-open]');
    if (!opener) return;
    var dialog = document.getElementById('bulk-' + opener.dataset.bulkOpen + '-dialog');
    if (!dialog) return;
    var status = document.getElementById('bulk-status');
    dialog.querySelector('.bulk-subject').textContent = status ? status.textContent : '';
    dialog.showModal();
    var first = dialog.querySelector('input[name=reason], input[name=case], select');
    if (first) first.focus();
  });
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (!form.hasAttribute('data-bulk-form')) return;
    form.querySelectorAll('input[data-picked]').forEach(function (i) { i.remove(); });
    function hidden(name, value) {
      var input = document.createElement('input');
      input.type = 'hidden'; input.name = name; input.value = value; input.setAttribute('data-picked', '');
      form.appendChild(input);
    }
    if (allMatching) { hidden('scope', 'all'); hidden('filter', bar.dataset.filter || ''); }
    else picked().forEach(function (tr) { hidden('ids', tr.dataset.id); });
  }, true);

  function addToCount(n) {
    var el = document.getElementById('queue-count');
    if (!el || !n) return;
    var count = parseInt(el.dataset.count || '0', 10) + n;
    el.dataset.count = String(count);
    el.textContent = el.textContent.replace(/^\d+/, String(count));
    if (bar) bar.dataset.total = String(count);
    updateBar();
  }

  /* ---- deadline countdowns ---- */
  function remaining(ms) {
    var s = Math.floor(Math.abs(ms) / 1000), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600),
        m = Math.floor(s % 3600 / 60);
    var span = d ? d + '天' + h + '小时' : (h ? h + '小时' + m + '分' : m + '分钟');
    return (ms < 0 ? '已超时 ' : '剩余 ') + span;
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll('[data-due]').forEach(function (el) {
      var due = Date.parse(el.dataset.due), start = el.dataset.start ? Date.parse(el.dataset.start) : 0;
      var left = due - now, total = start ? due - start : 0;
      var state = left < 0 ? 'over' : ((left < 2 * 3600e3 || (total > 0 && left / total < 0.25)) ? 'soon' : 'ok');
      el.textContent = remaining(left);
      el.className = 'due due-' + state;
    });
  }
  setInterval(tick, 30000);

  /* ---- new queue items ---- */
  var table = document.getElementById('queue');
  function poll() {
    if (!table || document.hidden) return Promise.resolve(0);
    var url = table.dataset.poll + (table.dataset.poll.indexOf('?') < 0 ? '?' : '&') + 'since=' + table.dataset.since +
      '&analysed=' + encodeURIComponent(table.dataset.analysed || '');
    return fetch(url, { credentials: 'same-origin', headers: { 'X-Requested-With': 'fetch' } }).then(function (resp) {
      if (!resp.ok || resp.redirected) return 0;
      var n = parseInt(resp.headers.get('X-New-Count') || '0', 10);
      table.dataset.since = resp.headers.get('X-Since') || table.dataset.since;
      table.dataset.analysed = resp.headers.get('X-Analysed-Since') || table.dataset.analysed;
      if (resp.headers.get('X-Reload') === '1') {
        var many = document.getElementById('new-items');
        many.textContent = '新到待研判条目超过 50 条，请刷新页面查看。';
        many.hidden = false;
        return 0;
      }
      return resp.text().then(function (html) {
        if (!n) return 0;
        var tpl = document.createElement('template');
        tpl.innerHTML = '<table><tbody>' + html + '</tbody></table>';
        var body = table.tBodies[0], added = 0, first = body.firstChild;
        var empty = body.querySelector('tr.empty');
        if (empty) empty.remove();
        tpl.content.querySelectorAll('tr[data-id]').forEach(function (tr) {
          if (!body.querySelector('tr[data-id="' + tr.dataset.id + '"]')) { body.insertBefore(tr, first); added++; }
        });
        if (added) {
          var note = document.getElementById('new-items');
          note.textContent = '新到 ' + added + ' 条待研判条目，已置顶并标记为“新”。';
          note.hidden = false;
          if (current >= 0) current += added;
          addToCount(added);
        }
        return added;
      });
    }).catch(function () { return 0; });
  }
  if (table && table.dataset.poll) setInterval(poll, parseInt(table.dataset.interval || '20000', 10));

  /* ---- snapshot iframe loads only when asked for ---- */
  document.querySelectorAll('details.snapshot').forEach(function (d) {
    d.addEventListener('toggle', function () {
      var frame = d.querySelector('iframe');
      if (d.open && !frame.src) frame.src = frame.dataset.src;
    });
  });

  window.yuqing = { poll: poll, tick: tick, picked: function () { return picked().map(function (tr) { return tr.dataset.id; }); } };
})();

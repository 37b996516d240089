/* In-page alerts for duty officers (new level I–II items, cases turning overdue): an unread badge,
   a short beep made with Web Audio (no sound file), and a browser notification once permission is
   given by a click on the badge. Also keeps the case board fresh without a manual reload.
   Plain JS; every text shown comes from our own JSON and is set with textContent, never as HTML. */
(function () {
  'use strict';

  var script = document.currentScript;
  var url = script && script.dataset.url;
  var interval = parseInt((script && script.dataset.interval) || '30000', 10);
  var KEY = 'yuqing.alerts';

  function load() {
    try { return JSON.parse(sessionStorage.getItem(KEY)) || {}; } catch (e) { return {}; }
  }
  function store(state) {
    try { sessionStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode: in memory only */ }
  }
  var state = load();
  state.unread = state.unread || [];
  state.seen = state.seen || [];

  /* ---- badge and panel ---- */
  var bell, panel;
  function build() {
    var header = document.querySelector('header.top');
    if (!header || bell) return;
    bell = document.createElement('button');
    bell.type = 'button';
    bell.className = 'alert-bell';
    bell.id = 'alert-bell';
    bell.title = '提醒：新 I/II 级舆情、案件超时（点击查看并开启桌面通知）';
    bell.appendChild(document.createTextNode('提醒 '));
    var n = document.createElement('span');
    n.className = 'alert-count';
    bell.appendChild(n);
    panel = document.createElement('div');
    panel.className = 'alert-panel';
    panel.id = 'alert-panel';
    panel.hidden = true;
    var logout = header.querySelector('.logout');
    header.insertBefore(bell, logout);
    header.appendChild(panel);
    bell.addEventListener('click', function () {
      askPermission();
      unlockAudio();
      panel.hidden = !panel.hidden;
      if (!panel.hidden) { render(); state.unread.forEach(function (a) { a.read = true; }); store(state); paint(); }
    });
    paint();
  }
  function unreadCount() { return state.unread.filter(function (a) { return !a.read; }).length; }
  function paint() {
    if (!bell) return;
    var n = unreadCount();
    var count = bell.querySelector('.alert-count');
    count.textContent = n ? String(n) : '';
    bell.classList.toggle('has-unread', n > 0);
  }
  function render() {
    panel.textContent = '';
    var title = document.createElement('h2');
    title.textContent = state.unread.length ? '提醒' : '暂无提醒';
    panel.appendChild(title);
    state.unread.slice().reverse().forEach(function (a) {
      var link = document.createElement('a');
      link.href = a.url;
      link.className = 'alert-item alert-' + a.kind + (a.read ? '' : ' unread');
      var strong = document.createElement('strong');
      strong.textContent = a.title;
      var small = document.createElement('span');
      small.className = 'small muted';
      small.textContent = a.text;
      link.appendChild(strong);
      link.appendChild(small);
      panel.appendChild(link);
    });
    if (state.unread.length) {
      var clear = document.createElement('button');
      clear.type = 'button';
      clear.className = 'link';
      clear.textContent = '清空';
      clear.addEventListener('click', function () { state.unread = []; store(state); render(); paint(); });
      panel.appendChild(clear);
    }
  }

  /* ---- sound: a short two-tone beep, synthesised ---- */
  var audio = null;
  function unlockAudio() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return null;
    if (!audio) audio = new Ctx();
    if (audio.state === 'suspended') audio.resume();
    return audio;
  }
  function beep() {
    var ctx = unlockAudio();
    if (!ctx) return false;
    [880, 660].forEach(function (freq, i) {
      var osc = ctx.createOscillator(), gain = ctx.createGain(), start = ctx.currentTime + i * 0.22;
      osc.type = 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.25, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.2);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start);
      osc.stop(start + 0.21);
    });
    return true;
  }

  /* ---- browser notifications (permission only ever asked on a click) ---- */
  function askPermission() {
    if ('Notification' in window && Notification.permission === 'default') Notification.requestPermission();
  }
  function notify(a) {
    if (!('Notification' in window) || Notification.permission !== 'granted') return false;
    var n = new Notification(a.title, { body: a.text, tag: a.key, lang: 'zh-CN' });
    n.onclick = function () { window.focus(); window.location.href = a.url; };
    return true;
  }

  /* ---- polling ---- */
  function poll() {
    if (!url || document.hidden) return Promise.resolve(0);
    var q = state.since != null && state.at != null ? '?since=' + state.since + '&at=' + state.at : '';
    return fetch(url + q, { credentials: 'same-origin', headers: { 'X-Requested-With': 'fetch' } })
      .then(function (resp) { return resp.ok && !resp.redirected ? resp.json() : null; })
      .then(function (data) {
        if (!data) return 0;
        if (!data.enabled) { stop(); return 0; }
        build();
        state.since = data.since;
        state.at = data.at;
        var fresh = (data.alerts || []).filter(function (a) { return state.seen.indexOf(a.key) < 0; });
        fresh.forEach(function (a) {
          state.seen.push(a.key);
          state.unread.push({ key: a.key, kind: a.kind, title: a.title, text: a.text, url: a.url, read: false });
          notify(a);
        });
        state.seen = state.seen.slice(-500);
        state.unread = state.unread.slice(-50);
        store(state);
        if (fresh.length) { beep(); paint(); if (panel && !panel.hidden) render(); }
        return fresh.length;
      })
      .catch(function () { return 0; });
  }
  var timer = null;
  function stop() { if (timer) clearInterval(timer); timer = null; }
  if (url) {
    poll();
    timer = setInterval(poll, interval);
  }

  /* ---- the case board refreshes itself (cases.html marks it with data-refresh) ---- */
  var board = document.querySelector('.board[data-refresh]');
  function refreshBoard() {
    if (!board || document.hidden || document.querySelector('dialog[open]')) return Promise.resolve(false);
    return fetch(window.location.href, { credentials: 'same-origin', headers: { 'X-Requested-With': 'fetch' } })
      .then(function (resp) { return resp.ok && !resp.redirected ? resp.text() : null; })
      .then(function (html) {
        if (!html) return false;
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var fresh = doc.querySelector('.board[data-refresh]');
        if (!fresh) return false;
        board.replaceChildren.apply(board, Array.prototype.slice.call(fresh.childNodes).map(function (n) {
          return document.importNode(n, true);
        }));
        var nav = document.querySelector('nav.sections'), freshNav = doc.querySelector('nav.sections');
        if (nav && freshNav) nav.replaceChildren.apply(nav, Array.prototype.slice.call(freshNav.childNodes).map(function (n) {
          return document.importNode(n, true);
        }));
        board.dataset.refreshedAt = String(Date.now());
        return true;
      })
      .catch(function () { return false; });
  }
  if (board) setInterval(refreshBoard, parseInt(board.dataset.refresh || '30000', 10));

  window.yuqingAlerts = { poll: poll, beep: beep, refreshBoard: refreshBoard, unread: unreadCount };
})();

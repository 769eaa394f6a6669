// Rookery reader: live updates and keys for the server-rendered pages.
// Hand-written, no build step, no dependencies. Everything here is an
// extra: every page works without it.
(function () {
  'use strict';

  // Live: posts stored by the reader arrive as "posts" events (Server-
  // Sent Events, pushed by the server, no polling) holding their HTML as
  // the timeline renders them; they go on top, and the bar counts them.
  function live(list) {
    var bar = document.getElementById('newbar');
    var link = bar && bar.querySelector('a');
    var fresh = 0;
    var events = new EventSource(list.dataset.live);
    events.addEventListener('posts', function (ev) {
      var tpl = document.createElement('template');
      tpl.innerHTML = ev.data;
      var items = Array.prototype.slice.call(tpl.content.querySelectorAll('article.post')).reverse();
      var added = 0;
      items.forEach(function (a) {
        if (document.getElementById(a.id)) return; // already on the page
        a.classList.add('fresh');
        list.insertBefore(a, list.firstChild);
        added++;
      });
      if (!added) return;
      var empty = list.querySelector('.empty');
      if (empty) empty.remove();
      fresh += added;
      if (link) {
        link.textContent = fresh + (fresh === 1 ? ' new post' : ' new posts');
        bar.hidden = false;
      }
      document.body.dataset.lastArrival = String(Date.now());
    });
    if (link) {
      link.addEventListener('click', function (e) {
        e.preventDefault();
        fresh = 0;
        bar.hidden = true;
        window.scrollTo(0, 0);
        var first = list.querySelector('article.post');
        if (first) first.focus();
      });
    }
  }

  // Keys: j/k move between posts, o opens the thread, r replies.
  function keys(e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    var t = e.target;
    var tag = (t.tagName || '').toLowerCase();
    if (tag === 'input' || tag === 'textarea' || tag === 'select' || t.isContentEditable) return;
    var posts = Array.prototype.slice.call(document.querySelectorAll('article.post'));
    if (!posts.length) return;
    var current = document.activeElement && document.activeElement.closest ? document.activeElement.closest('article.post') : null;
    var i = posts.indexOf(current);
    switch (e.key) {
      case 'j': i = Math.min(posts.length - 1, i + 1); break;
      case 'k': i = Math.max(0, i - 1); break;
      case 'o': if (current) window.location.href = current.dataset.thread; return;
      case 'r': if (current) window.location.href = current.dataset.reply; return;
      default: return;
    }
    e.preventDefault();
    posts[i].focus();
    posts[i].scrollIntoView({ block: 'nearest' });
  }

  var list = document.getElementById('posts');
  if (list && list.dataset.live && window.EventSource) live(list);
  document.addEventListener('keydown', keys);
})();

// lineup site script: progressive enhancement only. Every page reads fine
// without it; with it, tables sort and filter (state kept in the URL, so a
// view is a permalink), charts are drawn and copy buttons work.
// No dependencies but ECharts, which pages with charts load before this.
(function () {
  'use strict';

  // ---- sortable and filterable tables -------------------------------
  // A table.sortable has th[data-key] headers (data-type="num" for numbers);
  // a cell sorts by its data-v attribute, else its text. Missing numbers
  // sort last. A form[data-filter-for=<table id>] filters the rows by
  // data-arch, data-size, data-tp and the model name (data-model).
  function initTable(table) {
    var tbody = table.tBodies[0];
    if (!tbody || !table.tHead) return;
    var rows = Array.prototype.slice.call(tbody.rows);
    rows.forEach(function (r, i) { r.dataset.i = i; });
    var heads = Array.prototype.filter.call(table.tHead.rows[0].cells, function (th) { return th.dataset.key; });
    var form = document.querySelector('form[data-filter-for="' + table.id + '"]');
    var state = { sort: '', dir: '' };

    function value(row, idx, num) {
      var c = row.cells[idx];
      var v = c.hasAttribute('data-v') ? c.getAttribute('data-v') : c.textContent.trim();
      if (!num) return v.toLowerCase();
      return v === '' || isNaN(parseFloat(v)) ? null : parseFloat(v);
    }

    function sort(key, dir) {
      var th = heads.filter(function (h) { return h.dataset.key === key; })[0];
      if (!th || (dir !== 'asc' && dir !== 'desc')) return;
      var idx = th.cellIndex, num = th.dataset.type === 'num';
      var sorted = rows.slice().sort(function (a, b) {
        var x = value(a, idx, num), y = value(b, idx, num);
        var ia = +a.dataset.i, ib = +b.dataset.i;
        if (x === null || y === null) return x === y ? ia - ib : (x === null ? 1 : -1);
        var c = num ? x - y : x.localeCompare(y);
        if (dir === 'desc') c = -c;
        return c || ia - ib;
      });
      sorted.forEach(function (r) { tbody.appendChild(r); });
      heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', dir === 'asc' ? 'ascending' : 'descending');
      state.sort = key; state.dir = dir;
    }

    heads.forEach(function (th) {
      var btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'sort';
      while (th.firstChild) btn.appendChild(th.firstChild);
      th.appendChild(btn);
      btn.addEventListener('click', function () {
        var key = th.dataset.key, dir;
        if (state.sort === key) dir = state.dir === 'desc' ? 'asc' : 'desc';
        else dir = th.dataset.type === 'num' ? 'desc' : 'asc'; // biggest numbers first
        sort(key, dir);
        save();
      });
    });

    function filter() {
      if (!form) return;
      var f = form.elements, shown = 0;
      var arch = f.arch ? f.arch.value : '', size = f.size ? f.size.value : '';
      var tp = f.tp ? f.tp.value : '', q = f.q ? f.q.value.trim().toLowerCase() : '';
      rows.forEach(function (r) {
        var ok = (!arch || r.dataset.arch === arch) && (!size || r.dataset.size === size) &&
          (!tp || r.dataset.tp === tp) && (!q || (r.dataset.model || '').toLowerCase().indexOf(q) >= 0);
        r.hidden = !ok;
        if (ok) shown++;
      });
      var out = form.querySelector('output');
      if (out) out.textContent = shown + ' of ' + rows.length + ' models';
    }

    // The URL holds the filters and the sort: ?arch=moe&tp=8&sort=output&dir=desc
    function save() {
      if (!form) return;
      var p = new URLSearchParams();
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name && el.value) p.set(el.name, el.value);
      });
      if (state.sort) { p.set('sort', state.sort); p.set('dir', state.dir); }
      var qs = p.toString();
      history.replaceState(null, '', (qs ? '?' + qs : location.pathname) + location.hash);
    }

    function load() {
      var p = new URLSearchParams(location.search);
      if (form) {
        Array.prototype.forEach.call(form.elements, function (el) {
          if (!el.name || !p.has(el.name)) return;
          var v = p.get(el.name);
          if (el.tagName === 'SELECT' && !Array.prototype.some.call(el.options, function (o) { return o.value === v; })) return;
          el.value = v;
        });
        filter();
        if (p.has('sort')) sort(p.get('sort'), p.get('dir'));
      }
    }

    if (form) {
      form.hidden = false;
      form.addEventListener('input', function () { filter(); save(); });
      form.addEventListener('change', function () { filter(); save(); });
      form.addEventListener('submit', function (e) { e.preventDefault(); });
    }
    load();
  }

  // ---- charts: options are JSON in <script type="application/json"> ----
  function initCharts() {
    var specs = document.querySelectorAll('script[data-chart-for]');
    if (!specs.length || !window.echarts) return;
    var dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
    var charts = [];
    Array.prototype.forEach.call(specs, function (s) {
      var el = document.getElementById(s.getAttribute('data-chart-for'));
      if (!el) return;
      var opt = JSON.parse(s.textContent);
      if (dark) opt.backgroundColor = 'transparent';
      var chart = window.echarts.init(el, dark ? 'dark' : null, { renderer: 'canvas' });
      chart.setOption(opt);
      charts.push(chart);
    });
    window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  }

  // ---- copy buttons: button[data-copy=<id of the element to copy>] ----
  function initCopy() {
    Array.prototype.forEach.call(document.querySelectorAll('button[data-copy]'), function (b) {
      b.hidden = false;
      b.addEventListener('click', function () {
        var el = document.getElementById(b.getAttribute('data-copy'));
        if (!el) return;
        var label = b.textContent;
        var done = function (msg) { b.textContent = msg; setTimeout(function () { b.textContent = label; }, 1500); };
        var select = function () {
          var r = document.createRange();
          r.selectNodeContents(el);
          var sel = window.getSelection();
          sel.removeAllRanges();
          sel.addRange(r);
          done('Selected: press Ctrl+C');
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(el.textContent).then(function () { done('Copied'); }, select);
        } else {
          select();
        }
      });
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), initTable);
    initCharts();
    initCopy();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();

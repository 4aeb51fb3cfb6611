// budget/page.js: the budget page's form, URL and table. The arithmetic is
// budget.js's (window.lineupBudget), the per-configuration inputs are the
// JSON in #budget-data (budget.NewPageData). This file turns the form into a
// plan, redraws the table on every change and keeps the inputs in the query
// string (?tokens=10B&hours=24&price=2.5), so a plan is a link and a reload
// restores it. Numbers are written as `lineup budget` writes them (Go's
// strconv), so the page shows what the command prints.
(function () {
  'use strict';

  // ---- Go's number formats --------------------------------------------
  // plain expands JavaScript's exponent notation ("1.5e-7", "1e+21").
  function plain(s) {
    var m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
    if (!m) return s;
    var digits = m[2] + (m[3] || ''), point = 1 + parseInt(m[4], 10);
    if (point <= 0) return m[1] + '0.' + new Array(1 - point).join('0') + digits;
    if (point >= digits.length) return m[1] + digits + new Array(point - digits.length + 1).join('0');
    return m[1] + digits.slice(0, point) + '.' + digits.slice(point);
  }

  // num is strconv.FormatFloat(v, 'f', -1, 64): the shortest digits that
  // read back as v (both languages pick the same), without an exponent.
  function num(v) { return plain(String(v)); }

  // fixed is strconv.FormatFloat(v, 'f', prec, 64). toFixed rounds the exact
  // binary value too, but breaks an exact tie (2.125 to 2 places) upwards
  // where Go rounds to even; past 1e21 it switches to exponents.
  function fixed(v, prec) {
    if (v < 0) return '-' + fixed(-v, prec);
    var zeros = new Array(prec + 1).join('0');
    if (v >= 1e21) return BigInt(v).toString() + (prec > 0 ? '.' + zeros : ''); // an integer
    var s = v.toFixed(prec), exact = v.toFixed(100), point = exact.indexOf('.');
    var rest = exact.slice(point + 1 + prec);
    if (/^50*$/.test(rest)) { // a tie: keep the truncated digits when their last is even
      var cut = exact.slice(0, prec > 0 ? point + 1 + prec : point);
      if (parseInt(cut.charAt(cut.length - 1), 10) % 2 === 0) return cut;
    }
    return s;
  }

  // duration writes seconds as Go's time.Duration does once rounded to the
  // second, shortened as `lineup budget` shortens it: 10m, 1h5m, 3m22s.
  function duration(sec) {
    var ns = Math.trunc(sec * 1e9), whole = Math.trunc(ns / 1e9);
    if ((ns - whole * 1e9) * 2 >= 1e9) whole++; // Duration.Round: halves away from zero
    var h = Math.floor(whole / 3600), m = Math.floor(whole % 3600 / 60), s = whole % 60;
    var out = h > 0 ? h + 'h' + m + 'm' + s + 's' : m > 0 ? m + 'm' + s + 's' : s + 's';
    if (/m0s$/.test(out)) out = out.slice(0, -2);
    if (/h0m$/.test(out)) out = out.slice(0, -2);
    return out;
  }

  // formatTokens is budget.FormatTokens: 10B, 500M, 1.5T.
  function formatTokens(v) {
    var units = [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'k']];
    for (var i = 0; i < units.length; i++) {
      if (v >= units[i][0]) return num(v / units[i][0]) + units[i][1];
    }
    return num(v);
  }

  // Under node (the Go test budgetpage_format_test.go) the formats are the API.
  if (typeof document === 'undefined') {
    module.exports = { num: num, fixed: fixed, duration: duration, formatTokens: formatTokens };
    return;
  }

  // ---- the page ---------------------------------------------------------
  var NOTES = { // budgetNotes in site/budgetpage.go
    deadline_too_short: 'the deadline is not longer than the start-up of a replica',
    does_not_fit: 'the GPUs do not hold one replica',
    too_many_replicas: 'needs more than a million replicas'
  };
  var FIELDS = {
    tokens: 'Output tokens: write a target such as 10B, 500M, 1.5T or 2e9.',
    hours: 'Deadline: give a positive number of hours.',
    gpus: 'GPUs: give a whole number of at least 1.',
    gpus_per_node: 'GPUs per node: give a whole number of at least 1.',
    overhead: 'Start-up: give a number of minutes, 0 or more.',
    price: 'Price: give a number, 0 or more.'
  };
  // The inputs the URL keeps, in this order; a default value is left out.
  var PARAMS = ['tokens', 'hours', 'gpus', 'gpn', 'price', 'overhead', 'whole', 'model', 'sort'];

  function init() {
    var form = document.getElementById('budget-form');
    var dataEl = document.getElementById('budget-data');
    var table = document.getElementById('budget');
    if (!form || !dataEl || !table || !window.lineupBudget) return;
    var B = window.lineupBudget, data = JSON.parse(dataEl.textContent);
    var f = form.elements, tbody = table.tBodies[0];
    var summary = document.getElementById('budget-summary');
    var defaults = { tokens: f.tokens.value, hours: f.hours.value };

    function mode() { return f.mode.value === 'gpus' ? 'gpus' : 'hours'; }

    // number reads an optional input: undefined when empty, NaN when not a number.
    function number(el) {
      var s = el.value.trim();
      return s === '' ? undefined : Number(s);
    }

    // plan reads the form as a budget.Plan, or {error} naming the problem.
    function plan() {
      var t = B.parseTokens(f.tokens.value);
      if (t.error) return { error: 'tokens' };
      var p = { tokens: t.tokens }, v;
      if (mode() === 'gpus') {
        v = number(f.gpus);
        if (v === undefined || !(v >= 1) || Math.floor(v) !== v) return { error: 'gpus' };
        p.gpus = v;
      } else {
        v = number(f.hours);
        if (v === undefined || !(v > 0)) return { error: 'hours' };
        p.hours = v;
      }
      v = number(f.gpn);
      if (v !== undefined) {
        if (!(v >= 1) || Math.floor(v) !== v) return { error: 'gpus_per_node' };
        p.gpus_per_node = v;
      }
      v = number(f.price);
      if (v !== undefined) {
        if (!(v >= 0)) return { error: 'price' };
        p.price_per_gpu_hour = v;
      }
      v = number(f.overhead);
      if (v !== undefined) {
        if (!(v >= 0)) return { error: 'overhead' };
        p.overhead_seconds = v * 60;
      }
      p.whole_hours = f.whole.checked;
      var bad = B.validatePlan(p);
      return bad ? { error: bad } : p;
    }

    function cell(tr, tag, text, v) {
      var c = document.createElement(tag);
      c.textContent = text;
      if (tag === 'th') c.scope = 'row';
      if (v !== undefined) {
        c.className = 'num';
        c.setAttribute('data-v', v);
      }
      tr.appendChild(c);
    }

    function describe(p) {
      var s = formatTokens(p.tokens);
      s += ' output tokens' + (p.hours ? ' within ' + num(p.hours) + 'h' : ' on at most ' + p.gpus + ' GPUs');
      if (p.gpus_per_node) s += ', ' + p.gpus_per_node + '-GPU nodes';
      if (p.overhead_seconds !== undefined) s += ', ' + duration(p.overhead_seconds) + ' start-up per replica';
      if (p.price_per_gpu_hour > 0) s += ', ' + num(p.price_per_gpu_hour) + ' per GPU-hour';
      if (p.whole_hours) s += ', billed in whole hours';
      return s + '; snapshot ' + data.snapshot.id + (data.snapshot.title ? ' (' + data.snapshot.title + ')' : '');
    }

    function draw() {
      var p = plan();
      while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
      if (p.error) {
        summary.textContent = FIELDS[p.error] || p.error;
        summary.className = 'summary warning';
        return;
      }
      summary.className = 'summary';
      summary.textContent = describe(p);
      var model = f.model.value;
      var rows = data.engines.filter(function (e) {
        return e.best && (!model || e.model === model);
      }).map(function (e) { return B.compute(e, p); });
      B.sortRows(rows, f.sort.value === 'gpus' ? 'gpus' : 'cost');
      rows.forEach(function (r) {
        var tr = document.createElement('tr');
        tr.setAttribute('data-model', r.model);
        tr.setAttribute('data-config', r.config);
        if (r.error_code) tr.setAttribute('data-error', r.error_code);
        cell(tr, 'th', r.model);
        cell(tr, 'td', r.run);
        cell(tr, 'td', r.config);
        cell(tr, 'td', num(r.output_tps_per_gpu), String(r.output_tps_per_gpu));
        cell(tr, 'td', fixed(r.gpus_for_1b_tokens_per_hour, 1), String(r.gpus_for_1b_tokens_per_hour));
        cell(tr, 'td', num(r.gpus_for_1b_tokens_per_hour_whole), String(r.gpus_for_1b_tokens_per_hour_whole));
        var def = !r.overhead_measured && r.overhead_seconds === data.default_overhead_seconds;
        cell(tr, 'td', duration(r.overhead_seconds) + (def ? '*' : ''), String(r.overhead_seconds));
        if (r.error_code) {
          for (var i = 0; i < 6; i++) cell(tr, 'td', '—', '');
        } else {
          cell(tr, 'td', String(r.replicas), String(r.replicas));
          cell(tr, 'td', String(r.gpus), String(r.gpus));
          cell(tr, 'td', String(r.nodes), String(r.nodes));
          cell(tr, 'td', fixed(r.wall_hours, 2), String(r.wall_hours));
          cell(tr, 'td', fixed(r.gpu_hours, 1), String(r.gpu_hours));
          if (r.cost === null || r.cost === undefined) cell(tr, 'td', '—', '');
          else cell(tr, 'td', fixed(r.cost, 2), String(r.cost));
        }
        cell(tr, 'td', r.error_code ? NOTES[r.error_code] || r.error_code : '');
        tbody.appendChild(tr);
      });
    }

    function value(name) {
      switch (name) {
        case 'hours': return mode() === 'hours' && f.hours.value !== defaults.hours ? f.hours.value : '';
        case 'gpus': return mode() === 'gpus' ? f.gpus.value : '';
        case 'whole': return f.whole.checked ? '1' : '';
        case 'sort': return f.sort.value === 'cost' ? '' : f.sort.value;
        case 'tokens': return f.tokens.value === defaults.tokens ? '' : f.tokens.value;
      }
      return f[name].value.trim();
    }

    function save() {
      var q = new URLSearchParams();
      PARAMS.forEach(function (name) {
        var v = value(name);
        if (v !== '') q.set(name, v);
      });
      if (mode() === 'gpus' && !q.has('gpus')) q.set('gpus', '');
      var qs = q.toString();
      history.replaceState(null, '', (qs ? '?' + qs : location.pathname) + location.hash);
    }

    function load() {
      var q = new URLSearchParams(location.search);
      PARAMS.forEach(function (name) {
        if (!q.has(name)) return;
        var v = q.get(name), el = f[name];
        if (name === 'whole') { el.checked = v !== '' && v !== '0'; return; }
        if (el.tagName === 'SELECT' && !Array.prototype.some.call(el.options, function (o) { return o.value === v; })) return;
        el.value = v;
      });
      if (q.has('gpus')) f.mode.value = 'gpus';
    }

    function modeChanged() {
      var gpus = mode() === 'gpus';
      f.gpus.disabled = !gpus;
      f.hours.disabled = gpus;
    }

    form.hidden = false;
    load();
    modeChanged();
    draw();
    form.addEventListener('input', function () { modeChanged(); draw(); save(); });
    form.addEventListener('change', function () { modeChanged(); draw(); save(); });
    form.addEventListener('submit', function (e) { e.preventDefault(); });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();

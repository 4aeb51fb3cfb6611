// lineup compare: the diff of two snapshots, computed in the browser.
//
// This is a port of site/diff (diff.go, config.go, env.go, utest.go) to
// plain JavaScript, so that the compare page shows the same numbers as
// `lineup diff OLD NEW -format json` for any two published snapshots
// (data/<id>.json). compare(old, new, {threshold, alpha}) returns the same
// value, field for field, as the CLI's JSON (schema lineup.diff/v1); a Go
// test (site/comparejs_test.go) runs this file under node over a table of
// snapshot pairs and checks exactly that. Keep the two in step: a change to
// site/diff's rules must be made here too, and that test says where not.
//
// Go details the port keeps: strings sort by code point (Go compares
// bytes of UTF-8, which orders the same); numbers in texts are formatted
// as Go's fmt does (%g, %.3f with ties to even); erfc is Go's math.Erfc
// (FreeBSD's); maps become Map, never plain objects, so a hostile key such
// as "__proto__" stays data.
//
// In a browser the file also drives the compare page (initPage); under node
// it only exports the functions.
(function (root, factory) {
  'use strict';
  var api = factory();
  if (typeof module === 'object' && module.exports) {
    module.exports = api;
  } else {
    root.lineupCompare = api;
    if (root.document) api.initPage(root.document, root);
  }
})(this, function () {
  'use strict';

  var SCHEMA = 'lineup.diff/v1';
  var NO_TEST = '1 run, no significance test';
  var FIELD_LEGEND = 'mns=max-num-seqs mnbt=max-num-batched-tokens gmu=gpu-memory-utilization bs=block-size kvc=kv-cache-dtype spec=speculative decoding quant=quantization mml=max-model-len';

  // ---- Go formatting -------------------------------------------------

  // cmpStr orders strings as Go does (bytewise UTF-8 = code point order);
  // JavaScript's < compares UTF-16 units, which differs above U+FFFF.
  function cmpStr(a, b) {
    var i = 0, j = 0;
    while (i < a.length && j < b.length) {
      var x = a.codePointAt(i), y = b.codePointAt(j);
      if (x !== y) return x < y ? -1 : 1;
      i += x > 0xffff ? 2 : 1;
      j += y > 0xffff ? 2 : 1;
    }
    var restA = a.length - i, restB = b.length - j;
    return restA === restB ? 0 : (restA < restB ? -1 : 1);
  }

  function sortStrings(xs) { return xs.sort(cmpStr); }

  // formatG is strconv.FormatFloat(v, 'g', -1, 64), Go's %g: the shortest
  // digits that read back as v, in exponent form when the exponent is
  // under -4 or at least 6 (Go's rule for the shortest form; JavaScript
  // switches at 21), with at least two exponent digits ("1e-05").
  function formatG(v) {
    if (v !== v) return 'NaN';
    if (v === Infinity) return '+Inf';
    if (v === -Infinity) return '-Inf';
    if (v === 0) return Object.is(v, -0) ? '-0' : '0';
    var neg = v < 0;
    var m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(Math.abs(v).toExponential());
    var digits = m[1] + (m[2] || ''), exp = parseInt(m[3], 10);
    var s;
    if (exp < -4 || exp >= 6) {
      var e = Math.abs(exp);
      s = digits[0] + (digits.length > 1 ? '.' + digits.slice(1) : '') + 'e' + (exp < 0 ? '-' : '+') + (e < 10 ? '0' : '') + e;
    } else if (exp < 0) {
      s = '0.' + '0'.repeat(-exp - 1) + digits;
    } else if (digits.length <= exp + 1) {
      s = digits + '0'.repeat(exp + 1 - digits.length);
    } else {
      s = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
    }
    return (neg ? '-' : '') + s;
  }

  // fixed is Go's %.{d}f. toFixed rounds a tie (the exact binary value
  // ends in 5 right after the last digit) away from zero; Go rounds it to
  // even. toFixed(100) is exact for every double that could be such a tie.
  function fixed(x, d) {
    var s = x.toFixed(d);
    if (Math.abs(x) >= 1e21) return s;
    var full = Math.abs(x).toFixed(100);
    var dot = full.indexOf('.');
    var rest = full.slice(dot + 1 + d);
    if (/^50*$/.test(rest)) {
      var kept = full.slice(0, dot + 1 + d);
      var last = parseInt(kept.charAt(kept.length - 1), 10);
      if (d === 0) last = parseInt(full.charAt(dot - 1), 10);
      if (last % 2 === 0) { // round down to the even digit
        s = d === 0 ? full.slice(0, dot) : kept;
        if (x < 0) s = '-' + s;
      }
    }
    return s;
  }

  // ---- snapshots ---------------------------------------------------

  function has(o, k) { return o != null && Object.prototype.hasOwnProperty.call(o, k); }
  function isSet(v) { return v !== undefined && v !== null; }
  function str(v) { return isSet(v) ? v : ''; }

  // extraMap turns a config's extra (workload arguments) into a Map.
  function extraMap(c) {
    var m = new Map();
    if (c && c.extra && typeof c.extra === 'object') {
      Object.keys(c.extra).forEach(function (k) { m.set(k, String(c.extra[k])); });
    }
    return m;
  }

  function runOK(r) {
    return r.status && r.status.state === 'ok' && r.metrics && isSet(r.metrics.output_tps_per_gpu);
  }

  // models lists the model ids in order of first appearance.
  function modelsOf(s) {
    var seen = new Set(), out = [];
    (s.runs || []).forEach(function (r) {
      if (!seen.has(r.model)) { seen.add(r.model); out.push(r.model); }
    });
    return out;
  }

  // bestOf is snapshot.Best: each model's run with the highest output
  // TPS/GPU, the earlier run on ties.
  function bestOf(s) {
    var m = new Map();
    (s.runs || []).forEach(function (r) {
      if (!runOK(r)) return;
      var b = m.get(r.model);
      if (!b || r.metrics.output_tps_per_gpu > b.metrics.output_tps_per_gpu) m.set(r.model, r);
    });
    return m;
  }

  // ---- configs (config.go) ------------------------------------------

  // joinIgnoredExtra: workload arguments that say where or how a job runs.
  function joinIgnoredExtra(k) {
    if (k.indexOf('output-') === 0) return true;
    return k === 'qos' || k === 'time' || k === 'partition' || k === 'account' || k === 'reservation';
  }

  // isWorkloadKey: dataset and prompt settings (env.go IsWorkloadKey).
  function isWorkloadKey(k) {
    if (joinIgnoredExtra(k)) return false;
    if (k.indexOf('dataset') >= 0 || k.indexOf('prompt') >= 0) return true;
    return ['max-tokens', 'model-max-context', 'max-examples', 'max-samples', 'num-samples',
      'temperature', 'top-p', 'top-k', 'seed', 'input-len', 'output-len'].indexOf(k) >= 0;
  }

  // fields lists a config's settings in label order (diff.fields).
  function fields(c) {
    function intp(name, v) { return isSet(v) ? { name: name, value: String(v), set: true } : { name: name, value: '', set: false }; }
    function strp(name, v) { return isSet(v) ? { name: name, value: String(v), set: true } : { name: name, value: '', set: false }; }
    var fs = [
      { name: 'tp', value: String(c.tp), set: true },
      { name: 'pp', value: String(c.pp), set: true },
      intp('dp', c.dp), intp('nodes', c.nodes), intp('mns', c.max_num_seqs), intp('mnbt', c.max_num_batched_tokens),
      isSet(c.gpu_memory_utilization) ? { name: 'gmu', value: formatG(c.gpu_memory_utilization), set: true } : { name: 'gmu', value: '', set: false },
      intp('bs', c.block_size), strp('kvc', c.kv_cache_dtype), strp('spec', c.spec)
    ];
    // Go keeps the JSON text of speculative_config (compacted); here it is
    // parsed and written again, which differs only for JSON spelt unusually
    // (1.0 for 1), which snapshot.Marshal never writes.
    if (has(c, 'speculative_config') && c.speculative_config !== undefined) {
      fs.push({ name: 'speculative_config', value: JSON.stringify(c.speculative_config), set: true });
    } else {
      fs.push({ name: 'speculative_config', value: '', set: false });
    }
    fs.push(strp('quant', c.quantization), intp('mml', c.max_model_len));
    var ex = extraMap(c);
    sortStrings(Array.from(ex.keys()).filter(function (k) { return !joinIgnoredExtra(k); })).forEach(function (k) {
      fs.push({ name: k, value: ex.get(k), set: true });
    });
    return fs;
  }

  function fieldMap(c) {
    var m = new Map(), order = [];
    fields(c).forEach(function (f) {
      if (f.set) { m.set(f.name, f.value); order.push(f.name); }
    });
    return { m: m, order: order };
  }

  // labelExcept is the config as "name=value ..." without the workload
  // arguments every run shares (common).
  function labelExcept(c, common) {
    var ex = extraMap(c), parts = [];
    fields(c).forEach(function (f) {
      if (common && common.has(f.name) && common.get(f.name) === f.value && (ex.has(f.name) ? ex.get(f.name) : '') === common.get(f.name)) return;
      if (f.set && f.name !== 'speculative_config') parts.push(f.name + '=' + f.value);
    });
    return parts.join(' ');
  }

  // key identifies a config exactly.
  function key(c) {
    return fields(c).filter(function (f) { return f.set; }).map(function (f) { return f.name + '=' + JSON.stringify(f.value); }).join(' ');
  }

  // compareConfigs matches an old config against a new one (CompareConfigs).
  function compareConfigs(o, n) {
    var a = fieldMap(o), b = fieldMap(n);
    var m = { compared: [], onlyOld: [], onlyNew: [], conflicts: [] };
    a.order.forEach(function (name) {
      if (!b.m.has(name)) m.onlyOld.push(name + '=' + a.m.get(name));
      else {
        m.compared.push(name);
        if (b.m.get(name) !== a.m.get(name)) m.conflicts.push(name);
      }
    });
    b.order.forEach(function (name) {
      if (!a.m.has(name)) m.onlyNew.push(name + '=' + b.m.get(name));
    });
    m.compatible = m.conflicts.length === 0;
    m.exact = m.compatible && m.onlyOld.length === 0 && m.onlyNew.length === 0;
    return m;
  }

  // notCompared names the settings only one side states.
  function notCompared(m) {
    var out = [];
    m.onlyOld.concat(m.onlyNew).forEach(function (kv) {
      var i = kv.indexOf('='), name = i >= 0 ? kv.slice(0, i) : kv;
      if (out.indexOf(name) < 0) out.push(name);
    });
    return out;
  }

  // ---- statistics (utest.go) -----------------------------------------

  function median(xs) {
    var s = xs.slice().sort(function (a, b) { return a < b ? -1 : a > b ? 1 : 0; });
    var n = s.length;
    return n % 2 === 1 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  function binomial(n, k) {
    var c = 1;
    for (var i = 1; i <= k; i++) c = c * (n - k + i) / i;
    return c;
  }

  // exactCDF is P(U <= u) for samples of sizes m and n without ties, from
  // the recurrence c(m,n,u) = c(m-1,n,u-n) + c(m,n-1,u) of Mann & Whitney.
  function exactCDF(m, n, u) {
    if (u < 0) return 0;
    if (u >= m * n) return 1;
    var w = u + 1;
    var prev = new Float64Array((n + 1) * w), cur = new Float64Array((n + 1) * w);
    for (var j = 0; j <= n; j++) prev[j * w] = 1;
    for (var i = 1; i <= m; i++) {
      cur.fill(0);
      cur[0] = 1;
      for (j = 1; j <= n; j++) {
        for (var k = 0; k < w; k++) {
          var v = cur[(j - 1) * w + k];
          if (k >= j) v += prev[j * w + k - j];
          cur[j * w + k] = v;
        }
      }
      var t = prev; prev = cur; cur = t;
    }
    var below = 0;
    for (k = n * w; k < (n + 1) * w; k++) below += prev[k];
    return Math.min(1, below / binomial(m + n, m));
  }

  // erfc is Go's math.Erfc (FreeBSD's s_erf.c), coefficient for
  // coefficient; JavaScript has no erfc.
  var ERX = 8.45062911510467529297e-01;
  var PP = [1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02, -5.77027029648944159157e-03, -2.37630166566501626084e-05];
  var QQ = [0, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03, 1.32494738004321644526e-04, -3.96022827877536812320e-06];
  var PA = [-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01, 3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02, -2.16637559486879084300e-03];
  var QA = [0, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02, 1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02];
  var RA = [-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01, -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02, -8.12874355063065934246e+01, -9.81432934416914548592e+00];
  var SA = [0, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02, 6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02, 6.57024977031928170135e+00, -6.04244152148580987438e-02];
  var RB = [-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01, -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03, -4.83519191608651397019e+02];
  var SB = [0, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03, 3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02, -2.24409524465858183362e+01];

  function erfc(x) {
    if (x !== x) return NaN;
    if (x === Infinity) return 0;
    if (x === -Infinity) return 2;
    var sign = false;
    if (x < 0) { x = -x; sign = true; }
    if (x < 0.84375) {
      var temp;
      if (x < 1 / 72057594037927936) { // 2**-56
        temp = x;
      } else {
        var z = x * x;
        var r = PP[0] + z * (PP[1] + z * (PP[2] + z * (PP[3] + z * PP[4])));
        var s = 1 + z * (QQ[1] + z * (QQ[2] + z * (QQ[3] + z * (QQ[4] + z * QQ[5]))));
        var y = r / s;
        temp = x < 0.25 ? x + x * y : 0.5 + (x * y + (x - 0.5));
      }
      return sign ? 1 + temp : 1 - temp;
    }
    if (x < 1.25) {
      var s1 = x - 1;
      var P = PA[0] + s1 * (PA[1] + s1 * (PA[2] + s1 * (PA[3] + s1 * (PA[4] + s1 * (PA[5] + s1 * PA[6])))));
      var Q = 1 + s1 * (QA[1] + s1 * (QA[2] + s1 * (QA[3] + s1 * (QA[4] + s1 * (QA[5] + s1 * QA[6])))));
      return sign ? 1 + ERX + P / Q : 1 - ERX - P / Q;
    }
    if (x < 28) {
      var s2 = 1 / (x * x), R, S;
      if (x < 1 / 0.35) {
        R = RA[0] + s2 * (RA[1] + s2 * (RA[2] + s2 * (RA[3] + s2 * (RA[4] + s2 * (RA[5] + s2 * (RA[6] + s2 * RA[7]))))));
        S = 1 + s2 * (SA[1] + s2 * (SA[2] + s2 * (SA[3] + s2 * (SA[4] + s2 * (SA[5] + s2 * (SA[6] + s2 * (SA[7] + s2 * SA[8])))))));
      } else {
        if (sign && x > 6) return 2;
        R = RB[0] + s2 * (RB[1] + s2 * (RB[2] + s2 * (RB[3] + s2 * (RB[4] + s2 * (RB[5] + s2 * RB[6])))));
        S = 1 + s2 * (SB[1] + s2 * (SB[2] + s2 * (SB[3] + s2 * (SB[4] + s2 * (SB[5] + s2 * (SB[6] + s2 * SB[7]))))));
      }
      // x with the low 32 bits of its mantissa cleared.
      var dv = new DataView(new ArrayBuffer(8));
      dv.setFloat64(0, x);
      dv.setUint32(4, 0);
      var zz = dv.getFloat64(0);
      var rr = Math.exp(-zz * zz - 0.5625) * Math.exp((zz - x) * (zz + x) + R / S);
      return sign ? 2 - rr / x : rr / x;
    }
    return sign ? 2 : 0;
  }

  // mannWhitney is the two-sided Mann-Whitney U test of x against y
  // (diff.MannWhitney): exact without ties for samples under 50, else the
  // normal approximation with tie and continuity correction.
  function mannWhitney(x, y) {
    var nx = x.length, ny = y.length;
    if (nx === 0 || ny === 0) return null;
    var pooled = x.map(function (v) { return { v: v, inX: true }; }).concat(y.map(function (v) { return { v: v, inX: false }; }));
    pooled.sort(function (a, b) { return a.v < b.v ? -1 : a.v > b.v ? 1 : 0; }); // stable, as Go's SortStableFunc
    var n = nx + ny, rankSumX = 0, tieSum = 0, ties = false;
    for (var i = 0; i < n;) {
      var j = i + 1;
      while (j < n && pooled[j].v === pooled[i].v) j++;
      var mid = (i + 1 + j) / 2;
      for (var k = i; k < j; k++) if (pooled[k].inX) rankSumX += mid;
      var t = j - i;
      if (t > 1) { ties = true; tieSum += t * t * t - t; }
      i = j;
    }
    var u = rankSumX - (nx * (nx + 1)) / 2;
    var mn = nx * ny;
    var res = { u: u, n_old: nx, n_new: ny, p: 0, method: '' };
    if (!ties && nx < 50 && ny < 50) {
      res.method = 'exact';
      res.p = Math.min(1, 2 * exactCDF(nx, ny, Math.round(Math.min(u, mn - u))));
      return res;
    }
    res.method = 'normal';
    var variance = mn / 12 * ((n + 1) - tieSum / (n * (n - 1)));
    if (variance <= 0) { res.p = 1; return res; }
    var z = Math.max(Math.abs(u - mn / 2) - 0.5, 0) / Math.sqrt(variance);
    res.p = Math.min(1, erfc(z / Math.SQRT2));
    return res;
  }

  function smallestP(m, n) { return Math.min(1, 2 / binomial(m + n, m)); }

  // ---- environments (env.go) ------------------------------------------

  var ENV_FIELDS = [
    ['GPU model', function (e) { return str(e.gpu); }],
    ['GPU memory', function (e) { return e.gpu_memory_mib ? e.gpu_memory_mib + ' MiB' : ''; }],
    ['GPUs per node', function (e) { return e.gpus_per_node ? String(e.gpus_per_node) : ''; }],
    ['driver', function (e) { return str(e.driver_version); }]
  ];

  function sideName(old) { return old ? 'old' : 'new'; }
  function or(a, b) { return a !== '' ? a : b; }

  function workloadValues(s) {
    var out = new Map();
    (s.runs || []).forEach(function (r) {
      extraMap(r.config).forEach(function (v, k) {
        if (!isWorkloadKey(k)) return;
        if (!out.has(k)) out.set(k, new Set());
        out.get(k).add(v);
      });
    });
    return out;
  }

  function warning(kind, field, o, n, message) {
    var w = { kind: kind, field: field };
    if (o) w.old = o;
    if (n) w.new = n;
    w.message = message;
    return w;
  }

  function envWarnings(old, nw) {
    var ws = [];
    var oe = old.environment || {}, ne = nw.environment || {};
    ENV_FIELDS.forEach(function (f) {
      var o = f[1](oe), n = f[1](ne);
      if (o === n) return;
      if (o === '' || n === '') {
        ws.push(warning('unknown', f[0], o, n, f[0] + ' is not stated in ' + sideName(o === '') + ', so it cannot be checked (' + sideName(o !== '') + ': ' + or(o, n) + ')'));
      } else {
        ws.push(warning('differs', f[0], o, n, f[0] + ' differs: old ' + o + ', new ' + n + '; this is not a like-for-like vLLM comparison'));
      }
    });
    var ov = workloadValues(old), nv = workloadValues(nw);
    if (ov.size === 0 && nv.size === 0) {
      ws.push(warning('unknown', 'dataset/prompt settings', '', '', 'neither snapshot states its dataset or prompt settings (input dataset, prompt column, max tokens), so it cannot be checked that both measured the same workload'));
    } else if (ov.size === 0 || nv.size === 0) {
      ws.push(warning('unknown', 'dataset/prompt settings', '', '', 'the ' + sideName(ov.size === 0) + ' snapshot does not state its dataset or prompt settings, so it cannot be checked that both measured the same workload'));
    } else {
      var keys = new Set(Array.from(ov.keys()).concat(Array.from(nv.keys())));
      sortStrings(Array.from(keys)).forEach(function (k) {
        var o = ov.has(k) ? sortStrings(Array.from(ov.get(k))).join(' | ') : '';
        var n = nv.has(k) ? sortStrings(Array.from(nv.get(k))).join(' | ') : '';
        if (o === n) return;
        if (o === '' || n === '') {
          ws.push(warning('unknown', k, o, n, 'dataset/prompt setting ' + k + ' is not stated in ' + sideName(o === '') + ' (' + sideName(o !== '') + ': ' + or(o, n) + ')'));
        } else {
          ws.push(warning('differs', k, o, n, 'dataset/prompt setting ' + k + ' differs: old ' + o + ', new ' + n));
        }
      });
    }
    return ws;
  }

  // runEnvNote compares the environments of two joined runs when either
  // carries its own.
  function runEnvNote(old, nw, o, n) {
    if (!o.environment && !n.environment) return '';
    var oe = o.environment || old.environment || {}, ne = n.environment || nw.environment || {};
    var diffs = [];
    ENV_FIELDS.forEach(function (f) {
      var a = f[1](oe), b = f[1](ne);
      if (a !== '' && b !== '' && a !== b) diffs.push(f[0] + ' ' + a + ' -> ' + b);
    });
    return diffs.length ? 'these runs were measured on different hardware: ' + diffs.join('; ') : '';
  }

  // ---- the diff (diff.go) ----------------------------------------------

  // groupRuns groups a snapshot's runs by model and exact config, in order
  // of first appearance.
  function groupRuns(s) {
    var idx = new Map(), out = [];
    (s.runs || []).forEach(function (r) {
      var k = key(r.config);
      if (!idx.has(r.model)) idx.set(r.model, new Map());
      var g = idx.get(r.model).get(k);
      if (!g) {
        g = { model: r.model, config: r.config, key: k, runs: [] };
        idx.get(r.model).set(k, g);
        out.push(g);
      }
      g.runs.push(r);
    });
    return out;
  }

  function failureReason(runs) {
    var count = new Map(), order = [];
    runs.forEach(function (r) {
      if (runOK(r)) return;
      var st = r.status || {};
      var reason = str(st.reason);
      if (reason === '') reason = st.state === 'ok' ? 'no output throughput' : str(st.state);
      if (!count.has(reason)) { order.push(reason); count.set(reason, 0); }
      count.set(reason, count.get(reason) + 1);
    });
    return order.map(function (r) { return count.get(r) > 1 ? r + ' x' + count.get(r) : r; }).join(', ');
  }

  // sideOf summarises the runs of one config: medians over the OK runs.
  function sideOf(runs, cfg, common) {
    var s = { config: null, configLabel: '', runs: runs.length, okRuns: 0, reason: '', out: null, inp: null, gpus: null, samples: [] };
    if (cfg) { s.config = cfg; s.configLabel = labelExcept(cfg, common); }
    var ins = [];
    runs.forEach(function (r) {
      if (!runOK(r)) return;
      s.okRuns++;
      s.samples.push(r.metrics.output_tps_per_gpu);
      if (isSet(r.metrics.input_tps_per_gpu)) ins.push(r.metrics.input_tps_per_gpu);
    });
    s.reason = failureReason(runs);
    if (s.okRuns > 0) {
      var m = median(s.samples);
      s.out = m;
      if (m > 0) s.gpus = 1e9 / (m * 3600); // snapshot.GPUsFor1BPerHour
    }
    if (ins.length) s.inp = median(ins);
    return s;
  }

  function sideOK(s) { return s != null && s.okRuns > 0; }

  function commonWorkload(old, nw) {
    var runs = (old.runs || []).concat(nw.runs || []);
    if (!(old.runs || []).length || !(nw.runs || []).length) return null;
    var common = new Map();
    extraMap(runs[0].config).forEach(function (v, k) { if (!joinIgnoredExtra(k)) common.set(k, v); });
    runs.slice(1).forEach(function (r) {
      var ex = extraMap(r.config);
      Array.from(common.keys()).forEach(function (k) {
        if (!ex.has(k) || ex.get(k) !== common.get(k)) common.delete(k);
      });
    });
    return common.size ? common : null;
  }

  function modelOrder(old, nw) {
    var out = modelsOf(old);
    modelsOf(nw).forEach(function (m) { if (out.indexOf(m) < 0) out.push(m); });
    return out;
  }

  function newRow(model) {
    return {
      model: model, match: '', compared: [], notCompared: [], onlyOld: [], onlyNew: [], candidates: 0, ambiguous: false,
      old: null, new: null, outputChange: null, inputChange: null, test: null, significance: '', flag: '', reason: '', notes: []
    };
  }

  function partialNote(m, candidates, ambiguous) {
    var b = 'partial match on ' + m.compared.join(', ') + '; not compared: ' + notCompared(m).join(', ') + ' (stated by one side only)';
    if (candidates > 1) b += '; ambiguous: the old config matches ' + candidates + ' new configs, so it is compared with each and left out of the geomean';
    else if (ambiguous) b += '; ambiguous: the new config also matches another old config, so the row is left out of the geomean';
    return b;
  }

  // judge fills a row's change, U test and flag.
  function judge(r, opt) {
    var o = r.old, n = r.new;
    if (!o) { r.flag = 'new'; return; }
    if (!n) { r.flag = 'gone'; return; }
    if (!sideOK(o) && !sideOK(n)) { r.flag = 'still-failing'; r.reason = n.reason; return; }
    if (!sideOK(n)) { r.flag = 'now-failing'; r.reason = n.reason; return; }
    if (!sideOK(o)) { r.flag = 'now-fixed'; r.reason = o.reason; return; }
    if (n.reason !== '' && n.okRuns < n.runs) r.notes.push((n.runs - n.okRuns) + ' of ' + n.runs + ' new runs failed: ' + n.reason);
    if (o.reason !== '' && o.okRuns < o.runs) r.notes.push((o.runs - o.okRuns) + ' of ' + o.runs + ' old runs failed: ' + o.reason);
    var ov = o.out, nv = n.out;
    if (ov > 0) r.outputChange = nv / ov - 1;
    if (o.inp !== null && n.inp !== null && o.inp > 0) r.inputChange = n.inp / o.inp - 1;
    r.significance = NO_TEST;
    if (o.samples.length > 1 || n.samples.length > 1) {
      var t = mannWhitney(o.samples, n.samples);
      if (t) {
        r.test = t;
        r.significance = 'p=' + fixed(t.p, 3) + ' n=' + t.n_old + '+' + t.n_new;
      }
    }
    var beyond = nv !== ov;
    if (r.outputChange !== null) beyond = beyond && Math.abs(r.outputChange) >= opt.threshold - 1e-12;
    if (!beyond) {
      r.flag = 'within-noise';
    } else if (r.test && r.test.p >= opt.alpha) {
      r.flag = 'within-noise';
      var note = 'the change is not significant (p=' + fixed(r.test.p, 3) + ' >= α=' + formatG(opt.alpha) + ')';
      var minP = smallestP(r.test.n_old, r.test.n_new);
      if (minP >= opt.alpha) note += '; with n=' + r.test.n_old + '+' + r.test.n_new + ' no change can be significant (smallest possible p=' + fixed(minP, 3) + ')';
      r.notes.push(note);
    } else {
      r.flag = nv > ov ? 'faster' : 'slower';
    }
  }

  function configRow(old, nw, o, n, opt, common, candidates, ambiguous) {
    var r = newRow(o ? o.model : n.model);
    if (o) r.old = sideOf(o.runs, o.config, common);
    if (n) { r.model = n.model; r.new = sideOf(n.runs, n.config, common); }
    if (o && n) {
      var m = compareConfigs(o.config, n.config);
      r.match = 'exact';
      if (!m.exact) {
        r.match = 'partial';
        r.compared = m.compared; r.notCompared = notCompared(m); r.onlyOld = m.onlyOld; r.onlyNew = m.onlyNew;
        r.candidates = candidates; r.ambiguous = ambiguous;
        r.notes.push(partialNote(m, candidates, ambiguous));
      }
      var note = runEnvNote(old, nw, o.runs[0], n.runs[0]);
      if (note) r.notes.push(note);
    }
    judge(r, opt);
    return r;
  }

  // joinConfigs is the config view: exact joins first, then each old config
  // with the compatible new configs sharing the most stated settings.
  function joinConfigs(old, nw, opt, common) {
    function byModel(gs) {
      var m = new Map();
      gs.forEach(function (g) { if (!m.has(g.model)) m.set(g.model, []); m.get(g.model).push(g); });
      return m;
    }
    var og = byModel(groupRuns(old)), ng = byModel(groupRuns(nw));
    var rows = [];
    modelOrder(old, nw).forEach(function (model) {
      var olds = og.get(model) || [], news = ng.get(model) || [];
      var used = news.map(function () { return false; });
      var partner = olds.map(function () { return null; });
      var exact = olds.map(function () { return false; });
      olds.forEach(function (o, i) {
        for (var j = 0; j < news.length; j++) {
          if (!used[j] && news[j].key === o.key) { partner[i] = [j]; exact[i] = true; used[j] = true; break; }
        }
      });
      var exactUsed = used.slice();
      olds.forEach(function (o, i) {
        if (partner[i] !== null) return;
        var best = -1;
        news.forEach(function (n, j) {
          if (exactUsed[j]) return;
          var m = compareConfigs(o.config, n.config);
          if (!m.compatible) return;
          var c = m.compared.length;
          if (c > best) { best = c; partner[i] = [j]; } else if (c === best) partner[i].push(j);
        });
        (partner[i] || []).forEach(function (j) { used[j] = true; });
      });
      var shared = news.map(function () { return 0; });
      olds.forEach(function (o, i) {
        if (!exact[i]) (partner[i] || []).forEach(function (j) { shared[j]++; });
      });
      olds.forEach(function (o, i) {
        var p = partner[i] || [];
        if (p.length === 0) { rows.push(configRow(old, nw, o, null, opt, common, 0, false)); return; }
        p.forEach(function (j) {
          rows.push(configRow(old, nw, o, news[j], opt, common, p.length, p.length > 1 || shared[j] > 1));
        });
      });
      news.forEach(function (n, j) {
        if (!used[j]) rows.push(configRow(old, nw, null, n, opt, common, 0, false));
      });
    });
    return rows;
  }

  // joinModels is the model view: each model's best config on each side.
  function joinModels(old, nw, opt, common) {
    function indexOf(s) {
      var ix = { byModel: new Map(), byConfig: new Map() };
      groupRuns(s).forEach(function (g) {
        if (!ix.byModel.has(g.model)) ix.byModel.set(g.model, []);
        Array.prototype.push.apply(ix.byModel.get(g.model), g.runs);
        if (!ix.byConfig.has(g.model)) ix.byConfig.set(g.model, new Map());
        ix.byConfig.get(g.model).set(g.key, g.runs);
      });
      return ix;
    }
    function side(ix, best, model) {
      var b = best.get(model);
      if (b) return [sideOf(ix.byConfig.get(model).get(key(b.config)), b.config, common), b];
      var runs = ix.byModel.get(model);
      if (runs && runs.length) return [sideOf(runs, null, common), null];
      return [null, null];
    }
    var oix = indexOf(old), nix = indexOf(nw), ob = bestOf(old), nb = bestOf(nw);
    return modelOrder(old, nw).map(function (model) {
      var r = newRow(model);
      var os = side(oix, ob, model), ns = side(nix, nb, model);
      r.old = os[0]; r.new = ns[0];
      var obr = os[1], nbr = ns[1];
      if (obr && nbr) {
        var m = compareConfigs(obr.config, nbr.config);
        if (m.exact) {
          r.match = 'same';
        } else {
          r.compared = m.compared; r.notCompared = notCompared(m); r.onlyOld = m.onlyOld; r.onlyNew = m.onlyNew;
          if (m.compatible) {
            r.match = 'compatible';
            r.notes.push('the best configs agree on ' + m.compared.join(', ') + ' but only one side states ' + notCompared(m).join(', ') + ', so the best config may have changed');
          } else {
            r.match = 'changed';
            r.notes.push('best config changed: ' + m.conflicts.join(', ') + (m.conflicts.length > 1 ? ' differ' : ' differs'));
          }
        }
        var note = runEnvNote(old, nw, obr, nbr);
        if (note) r.notes.push(note);
      }
      judge(r, opt);
      return r;
    });
  }

  // summarise is the geometric mean of a view over the rows both sides
  // measured, leaving out ambiguous partial matches.
  function summarise(rows) {
    var s = { n: 0, excluded: 0, inputN: 0 }, lo = 0, ln = 0, li = 0, lni = 0;
    rows.forEach(function (r) {
      if (!sideOK(r.old) || !sideOK(r.new)) return;
      if (r.ambiguous) { s.excluded++; return; }
      var o = r.old.out, n = r.new.out;
      if (o <= 0 || n <= 0) return;
      s.n++;
      lo += Math.log(o);
      ln += Math.log(n);
      var oi = r.old.inp, ni = r.new.inp;
      if (oi !== null && ni !== null && oi > 0 && ni > 0) {
        s.inputN++;
        li += Math.log(oi);
        lni += Math.log(ni);
      }
    });
    var out = { n: s.n };
    if (s.excluded) out.excluded = s.excluded;
    if (s.n > 0) {
      out.old_output_tps_per_gpu = Math.exp(lo / s.n);
      out.new_output_tps_per_gpu = Math.exp(ln / s.n);
      out.output_change = Math.exp((ln - lo) / s.n) - 1;
    }
    out.input_n = s.inputN;
    if (s.inputN > 0) {
      out.old_input_tps_per_gpu = Math.exp(li / s.inputN);
      out.new_input_tps_per_gpu = Math.exp(lni / s.inputN);
      out.input_change = Math.exp((lni - li) / s.inputN) - 1;
    }
    return out;
  }

  // ---- JSON: the shape WriteJSON writes (Go's omitempty) --------------

  function configJSON(c) {
    var o = { tp: c.tp, pp: c.pp };
    ['dp', 'nodes', 'spec'].forEach(function (k) { if (isSet(c[k])) o[k] = c[k]; });
    if (has(c, 'speculative_config') && c.speculative_config !== undefined) o.speculative_config = c.speculative_config;
    ['max_num_seqs', 'max_num_batched_tokens', 'gpu_memory_utilization', 'block_size', 'kv_cache_dtype', 'quantization', 'max_model_len'].forEach(function (k) {
      if (isSet(c[k])) o[k] = c[k];
    });
    var ex = extraMap(c);
    if (ex.size) {
      var e = Object.create(null);
      ex.forEach(function (v, k) { e[k] = v; });
      o.extra = e;
    }
    return o;
  }

  function sideJSON(s) {
    var o = {};
    if (s.config) o.config = configJSON(s.config);
    if (s.configLabel) o.config_label = s.configLabel;
    o.runs = s.runs;
    o.ok_runs = s.okRuns;
    if (s.reason) o.reason = s.reason;
    if (s.out !== null) o.output_tps_per_gpu = s.out;
    if (s.inp !== null) o.input_tps_per_gpu = s.inp;
    if (s.gpus !== null) o.gpus_for_1b_tokens_per_hour = s.gpus;
    if (s.samples.length) o.output_samples = s.samples;
    return o;
  }

  function rowJSON(r) {
    var o = { model: r.model };
    if (r.match) o.match = r.match;
    if (r.compared.length) o.compared = r.compared;
    if (r.notCompared.length) o.not_compared = r.notCompared;
    if (r.onlyOld.length) o.only_old = r.onlyOld;
    if (r.onlyNew.length) o.only_new = r.onlyNew;
    if (r.candidates) o.candidates = r.candidates;
    if (r.ambiguous) o.ambiguous = true;
    if (r.old) o.old = sideJSON(r.old);
    if (r.new) o.new = sideJSON(r.new);
    if (r.outputChange !== null) o.output_change = r.outputChange;
    if (r.inputChange !== null) o.input_change = r.inputChange;
    if (r.test) o.u_test = r.test;
    if (r.significance) o.significance = r.significance;
    o.flag = r.flag;
    if (r.reason) o.reason = r.reason;
    if (r.notes.length) o.notes = r.notes;
    return o;
  }

  function refOf(s) {
    var src = s.source || {}, env = s.environment || {};
    var source = { kind: str(src.kind) };
    ['root', 'citation', 'url', 'note'].forEach(function (k) { if (src[k]) source[k] = src[k]; });
    var e = {};
    ['vllm_version', 'gpu', 'gpu_memory_mib'].forEach(function (k) { if (env[k]) e[k] = env[k]; });
    e.gpus_per_node = env.gpus_per_node || 0;
    ['cuda_version', 'pytorch_version', 'transformers_version', 'driver_version'].forEach(function (k) { if (env[k]) e[k] = env[k]; });
    return { id: s.id, title: str(s.title), created: s.created, source: source, environment: e, runs: (s.runs || []).length, models: modelsOf(s).length };
  }

  // compare is diff.Compare followed by WriteJSON: the diff from old to new
  // as the CLI's JSON value. opt: {threshold: 0.05, alpha: 0.05}.
  function compare(old, nw, opt) {
    var common = commonWorkload(old, nw);
    var configs = joinConfigs(old, nw, opt, common);
    var models = joinModels(old, nw, opt, common);
    var d = { schema: SCHEMA, old: refOf(old), new: refOf(nw), threshold: opt.threshold, alpha: opt.alpha };
    if (common) {
      var cw = Object.create(null);
      common.forEach(function (v, k) { cw[k] = v; });
      d.common_workload = cw;
    }
    d.warnings = envWarnings(old, nw);
    d.configs = configs.map(rowJSON);
    d.config_summary = summarise(configs);
    d.models = models.map(rowJSON);
    d.model_summary = summarise(models);
    return d;
  }

  // ---- the compare page ----------------------------------------------

  // rate formats a throughput as `lineup diff` does; change a relative
  // change as a signed percentage.
  function rate(v) {
    if (v === undefined || v === null || !isFinite(v)) return '—';
    if (v >= 100) return fixed(v, 0);
    if (v >= 10) return fixed(v, 1);
    return fixed(v, 2);
  }
  function change(v) {
    if (v === undefined || v === null) return '';
    var s = fixed(v * 100, 1);
    return (s.charAt(0) === '-' ? s : '+' + s) + '%';
  }

  var FLAG_MARKS = { 'faster': '▲', 'slower': '▼', 'within-noise': '≈', 'new': '+', 'gone': '−', 'now-failing': '✖', 'now-fixed': '✔', 'still-failing': '✖' };

  function flagText(r) {
    var words = r.flag.replace(/-/g, ' ');
    if (r.flag === 'now-fixed' && r.reason) return 'now fixed (was ' + r.reason + ')';
    if (r.reason) return words + ': ' + r.reason;
    return words;
  }

  function sideConfig(s) {
    if (!s) return '';
    if (!s.config) return '(no OK run)';
    return s.config_label || '';
  }

  // el builds an element; text is always set as text, never as HTML.
  function el(doc, tag, attrs, children) {
    var e = doc.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      e.appendChild(typeof c === 'string' ? doc.createTextNode(c) : c);
    });
    return e;
  }

  function viewTable(doc, id, caption, rows, sum, hrefOf) {
    var heads = [['Model', 'model', ''], ['Old config', 'oldcfg', ''], ['New config', 'newcfg', ''], ['Match', 'match', ''],
      ['Out/GPU old', 'oldout', 'num'], ['Out/GPU new', 'newout', 'num'], ['Change', 'change', 'num'], ['Flag', 'flag', ''], ['Significance', 'sig', ''],
      ['In/GPU old', 'oldin', 'num'], ['In/GPU new', 'newin', 'num'], ['In change', 'inchange', 'num'], ['GPUs/1B/h', 'gpus', ''],
      ['Notes', '', '']];
    var thead = el(doc, 'thead', {}, [el(doc, 'tr', {}, heads.map(function (h) {
      var a = { scope: 'col' };
      if (h[1]) a['data-key'] = h[1];
      if (h[2]) { a['class'] = 'num'; a['data-type'] = 'num'; }
      return el(doc, 'th', a, [h[0]]);
    }))]);
    var tbody = el(doc, 'tbody');
    rows.forEach(function (r) {
      var o = r.old, n = r.new;
      var newCfg = o && n && (r.match === 'exact' || r.match === 'same') ? 'same' : sideConfig(n);
      var href = hrefOf(r.model);
      var cls = 'flag-' + r.flag + (r.match === 'partial' || r.match === 'compatible' ? ' partial' : '') + (r.ambiguous ? ' ambiguous' : '');
      var og = o ? o.gpus_for_1b_tokens_per_hour : null, ng = n ? n.gpus_for_1b_tokens_per_hour : null;
      var notes = el(doc, 'td', { 'class': 'notes' });
      (r.notes || []).forEach(function (t, i) {
        if (i) notes.appendChild(el(doc, 'br'));
        notes.appendChild(doc.createTextNode(t));
      });
      tbody.appendChild(el(doc, 'tr', { 'class': cls, 'data-flag': r.flag, 'data-model': r.model }, [
        el(doc, 'th', { scope: 'row' }, [href ? el(doc, 'a', { href: href }, [r.model]) : r.model]),
        el(doc, 'td', {}, [sideConfig(o) ? el(doc, 'code', {}, [sideConfig(o)]) : null]),
        el(doc, 'td', {}, [newCfg ? el(doc, 'code', {}, [newCfg]) : null]),
        el(doc, 'td', {}, [(r.match || '') + (r.ambiguous ? ', ambiguous' : '')]),
        el(doc, 'td', { 'class': 'num' }, [rate(o && o.output_tps_per_gpu)]),
        el(doc, 'td', { 'class': 'num' }, [rate(n && n.output_tps_per_gpu)]),
        el(doc, 'td', { 'class': 'num', 'data-v': r.output_change === undefined ? '' : String(r.output_change * 100) }, [change(r.output_change)]),
        el(doc, 'td', {}, [el(doc, 'span', { 'class': 'flag flag-' + r.flag }, [el(doc, 'span', { 'aria-hidden': 'true' }, [FLAG_MARKS[r.flag] || '']), ' ' + flagText(r)])]),
        el(doc, 'td', {}, [r.significance || '']),
        el(doc, 'td', { 'class': 'num' }, [rate(o && o.input_tps_per_gpu)]),
        el(doc, 'td', { 'class': 'num' }, [rate(n && n.input_tps_per_gpu)]),
        el(doc, 'td', { 'class': 'num' }, [change(r.input_change)]),
        el(doc, 'td', {}, [isSet(og) || isSet(ng) ? rate(og) + ' → ' + rate(ng) : '']),
        notes
      ]));
    });
    var sumNotes = [];
    if (sum.excluded) sumNotes.push('leaves out ' + sum.excluded + ' ambiguous partial match(es)');
    if (sum.n > 0 && sum.input_n === 0) sumNotes.push('no input TPS/GPU geomean: no row states input TPS/GPU on both sides');
    else if (sum.input_n < sum.n) sumNotes.push('input TPS/GPU geomean over the ' + sum.input_n + ' of ' + sum.n + ' rows where both sides state it');
    var tfoot = el(doc, 'tfoot', {}, [el(doc, 'tr', { 'class': 'summary' }, [
      el(doc, 'th', { scope: 'row' }, ['Geometric mean (' + sum.n + ' row' + (sum.n === 1 ? '' : 's') + ')']),
      el(doc, 'td'), el(doc, 'td'), el(doc, 'td'),
      el(doc, 'td', { 'class': 'num' }, [rate(sum.old_output_tps_per_gpu)]),
      el(doc, 'td', { 'class': 'num' }, [rate(sum.new_output_tps_per_gpu)]),
      el(doc, 'td', { 'class': 'num' }, [change(sum.output_change)]),
      el(doc, 'td'), el(doc, 'td'),
      el(doc, 'td', { 'class': 'num' }, [rate(sum.old_input_tps_per_gpu)]),
      el(doc, 'td', { 'class': 'num' }, [rate(sum.new_input_tps_per_gpu)]),
      el(doc, 'td', { 'class': 'num' }, [change(sum.input_change)]),
      el(doc, 'td'),
      el(doc, 'td', { 'class': 'notes' }, [sumNotes.join('; ')])
    ])]);
    return el(doc, 'div', { 'class': 'table-wrap' }, [el(doc, 'table', { 'class': 'diff', id: id }, [el(doc, 'caption', {}, [caption]), thead, tbody, tfoot])]);
  }

  function envTable(doc, d) {
    var rows = [['old', d.old], ['new', d.new]].map(function (s) {
      var r = s[1], e = r.environment;
      return el(doc, 'tr', {}, [
        el(doc, 'th', { scope: 'row' }, [s[0]]),
        el(doc, 'td', {}, [r.id, el(doc, 'br'), el(doc, 'span', { 'class': 'note' }, [r.title])]),
        el(doc, 'td', {}, [String(r.created).slice(0, 10)]),
        el(doc, 'td', {}, [e.vllm_version || 'not stated']),
        el(doc, 'td', {}, [(e.gpu || 'not stated') + (e.gpu_memory_mib ? ' (' + e.gpu_memory_mib + ' MiB)' : '')]),
        el(doc, 'td', { 'class': 'num' }, [String(e.gpus_per_node)]),
        el(doc, 'td', {}, [e.driver_version || 'not stated']),
        el(doc, 'td', {}, [(e.cuda_version || '—') + ' · ' + (e.pytorch_version || '—') + ' · ' + (e.transformers_version || '—')]),
        el(doc, 'td', { 'class': 'num' }, [String(r.runs)]),
        el(doc, 'td', { 'class': 'num' }, [String(r.models)])
      ]);
    });
    var heads = ['Side', 'Snapshot', 'Created', 'vLLM', 'GPU', 'GPUs per node', 'Driver', 'CUDA · PyTorch · Transformers', 'Runs', 'Models'];
    return el(doc, 'div', { 'class': 'table-wrap' }, [el(doc, 'table', { 'class': 'diff-env', id: 'environments' }, [
      el(doc, 'caption', {}, ['The two snapshots and the environments they were measured on.']),
      el(doc, 'thead', {}, [el(doc, 'tr', {}, heads.map(function (h) { return el(doc, 'th', { scope: 'col' }, [h]); }))]),
      el(doc, 'tbody', {}, rows)])]);
  }

  // render shows diff d in container out.
  function render(doc, out, d, info) {
    var parts = [];
    var pair = info.pairs[d.old.id + '--' + d.new.id];
    parts.push(el(doc, 'h2', { id: 'result' }, ['Changes from ' + d.old.id + ' to ' + d.new.id]));
    parts.push(el(doc, 'p', {}, ['The same comparison as ', el(doc, 'code', {}, ['lineup diff -threshold ' + formatG(d.threshold * 100) + ' -alpha ' + formatG(d.alpha) + ' ' + d.old.id + ' ' + d.new.id]), '.',
      pair ? ' This pair also has its own page: ' : '', pair ? el(doc, 'a', { href: pair }, ['changes from ' + d.old.id + ' to ' + d.new.id]) : '', pair ? '.' : '']));
    parts.push(envTable(doc, d));
    if (d.common_workload) {
      var keys = sortStrings(Object.keys(d.common_workload));
      parts.push(el(doc, 'p', {}, ['Workload of every run in both snapshots: ', el(doc, 'code', {}, [keys.map(function (k) { return k + '=' + d.common_workload[k]; }).join(' ')]), '.']));
    }
    if (d.warnings.length) {
      parts.push(el(doc, 'h3', {}, ['Comparability warnings']));
      parts.push(el(doc, 'ul', { 'class': 'diff-warnings', id: 'compare-warnings' }, d.warnings.map(function (w) {
        return el(doc, 'li', { 'class': 'warning warn-' + w.kind }, [el(doc, 'span', { 'class': 'warn-kind' }, [w.kind === 'differs' ? '⚠ differs:' : '? not stated:']), ' ' + w.message]);
      })));
    } else {
      parts.push(el(doc, 'p', {}, ['No comparability warnings: both snapshots state the same GPU, GPUs per node, driver and dataset/prompt settings.']));
    }
    parts.push(el(doc, 'p', {}, ['A change of output TPS/GPU under ' + formatG(d.threshold * 100) + '% is within noise; where a configuration was run more than once, a Mann-Whitney U test over the runs must also give p < ' + formatG(d.alpha) + '.']));
    function hrefOf(model) {
      return (info.byID[d.new.id] && info.byID[d.new.id].models[model]) || (info.byID[d.old.id] && info.byID[d.old.id].models[model]) || '';
    }
    parts.push(el(doc, 'h3', {}, ['Models: best configuration in each snapshot']));
    parts.push(viewTable(doc, 'compare-models', "Each model's best configuration in the old and the new snapshot.", d.models, d.model_summary, hrefOf));
    parts.push(el(doc, 'h3', {}, ['Configurations: runs joined on model and configuration']));
    parts.push(viewTable(doc, 'compare-configs', 'Every configuration of the two snapshots, joined on model and configuration.', d.configs, d.config_summary, hrefOf));
    parts.push(el(doc, 'p', { 'class': 'note' }, ['Settings: ', el(doc, 'code', {}, [FIELD_LEGEND]), '.']));
    while (out.firstChild) out.removeChild(out.firstChild);
    parts.forEach(function (p) { out.appendChild(p); });
  }

  // initPage wires the compare form: pick two snapshots, fetch their JSON
  // (relative URLs, so the page works under any base path and offline on
  // `lineup serve`), compare and show. The choice is kept in the URL.
  function initPage(doc, win) {
    function start() {
      var dataEl = doc.getElementById('compare-data');
      var form = doc.getElementById('compare-form');
      var status = doc.getElementById('compare-status');
      var out = doc.getElementById('compare-result');
      if (!dataEl || !form || !status || !out) return;
      var info = JSON.parse(dataEl.textContent);
      info.byID = {};
      info.snapshots.forEach(function (s) { info.byID[s.id] = s; });
      var cache = {};
      var seq = 0;

      function say(text, cls) {
        status.textContent = text;
        status.className = 'compare-status' + (cls ? ' ' + cls : '');
      }

      function load(id) {
        if (!cache[id]) {
          cache[id] = win.fetch(info.byID[id].data).then(function (r) {
            if (!r.ok) throw new Error(info.byID[id].data + ': HTTP ' + r.status);
            return r.json();
          });
          cache[id].catch(function () { delete cache[id]; });
        }
        return cache[id];
      }

      function run() {
        var f = form.elements;
        var oldID = f.old.value, newID = f['new'].value;
        var pct = parseFloat(f.threshold.value), alpha = parseFloat(f.alpha.value);
        if (!info.byID[oldID] || !info.byID[newID]) { say('Pick two snapshots.', 'warning'); return; }
        if (!(pct >= 0) || !isFinite(pct)) { say('The threshold must be a percentage of at least 0.', 'warning'); return; }
        if (!(alpha > 0 && alpha <= 1)) { say('The significance level must be in (0, 1].', 'warning'); return; }
        var p = new URLSearchParams({ old: oldID, 'new': newID });
        if (pct !== info.threshold * 100) p.set('threshold', String(pct));
        if (alpha !== info.alpha) p.set('alpha', String(alpha));
        win.history.replaceState(null, '', '?' + p.toString() + win.location.hash);
        var my = ++seq;
        say('Loading ' + oldID + ' and ' + newID + '…');
        Promise.all([load(oldID), load(newID)]).then(function (snaps) {
          if (my !== seq) return;
          var d = compare(snaps[0], snaps[1], { threshold: pct / 100, alpha: alpha });
          render(doc, out, d, info);
          out.setAttribute('data-old', oldID);
          out.setAttribute('data-new', newID);
          var same = oldID === newID ? ' (the same snapshot on both sides)' : '';
          say('Compared ' + oldID + ' with ' + newID + same + ': ' + d.configs.length + ' configuration rows, ' + d.models.length + ' models.');
        }).catch(function (err) {
          if (my !== seq) return;
          while (out.firstChild) out.removeChild(out.firstChild);
          var local = win.location.protocol === 'file:';
          say((local ? 'This page was opened from the file system, where browsers do not let a page read other files. Serve the site over HTTP (for example `lineup serve -dir public`) to compare here; the diff pages linked from the snapshots page work without it. '
            : 'The snapshot files could not be loaded. ') + '(' + err.message + ')', 'warning');
        });
      }

      var q = new URLSearchParams(win.location.search);
      var f = form.elements;
      if (q.has('old') && info.byID[q.get('old')]) f.old.value = q.get('old');
      if (q.has('new') && info.byID[q.get('new')]) f['new'].value = q.get('new');
      if (q.has('threshold')) f.threshold.value = q.get('threshold');
      if (q.has('alpha')) f.alpha.value = q.get('alpha');
      form.hidden = false;
      form.addEventListener('submit', function (e) { e.preventDefault(); run(); });
      form.addEventListener('change', run);
      var swap = doc.getElementById('compare-swap');
      if (swap) swap.addEventListener('click', function () {
        var t = f.old.value; f.old.value = f['new'].value; f['new'].value = t; run();
      });
      run();
    }
    if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', start);
    else start();
  }

  return {
    compare: compare, initPage: initPage,
    // Exposed for tests.
    mannWhitney: mannWhitney, erfc: erfc, formatG: formatG, fixed: fixed, cmpStr: cmpStr
  };
});

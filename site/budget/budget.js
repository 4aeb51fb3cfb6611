// budget.js: the arithmetic of `lineup budget`, for the budget page.
//
// It is a copy, operation for operation, of Compute, Plan.Validate and
// ParseTokens in site/budget (budget.go, tokens.go). Keep them in step: the
// Go test js_test.go runs this file with node over the same inputs as the Go
// tests and wants identical numbers, bit for bit, and identical error codes.
// Engines (the per-configuration inputs) come from Go as JSON (PageData); this
// file only does arithmetic, it decides nothing about the data.
//
// In a page it defines window.lineupBudget; under node, module.exports.
(function (root) {
  "use strict";

  var SECONDS_PER_HOUR = 3600; // snapshot.SecondsPerHour
  var ONE_BILLION = 1e9; // snapshot.OneBillion
  var MAX_REPLICAS = 1000000; // budget.MaxReplicas
  var MAX_GPUS = 10000000; // budget.MaxGPUs

  // A plain decimal with an optional exponent (2e9), or a decimal with a
  // K, M, B/G or T suffix (10B, 1.5T): tokensPattern in tokens.go.
  var TOKENS = /^(?:([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?|([0-9]+(?:\.[0-9]*)?|\.[0-9]+) ?([kKmMbBgGtT]))$/;
  var SUFFIX_EXPONENT = { k: "3", m: "6", b: "9", g: "9", t: "12" };

  // parseTokens reads a token target. It returns {tokens} or {error}.
  // The suffix becomes an exponent, so Number() rounds once, like Go's
  // strconv.ParseFloat: "0.1B" is exactly 1e8.
  function parseTokens(s) {
    var t = String(s).replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");
    var m = TOKENS.exec(t);
    if (m === null) {
      if (t.charAt(0) === "-") {
        return { error: "negative" };
      }
      return { error: "syntax" };
    }
    var digits = m[1] !== undefined ? m[1] : "";
    if (digits !== "" && m[2] !== undefined) {
      digits += "e" + m[2];
    }
    if (m[3] !== undefined) {
      digits = m[3] + "e" + SUFFIX_EXPONENT[m[4].toLowerCase()];
    }
    var v = Number(digits);
    if (v === Infinity) {
      return { error: "too_large" };
    }
    if (v < 1) {
      return { error: "too_small" };
    }
    return { tokens: v };
  }

  function isInt(v) {
    return typeof v === "number" && Math.floor(v) === v;
  }

  // validatePlan returns the name of the first bad field, or "" (Plan.Validate).
  // A plan has tokens and either hours (a deadline) or gpus (a GPU count).
  function validatePlan(p) {
    var hours = p.hours || 0, gpus = p.gpus || 0, gpn = p.gpus_per_node || 0, price = p.price_per_gpu_hour || 0;
    if (!isFinite(p.tokens) || !(p.tokens >= 1)) return "tokens";
    if (!isFinite(hours) || hours < 0) return "hours";
    if (!isInt(gpus) || gpus < 0 || gpus > MAX_GPUS) return "gpus";
    if (hours > 0 && gpus > 0) return "hours";
    if (hours === 0 && gpus === 0) return "hours";
    if (!isInt(gpn) || gpn < 0 || gpn > MAX_GPUS) return "gpus_per_node";
    var o = p.overhead_seconds;
    if (o !== undefined && o !== null && (!isFinite(o) || o < 0)) return "overhead";
    if (!isFinite(price) || price < 0) return "price";
    return "";
  }

  function ceilDiv(a, b) {
    return Math.floor((a + b - 1) / b);
  }

  // replicasThatFit: gpus GPUs come as full nodes of gpn GPUs plus one
  // partial node; no replica is split across nodes, and a replica that
  // spans nodes needs whole nodes of its own.
  function replicasThatFit(gpus, unit, gpn, nodesPerReplica, replicasPerNode) {
    var fullNodes = Math.floor(gpus / gpn), rest = gpus % gpn;
    if (replicasPerNode === 0) {
      return Math.floor(fullNodes / nodesPerReplica);
    }
    return fullNodes * replicasPerNode + Math.floor(rest / unit);
  }

  // compute sizes engine e (an entry of PageData.engines) for plan p
  // (Compute). It returns a row with the keys of `lineup budget -format json`;
  // when the engine cannot meet the plan, error_code is set and the fields
  // from replicas on are 0.
  function compute(e, p) {
    var bad = validatePlan(p);
    if (bad !== "") {
      return { invalid_field: bad };
    }
    var gpn = p.gpus_per_node > 0 ? p.gpus_per_node : e.gpus_per_node;
    var overhead = e.overhead_seconds, measured = e.overhead_measured;
    if (p.overhead_seconds !== undefined && p.overhead_seconds !== null) {
      overhead = p.overhead_seconds;
      measured = false;
    }
    var unit = e.tp * e.pp * e.dp; // GPUs per replica
    var engineTPS = e.output_tps_per_gpu * unit; // output tokens/s of one replica
    var row = {
      model: e.model, run: e.run || "", config: e.config, tp: e.tp, pp: e.pp, dp: e.dp,
      output_tps_per_gpu: e.output_tps_per_gpu,
      engine_tps: engineTPS,
      gpus_per_replica: unit,
      gpus_per_node: gpn,
      nodes_per_replica: 1,
      replicas_per_node: 0,
      overhead_seconds: overhead,
      overhead_measured: measured,
      // The seed's continuous GPUs for 1B tokens/hour, and the same in whole replicas.
      gpus_for_1b_tokens_per_hour: ONE_BILLION / (e.output_tps_per_gpu * SECONDS_PER_HOUR),
      gpus_for_1b_tokens_per_hour_whole: Math.ceil(ONE_BILLION / (engineTPS * SECONDS_PER_HOUR)) * unit,
      replicas: 0, gpus: 0, nodes: 0, wall_hours: 0, billed_hours: 0, gpu_hours: 0, cost: null
    };
    if (unit > gpn) {
      row.nodes_per_replica = ceilDiv(unit, gpn); // a replica spans whole nodes
    } else {
      row.replicas_per_node = Math.floor(gpn / unit); // replicas never split across nodes
    }

    if (p.hours > 0) {
      // Deadline: replicas = ceil(target / (engine TPS x usable seconds)).
      var usable = p.hours * SECONDS_PER_HOUR - overhead;
      if (usable <= 0) {
        row.error_code = "deadline_too_short";
        return row;
      }
      var r = Math.max(Math.ceil(p.tokens / (engineTPS * usable)), 1);
      if (r > MAX_REPLICAS) {
        row.error_code = "too_many_replicas";
        return row;
      }
      row.replicas = r;
    } else {
      // GPU count: the replicas that fit.
      row.replicas = replicasThatFit(p.gpus, unit, gpn, row.nodes_per_replica, row.replicas_per_node);
      if (row.replicas === 0) {
        row.error_code = "does_not_fit";
        return row;
      }
    }
    row.gpus = row.replicas * unit;
    row.nodes = row.replicas_per_node === 0 ? row.replicas * row.nodes_per_replica : ceilDiv(row.replicas, row.replicas_per_node);
    // Replicas start together: the overhead is paid once in wall time.
    var wallSeconds = p.tokens / (row.replicas * engineTPS) + overhead;
    row.wall_hours = wallSeconds / SECONDS_PER_HOUR;
    row.billed_hours = p.whole_hours ? Math.ceil(row.wall_hours) : row.wall_hours;
    row.gpu_hours = row.gpus * row.billed_hours; // whole replicas reserved
    if (p.price_per_gpu_hour > 0) {
      row.cost = row.gpu_hours * p.price_per_gpu_hour;
    }
    return row;
  }

  function compare(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  // sortRows orders rows in place as Sort does: rows that meet the plan
  // first, by GPU-hours ("cost": the same order at any price) or by GPUs
  // then GPU-hours ("gpus"), then by model, config and run; rows with an
  // error_code last, in their order. Array.prototype.sort is stable.
  function sortRows(rows, by) {
    var key = by === "gpus"
      ? function (a, b) { return compare(a.gpus, b.gpus) || compare(a.gpu_hours, b.gpu_hours); }
      : function (a, b) { return compare(a.gpu_hours, b.gpu_hours); };
    return rows.sort(function (a, b) {
      var ea = a.error_code ? 1 : 0, eb = b.error_code ? 1 : 0;
      if (ea !== eb) return ea - eb;
      if (ea) return 0;
      return key(a, b) || compare(a.model, b.model) || compare(a.config, b.config) || compare(a.run, b.run);
    });
  }

  var api = { parseTokens: parseTokens, validatePlan: validatePlan, compute: compute, sortRows: sortRows };
  if (typeof module !== "undefined" && module.exports) {
    module.exports = api;
  } else {
    root.lineupBudget = api;
  }
})(this);

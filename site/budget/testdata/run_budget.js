// run_budget.js runs budget.js (its path is the first argument) over the
// inputs js_test.go writes to stdin, {"tokens": [string], "cases":
// [{"engine", "plan"}], "reports": [{"engines", "plan", "sort"}]}, and prints
// {"tokens": [parseTokens(...)], "rows": [compute(engine, plan)], "reports":
// [[model of each sorted row]]} for the test to compare with Go's answers.
"use strict";
const fs = require("fs");
const budget = require(process.argv[2]);
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const out = {
  tokens: input.tokens.map((s) => budget.parseTokens(s)),
  rows: input.cases.map((c) => budget.compute(c.engine, c.plan)),
  reports: input.reports.map((r) =>
    budget.sortRows(r.engines.map((e) => budget.compute(e, r.plan)), r.sort).map((row) => row.model + " " + row.config)),
};
process.stdout.write(JSON.stringify(out));

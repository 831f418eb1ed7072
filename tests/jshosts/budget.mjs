// The module's budget on the JS runtime running this script (Node, Deno or
// Bun), for tests/jshosts/bench.mjs, which starts it in a fresh process per
// run. Prints one JSON line:
//   {"runtime", "cold": ms from the module's bytes to the first decision
//    (compile, instantiate, _initialize, configure, one check), "coldCpu":
//    the process's CPU ms over the same span,
//    "EdDSA"/"ES256": {"cold": ms per check of a new token, "cached": ms per
//    check of a token seen before, "coldCpu"/"cachedCpu": CPU ms per check}}
// Usage: <runtime> tests/jshosts/budget.mjs FIXTURES.json
//   (FIXTURES.json: {"config", "requests": {"EdDSA": [...], "ES256": [...]}}
//   from tests/workerd/bench.mjs's fixtures())
import { readFileSync } from "node:fs";

import { EdgeAuth } from "../../edgeauth/js/edgeauth.mjs";
import { modulePath } from "../node/module.mjs";
import { benchNode } from "../workerd/bench.mjs";
import { runtime } from "./runtime.mjs";

const fx = JSON.parse(readFileSync(process.argv[process.argv.length - 1], "utf8"));
const bytes = readFileSync(modulePath());

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const t = performance.now();
const c = cpu();
const auth = await EdgeAuth.create(await WebAssembly.compile(bytes));
if (!auth.configure(fx.config).ok || !auth.authorize(fx.requests.EdDSA[0]).allow) {
  throw new Error(`${runtime}: the first request was not allowed`);
}
const cold = performance.now() - t;
const coldCpu = cpu() - c;

const { EdDSA, ES256 } = await benchNode(bytes, fx);
console.log(JSON.stringify({ runtime, cold, coldCpu, EdDSA, ES256 }));

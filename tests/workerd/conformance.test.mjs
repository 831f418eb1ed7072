// The conformance corpus under workerd: the module runs inside a Worker
// (conformance-worker.mjs) on a workerd started for this test, and each
// vector's config and request are sent to it over loopback HTTP, byte for
// byte. Decisions are recorded to build/conformance/workerd.json.
// Run: node --test tests/workerd/
import { after, before, test } from "node:test";

import { modulePath } from "../node/module.mjs";
import { runAndRecord } from "../node/record.mjs";
import { startConformanceWorker } from "./conformance-server.mjs";

let server;
before(async () => {
  server = await startConformanceWorker(modulePath());
});
after(() => server?.stop());

function engine(name) {
  const call = async (path, body) => {
    const res = await fetch(`${server.url}${path}?i=${name}`, { method: "POST", body, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`workerd ${path}: ${res.status} ${text}`);
    return text;
  };
  return {
    configure: async (text) => JSON.parse(await call("/configure", text)),
    authorize: (text) => call("/authorize", text),
    reset: () => call("/new", ""),
  };
}

test("conformance under workerd", async (t) => {
  const main = engine("main");
  const fresh = async () => {
    const e = engine("fresh");
    await e.reset();
    return e;
  };
  const { passed, total } = await runAndRecord(t, "workerd", { main, fresh });
  if (passed !== total) throw new Error(`${total - passed} of ${total} vectors failed`);
});

// The conformance worker: the edgeauth module behind a tiny HTTP API, so the
// runner can put each vector to the module as workerd runs it.
// Every path takes ?i=NAME to pick one of several instances (default "main"),
// so a runner can keep a configured instance beside a never-configured one.
//   POST /new         discards the instance (the next call starts afresh)
//   POST /configure   body = Config JSON    -> {ok, error}
//   POST /update      body = Update JSON    -> {ok, error, unsupported}
//   POST /authorize   body = Request JSON   -> the Decision JSON, byte for byte
//   POST /bench?repeat=K  body = a JSON array of Request JSON texts -> runs
//                     authorize on each, K times over; answers how many were
//                     allowed. The runner times the round trip against K=0
//                     (timers are frozen inside a Worker, so it cannot time
//                     itself).
// A module failure answers 500 with the error. The instance is created
// inside a request: workerd forbids random bytes at global scope.
import wasm from "build/edgeauth.wasm";

import { EdgeAuth } from "edgeauth/js/edgeauth.mjs";

const instances = new Map();

export default {
  async fetch(request) {
    const url = new URL(request.url);
    try {
      const name = url.searchParams.get("i") ?? "main";
      if (url.pathname === "/new") {
        instances.delete(name);
        return new Response("{}");
      }
      const started = !instances.has(name);
      if (started) instances.set(name, await EdgeAuth.create(wasm));
      const auth = instances.get(name);
      const body = await request.text();
      const headers = { "content-type": "application/json", "x-instance-started": String(started) };
      switch (url.pathname) {
        case "/configure":
          return new Response(JSON.stringify(auth.configure(body)), { headers: { ...headers, "x-memory-bytes": String(auth.memoryBytes) } });
        case "/update":
          return new Response(JSON.stringify(auth.update(body)), { headers: { ...headers, "x-memory-bytes": String(auth.memoryBytes) } });
        case "/authorize":
          return new Response(auth.authorizeJSON(body), { headers });
        case "/bench": {
          const repeat = Number(url.searchParams.get("repeat") ?? "1");
          const requests = JSON.parse(body);
          let allowed = 0;
          for (let r = 0; r < repeat; r++) for (const req of requests) if (auth.authorize(req).allow) allowed++;
          return new Response(JSON.stringify({ n: repeat * requests.length, allowed }), { headers });
        }
        default:
          return new Response("not found", { status: 404 });
      }
    } catch (err) {
      return new Response(String(err?.message ?? err), { status: 500 });
    }
  },
};

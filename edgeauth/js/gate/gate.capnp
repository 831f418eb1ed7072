# A local workerd run of the gate, in front of an origin on this machine:
#
#   make wasm
#   EDGEAUTH_ORIGIN=http://127.0.0.1:3000 EDGEAUTH_CONFIG_TOKEN=<the origin's EDGE_CONFIG_TOKEN> \
#     tests/js/node_modules/.bin/workerd serve edgeauth/js/gate/gate.capnp
#
# then send requests to http://127.0.0.1:8787. Module names mirror the repo's
# paths, so worker.mjs's relative import of ../../../build/edgeauth.wasm works
# unchanged here and under wrangler. Settings come from the environment
# (EDGEAUTH_ORIGIN, EDGEAUTH_CONFIG_TTL_SECONDS, EDGEAUTH_KID_REFRESH_COOLDOWN_SECONDS,
# EDGEAUTH_CONFIG_RETRY_SECONDS, and the secret EDGEAUTH_CONFIG_TOKEN, which the
# Worker sees as EDGE_CONFIG_TOKEN); override the listening address with
# `--socket-addr http=127.0.0.1:PORT`. The client's address is the socket's
# peer (CLIENT_IP_SOURCE "socket"): the http socket must not set a
# cfBlobHeader, or a client could name its own.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "gate", worker = .gate),
    # fetch() may reach loopback only: the origin runs on this machine.
    (name = "loopback", network = (allow = ["127.0.0.0/8"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "gate")],
);

const gate :Workerd.Worker = (
  modules = [
    (name = "edgeauth/js/gate/worker.mjs", esModule = embed "worker.mjs"),
    (name = "edgeauth/js/gate/gate.mjs", esModule = embed "gate.mjs"),
    (name = "edgeauth/js/gate/config-source.mjs", esModule = embed "config-source.mjs"),
    (name = "edgeauth/js/edgeauth.mjs", esModule = embed "../edgeauth.mjs"),
    (name = "edgeauth/js/wasi.mjs", esModule = embed "../wasi.mjs"),
    (name = "build/edgeauth.wasm", wasm = embed "../../../build/edgeauth.wasm"),
  ],
  compatibilityDate = "2025-09-01",
  globalOutbound = "loopback",
  bindings = [
    (name = "ORIGIN", fromEnvironment = "EDGEAUTH_ORIGIN"),
    (name = "CONFIG_TTL_SECONDS", fromEnvironment = "EDGEAUTH_CONFIG_TTL_SECONDS"),
    (name = "KID_REFRESH_COOLDOWN_SECONDS", fromEnvironment = "EDGEAUTH_KID_REFRESH_COOLDOWN_SECONDS"),
    (name = "CONFIG_RETRY_SECONDS", fromEnvironment = "EDGEAUTH_CONFIG_RETRY_SECONDS"),
    (name = "EDGE_CONFIG_TOKEN", fromEnvironment = "EDGEAUTH_CONFIG_TOKEN"),
    (name = "CLIENT_IP_SOURCE", text = "socket"),
  ],
);

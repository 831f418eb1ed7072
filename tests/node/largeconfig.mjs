// A Config with many revocation entries, half jti and half sid, named like
// the origin names them, with Ed25519 tokens to check it by: shared by the
// Node and workerd tests that configure a module at 100,000 entries.
import { generateKeyPairSync, sign } from "node:crypto";

const b64 = (b) => Buffer.from(b).toString("base64url");

/**
 * @param {number} n revocation entries (n/2 jti, the rest sid)
 * @returns {{config: string, token: (claims: object) => string, jti: (i: number) => string, sid: (i: number) => string, now: number}}
 */
export function largeConfig(n) {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const now = Math.floor(Date.now() / 1000);
  const exp = now + 3600;
  const jti = (i) => `j${String(i).padStart(21, "0")}`;
  const sid = (i) => `s${String(i).padStart(21, "0")}`;
  const revoked = [];
  for (let i = 0; i < n / 2; i++) revoked.push(`{"jti":"${jti(i)}","exp":${exp}}`);
  const sessions = [];
  for (let i = 0; i < n - n / 2; i++) sessions.push(`{"sid":"${sid(i)}","exp":${exp}}`);
  const jwk = { ...publicKey.export({ format: "jwk" }), kid: "ed", alg: "EdDSA" };
  const config =
    `{"issuer":"https://issuer.test","audiences":["todos"],"realm":"todos","keys":{"keys":[${JSON.stringify(jwk)}]},` +
    `"revoked":[${revoked.join(",")}],"revoked_sessions":[${sessions.join(",")}]}`;
  const token = (claims) => {
    const input = `${b64(JSON.stringify({ alg: "EdDSA", kid: "ed", typ: "at+jwt" }))}.${b64(
      JSON.stringify({ iss: "https://issuer.test", aud: "todos", sub: "users/1", iat: now - 10, exp: now + 600, jti: "jti-ok", ...claims }),
    )}`;
    return `${input}.${b64(sign(null, Buffer.from(input), privateKey))}`;
  };
  return { config, token, jti, sid, now };
}

/** The Request for GET /users/1/todos with token. */
export function requestWith(token) {
  return JSON.stringify({ method: "GET", path: "/users/1/todos", headers: { authorization: [`Bearer ${token}`] } });
}

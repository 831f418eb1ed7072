// Verifies an origin token with jose, an independent JWT library, against
// the origin's live JWKS. Used by tests/e2e/jose_test.go.
//
//   node verify-jose.mjs <jwks-url> <issuer> <audience>   (token on stdin)
//
// Exit 0 and one JSON line {header, payload} on stdout when the token
// verifies; exit 1 and the reason on stderr when it does not. The checks are
// strict: the issuer, the audience, typ "at+jwt", the asymmetric algorithms
// the origin publishes, and the presence of every claim the origin issues.
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { readFileSync } from 'node:fs';

const [jwksUrl, issuer, audience] = process.argv.slice(2);
if (!jwksUrl || !issuer || !audience) {
  console.error('usage: node verify-jose.mjs <jwks-url> <issuer> <audience> < token');
  process.exit(2);
}
const token = readFileSync(0, 'utf8').trim();

try {
  const jwks = createRemoteJWKSet(new URL(jwksUrl));
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer,
    audience,
    typ: 'at+jwt',
    algorithms: ['EdDSA', 'ES256'],
    requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'scope'],
  });
  console.log(JSON.stringify({ header: protectedHeader, payload }));
} catch (err) {
  console.error(`${err.code ?? err.name}: ${err.message}`);
  process.exit(1);
}

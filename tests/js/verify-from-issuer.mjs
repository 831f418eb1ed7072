// Verifies an origin token with jose starting from the issuer URL alone, as
// a resource server or gateway configured by discovery would: the issuer's
// RFC 8414 metadata (/.well-known/oauth-authorization-server) gives the
// jwks_uri and the algorithms, and the token is verified against them.
// Used by tests/e2e/jose_test.go.
//
//   node verify-from-issuer.mjs <issuer-url> <audience>   (token on stdin)
//
// The audience is the verifier's own identity, which no discovery document
// can tell it. Exit 0 and one JSON line {jwks_uri, header, payload} on
// stdout when the token verifies; exit 1 and "CODE: reason" on stderr when
// it does not (METADATA_* codes for a bad metadata document, jose's codes
// otherwise).
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { readFileSync } from 'node:fs';

const [issuer, audience] = process.argv.slice(2);
if (!issuer || !audience) {
  console.error('usage: node verify-from-issuer.mjs <issuer-url> <audience> < token');
  process.exit(2);
}
const token = readFileSync(0, 'utf8').trim();

class MetadataError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

async function metadata(issuerURL) {
  // RFC 8414 section 3: the well-known suffix goes between host and path.
  const u = new URL(issuerURL);
  const path = u.pathname === '/' ? '' : u.pathname;
  const url = new URL(`/.well-known/oauth-authorization-server${path}`, u.origin);
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: 'error' });
  if (res.status !== 200) throw new MetadataError('METADATA_STATUS', `${url} answered ${res.status}`);
  if (!(res.headers.get('content-type') ?? '').startsWith('application/json')) {
    throw new MetadataError('METADATA_TYPE', `${url} is not application/json`);
  }
  const meta = await res.json();
  // RFC 8414 section 3.3: the issuer inside must be the one asked about,
  // or the document could send the verifier to someone else's keys.
  if (meta.issuer !== issuerURL) throw new MetadataError('METADATA_ISSUER', `metadata issuer ${meta.issuer} is not ${issuerURL}`);
  if (typeof meta.jwks_uri !== 'string' || !meta.jwks_uri.startsWith(`${u.origin}/`)) {
    throw new MetadataError('METADATA_JWKS_URI', `jwks_uri ${meta.jwks_uri} is not on the issuer's origin`);
  }
  return meta;
}

try {
  const meta = await metadata(issuer);
  const jwks = createRemoteJWKSet(new URL(meta.jwks_uri));
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer: meta.issuer,
    audience,
    typ: 'at+jwt',
    algorithms: meta.access_token_signing_alg_values_supported,
    requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'scope'],
  });
  console.log(JSON.stringify({ jwks_uri: meta.jwks_uri, header: protectedHeader, payload }));
} catch (err) {
  console.error(`${err.code ?? err.name}: ${err.message}`);
  process.exit(1);
}

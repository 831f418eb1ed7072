// A small replica of the seed's stack (the "Crafting Node APIs" series:
// Restify, a JWT checked on every request with the key looked up by the
// token, SQLite), serving the one request that tests/cmd/benchreport
// measures: an authenticated GET /users/:id/todos returning 10 todos as
// JSON. It exists so that "the origin is N× the seed's stack" is measured
// side by side in one run instead of remembered.
//
// Configuration (environment):
//   DB_PATH     SQLite file (required); the schema is created and 1 user with
//               TODOS todos is seeded if the file has no user yet.
//   TODOS       how many todos to seed, 10 by default (the benchmark's list).
//   PORT        TCP port on HOST; 0 (the default) picks a free one.
//   HOST        listen address, 127.0.0.1 by default.
//   JWT_SECRET  the HS256 secret of the token minted at start-up; random
//               (32 bytes) when unset.
//
// Once listening it prints one JSON line on stdout:
//   {"port":N,"user_id":1,"path":"/users/1/todos","token":"<HS256 JWT>"}
// and it stops cleanly on SIGTERM or SIGINT.
import { createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import process from 'node:process';

import Database from 'better-sqlite3';
import jwt from 'jsonwebtoken';
import restify from 'restify';

const ISSUER = 'http://127.0.0.1';

const dbPath = process.env.DB_PATH;
if (!dbPath) {
  console.error('seed: DB_PATH is required');
  process.exit(2);
}
const port = Number(process.env.PORT ?? '0');
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`seed: bad PORT ${JSON.stringify(process.env.PORT)}`);
  process.exit(2);
}
const host = process.env.HOST || '127.0.0.1';
const TODOS = Number(process.env.TODOS ?? '10');
if (!Number.isInteger(TODOS) || TODOS < 0 || TODOS > 10000) {
  console.error(`seed: bad TODOS ${JSON.stringify(process.env.TODOS)}`);
  process.exit(2);
}

const db = new Database(dbPath);
db.exec(`
  CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS todos (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    title TEXT NOT NULL,
    completed INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS todos_user ON todos(user_id, id);
  -- The seed's claim service keeps one signing key per issued token and
  -- finds it again from the token itself (its jti).
  CREATE TABLE IF NOT EXISTS claims (
    jti TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    secret BLOB NOT NULL
  );
`);

// Seed once: a file that already has a user is served as it is.
const seed = db.transaction(() => {
  if (db.prepare('SELECT count(*) AS n FROM users').get().n > 0) return;
  const now = new Date().toISOString();
  const { lastInsertRowid: uid } = db
    .prepare('INSERT INTO users (email, name) VALUES (?, ?)')
    .run('bench@example.com', 'Bench');
  const add = db.prepare(
    'INSERT INTO todos (user_id, title, completed, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
  );
  for (let i = 0; i < TODOS; i++) add.run(uid, `todo number ${i + 1}`, i % 3 === 0 ? 1 : 0, now, now);
});
seed();
const userId = db.prepare('SELECT id FROM users ORDER BY id LIMIT 1').get().id;

// Mint the load generator's token the way the seed's /authenticate does:
// a fresh key stored under a fresh jti.
const secret = process.env.JWT_SECRET ? Buffer.from(process.env.JWT_SECRET) : randomBytes(32);
const jti = randomUUID();
db.prepare('INSERT INTO claims (jti, user_id, secret) VALUES (?, ?, ?)').run(jti, userId, secret);
const token = jwt.sign({ scope: '' }, secret, {
  algorithm: 'HS256',
  issuer: ISSUER,
  subject: `users/${userId}`,
  jwtid: jti,
  expiresIn: '24h',
});

const keyByJti = db.prepare('SELECT secret FROM claims WHERE jti = ?').pluck();
const listTodos = db.prepare(
  'SELECT id, title, completed, created_at, updated_at FROM todos WHERE user_id = ? ORDER BY id',
);

// unauthorized answers as the seed does (RFC 7235 §3.1).
function unauthorized(res, next) {
  res.header('WWW-Authenticate', 'Bearer api-key');
  res.send(401, { error: 'unauthorized' });
  return next(false);
}

// authenticate is the seed's middleware and claim service in one: the
// bearer token is decoded (unverified) only to find its key, then fully
// verified with that key on every request. Anything unexpected is a 401.
//
// The key goes to jwt.verify as a KeyObject, made per request from the
// stored bytes: given a raw string or Buffer, jsonwebtoken 9 first tries
// createPublicKey on it and catches the failure, which profiling showed to
// be half of this server's CPU (about 1,500 instead of 4,200 req/s here).
// The seed predates that code (its sample token is from September 2016;
// jsonwebtoken before 9 had no such step); leaving it in would make the
// baseline slower than the seed was and flatter the origin.
function authenticate(req, res, next) {
  const h = req.header('Authorization') || '';
  if (!h.startsWith('Bearer ')) return unauthorized(res, next);
  const raw = h.slice(7);
  try {
    const unverified = jwt.decode(raw);
    const key = unverified && typeof unverified.jti === 'string' ? keyByJti.get(unverified.jti) : undefined;
    if (!key) return unauthorized(res, next);
    req.claims = jwt.verify(raw, createSecretKey(key), { algorithms: ['HS256'], issuer: ISSUER });
  } catch {
    return unauthorized(res, next);
  }
  return next();
}

const server = restify.createServer({ name: 'todos-seed' });
server.use(restify.plugins.acceptParser(server.acceptable));
server.use(restify.plugins.queryParser());
server.use(restify.plugins.bodyParser());
server.use(authenticate);

server.get('/users/:id/todos', (req, res, next) => {
  // Authorization: a token reads only its own subject's list.
  if (req.claims.sub !== `users/${req.params.id}`) {
    res.send(403, { error: 'forbidden' });
    return next(false);
  }
  const todos = listTodos.all(Number(req.params.id)).map((t) => ({
    id: t.id,
    title: t.title,
    completed: t.completed === 1,
    created_at: t.created_at,
    updated_at: t.updated_at,
  }));
  res.send(200, { todos });
  return next();
});

server.listen(port, host, () => {
  const { port: bound } = server.address();
  process.stdout.write(
    JSON.stringify({ port: bound, user_id: userId, path: `/users/${userId}/todos`, token }) + '\n',
  );
});

function stop() {
  server.close(() => {
    db.close();
    process.exit(0);
  });
  // Keep-alive connections would hold close() open: the load is over.
  server.server.closeAllConnections?.();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

// Package e2e holds the end-to-end tests of the origin: each test group
// starts the real `origin` binary (built once in TestMain; the
// self-contained test builds its own, with the module under test embedded)
// on a fresh SQLite database and a random port, with the real wasm auth
// step, and talks to it over real HTTP. See origin_test.go for the
// process harness and api_test.go onwards for what is covered.
//
// Run with `go test ./tests/e2e/` from the repository root after
// `npm ci --prefix tests/js` (the jose test needs Node and its lock file).
package e2e

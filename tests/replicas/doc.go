// Package replicas tests several origin processes serving one PostgreSQL
// database, as they would behind a load balancer: state made on one replica
// (users, todos, tokens, logouts, password changes, key rotations) must hold
// on every other one, within the propagation bound for what the auth step
// caches, and no write may be lost under concurrent load.
//
// The tests build the origin binary once, start a throwaway PostgreSQL
// cluster (origin/postgres/pgtest; TEST_DATABASE_URL to use another server)
// and run real processes on loopback ports. BenchmarkReplicas measures the
// throughput of one replica against three.
package replicas

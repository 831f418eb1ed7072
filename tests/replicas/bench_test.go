package replicas

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/craftingapis/todos/origin/postgres/pgtest"
)

// BenchmarkReplicas measures the API's throughput with one and with three
// replicas on one PostgreSQL (and one origin on SQLite as a baseline), under the same bounded load (16 concurrent
// clients spread round robin over the replicas), for a write (create a
// todo: the auth step, then one INSERT) and a read (the first page of 10
// todos). On one machine the replicas share its cores with PostgreSQL and
// the load generator, so this shows what replication costs or gains here,
// not what it gains across machines.
//
//	go test -run '^$' -bench BenchmarkReplicas -benchtime 3s ./tests/replicas
func BenchmarkReplicas(b *testing.B) {
	setups := []struct {
		name string
		db   func() string
		n    int
	}{
		{"sqlite", func() string { return "" }, 1}, // the single-origin default, as a baseline
		{"postgres", func() string { return pgtest.NewDatabase(b) }, 1},
		{"postgres", func() string { return pgtest.NewDatabase(b) }, 3},
	}
	for _, setup := range setups {
		n := setup.n
		c := startCluster(b, setup.db(), n)
		const users = 8
		type owner struct {
			u     user
			token string
		}
		owners := make([]owner, users)
		for i := range owners {
			r := c.replicas[i%n]
			u := r.register(b, fmt.Sprintf("Bench%d", i))
			owners[i] = owner{u, r.login(b, u)}
			for j := range 10 {
				r.must(b, http.StatusCreated, "POST", u.path("/todos"), owners[i].token, fmt.Sprintf(`{"title":"seed %d"}`, j), nil)
			}
		}
		ops := []struct {
			name   string
			method string
			path   func(o owner) string
			body   string
			want   int
		}{
			{"create", "POST", func(o owner) string { return o.u.path("/todos") }, `{"title":"a todo of ordinary length"}`, http.StatusCreated},
			{"list", "GET", func(o owner) string { return o.u.path("/todos?limit=10") }, "", http.StatusOK},
		}
		for _, op := range ops {
			b.Run(fmt.Sprintf("%s/replicas=%d/%s", setup.name, n, op.name), func(b *testing.B) {
				var next atomic.Uint64
				var failed atomic.Int64
				b.SetParallelism(8)
				start := time.Now()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						i := next.Add(1)
						o := owners[i%users]
						r := c.replicas[i%uint64(n)]
						status, _, err := r.do(op.method, op.path(o), o.token, op.body)
						if err != nil || status != op.want {
							failed.Add(1)
						}
					}
				})
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
				if f := failed.Load(); f > 0 {
					b.Fatalf("%d of %d requests failed", f, b.N)
				}
			})
		}
	}
}

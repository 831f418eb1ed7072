package httpapi

import "time"

// RequestObserver is told about every answered request, after the access
// log line is written; origin/metrics implements it for Prometheus.
//
// route is the matched route template ("/users/{id}/todos") or
// "(unmatched)", never the raw path, so that an observer can label by it
// without unbounded cardinality. method is the client's method as sent: an
// observer that labels by it must fold unknown methods into one value.
// ObserveRequest runs on the request's goroutine and must be fast and safe
// for concurrent use.
type RequestObserver interface {
	ObserveRequest(method, route string, status int, duration time.Duration)
}

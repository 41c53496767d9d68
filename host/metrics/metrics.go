// Package metrics counts the host's requests by operation and status and
// keeps a latency histogram per operation, twice over: as a JSON snapshot
// for system_information's `metrics` section, and as Prometheus metrics
// served at GET /metrics (Handler), together with the in-flight requests,
// 401s, each family's process (state, restarts, RSS, CPU), the jobs by
// state, and the host process's own Go and process metrics.
//
// Observing is a short critical section per request: a map lookup, two
// counter increments and a bucket index computed from the duration's
// logarithm for the snapshot, and client_golang's lock-free counter and
// histogram updates on series looked up once per operation and status.
// Family and job figures are read at scrape time.
package metrics

import (
	"math"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Histogram layout: bucket i holds durations up to firstBucket *
// bucketGrowth^i. 50 µs to about 2 minutes in 40 buckets of 45% growth
// keeps a quantile within half a bucket of the truth, which is all an
// operator reading p99 needs.
const (
	firstBucket  = 50 * time.Microsecond
	bucketGrowth = 1.45
	numBuckets   = 40
)

var bucketBounds = func() [numBuckets]time.Duration {
	var b [numBuckets]time.Duration
	v := float64(firstBucket)
	for i := range b {
		b[i] = time.Duration(v)
		v *= bucketGrowth
	}
	return b
}()

// Recorder accumulates observations. The zero value is not usable; use New.
type Recorder struct {
	mu    sync.Mutex
	ops   map[string]*opStats
	since time.Time
	prom  *promMetrics
}

type opStats struct {
	byStatus map[int]uint64
	// latency and requests are the operation's Prometheus series, looked
	// up (label values hashed) once, not on every request.
	latency  prometheus.Observer
	requests map[int]prometheus.Counter
	buckets  [numBuckets + 1]uint64
	count    uint64
	total    time.Duration
}

// New returns an empty recorder whose scrapes read src.
func New(src Sources) *Recorder {
	return &Recorder{ops: map[string]*opStats{}, since: time.Now(), prom: newProm(src)}
}

// Observe records one request. op must be a registered operation name (or
// one fixed placeholder), never a name a client made up: each name is a
// series.
func (r *Recorder) Observe(op string, status int, d time.Duration) {
	i := bucketIndex(d)
	r.mu.Lock()
	s := r.ops[op]
	if s == nil {
		s = &opStats{byStatus: map[int]uint64{}, requests: map[int]prometheus.Counter{},
			latency: r.prom.latency.WithLabelValues(op)}
		r.ops[op] = s
	}
	c := s.requests[status]
	if c == nil {
		c = r.prom.requests.WithLabelValues(op, strconv.Itoa(status))
		s.requests[status] = c
	}
	c.Inc()
	s.latency.Observe(d.Seconds())
	s.byStatus[status]++
	s.buckets[i]++
	s.count++
	s.total += d
	r.mu.Unlock()
}

func bucketIndex(d time.Duration) int {
	if d <= firstBucket {
		return 0
	}
	i := int(math.Ceil(math.Log(float64(d)/float64(firstBucket)) / math.Log(bucketGrowth)))
	return min(i, numBuckets)
}

// OpSnapshot is one operation's figures.
type OpSnapshot struct {
	Count    uint64            `json:"count"`
	ByStatus map[string]uint64 `json:"by_status"`
	MeanMs   float64           `json:"mean_ms"`
	P50Ms    float64           `json:"p50_ms"`
	P90Ms    float64           `json:"p90_ms"`
	P99Ms    float64           `json:"p99_ms"`
}

// Snapshot is what system_information shows.
type Snapshot struct {
	Since         time.Time             `json:"since"`
	TotalRequests uint64                `json:"total_requests"`
	Operations    map[string]OpSnapshot `json:"operations"`
}

// Snapshot copies the current figures.
func (r *Recorder) Snapshot() Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := Snapshot{Since: r.since, Operations: make(map[string]OpSnapshot, len(r.ops))}
	for name, s := range r.ops {
		o := OpSnapshot{Count: s.count, ByStatus: make(map[string]uint64, len(s.byStatus))}
		for code, n := range s.byStatus {
			o.ByStatus[strconv.Itoa(code)] = n
		}
		if s.count > 0 {
			o.MeanMs = ms(s.total / time.Duration(s.count))
			o.P50Ms = ms(quantile(&s.buckets, s.count, 0.50))
			o.P90Ms = ms(quantile(&s.buckets, s.count, 0.90))
			o.P99Ms = ms(quantile(&s.buckets, s.count, 0.99))
		}
		out.TotalRequests += s.count
		out.Operations[name] = o
	}
	return out
}

// Operations returns the observed operation names, sorted.
func (r *Recorder) Operations() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, 0, len(r.ops))
	for n := range r.ops {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// quantile returns the upper bound of the bucket holding the q-th
// observation.
func quantile(b *[numBuckets + 1]uint64, count uint64, q float64) time.Duration {
	rank := uint64(math.Ceil(q * float64(count)))
	var seen uint64
	for i, n := range b {
		seen += n
		if seen >= rank {
			if i >= numBuckets {
				return time.Duration(float64(bucketBounds[numBuckets-1]) * bucketGrowth)
			}
			return bucketBounds[i]
		}
	}
	return bucketBounds[numBuckets-1]
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

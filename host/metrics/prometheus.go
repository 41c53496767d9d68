package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/procfs"
)

// Latency buckets of hops_request_duration_seconds: 100 µs (a cached
// get_status) to 2 minutes (a large synchronous search), 18 buckets
// spaced evenly on a log scale.
const (
	latencyMin     = 100e-6
	latencyMax     = 120
	latencyBuckets = 18
)

// Family states, as the supervisor names them; each is a series of
// hops_family_state.
var familyStates = []string{"serving", "restarting", "failed"}

// Job states, as get_job shows them; each is a series of hops_jobs.
var jobStates = []string{"IN_PROGRESS", "COMPLETE", "ERROR"}

// Family is one family's process as the supervisor reports it.
type Family struct {
	// Name is the family's name.
	Name string
	// PID is its current process (0 while down).
	PID int
	// State is "serving", "restarting" or "failed".
	State string
	// Restarts counts restarts after crashes and rolls.
	Restarts int
}

// Sources are what a scrape reads from the rest of the host. Nil
// functions leave their metrics out.
type Sources struct {
	// Families lists every configured family's process.
	Families func() []Family
	// Jobs counts job records by state (IN_PROGRESS, COMPLETE, ERROR).
	Jobs func() (map[string]int, error)
}

// promMetrics are the Prometheus side of a Recorder.
type promMetrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	inFlight     prometheus.Gauge
	authFailures prometheus.Counter
}

func newProm(src Sources) *promMetrics {
	p := &promMetrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hops_requests_total",
			Help: "Operations API requests by operation and answered status (499: the client went away).",
		}, []string{"operation", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hops_request_duration_seconds",
			Help:    "Time from reading a request to the end of its answer, by operation.",
			Buckets: prometheus.ExponentialBucketsRange(latencyMin, latencyMax, latencyBuckets),
		}, []string{"operation"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hops_requests_in_flight",
			Help: "Operations API requests being served now.",
		}),
		authFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hops_auth_failures_total",
			Help: "Requests answered 401: no, unknown or wrong credentials, or an expired token.",
		}),
	}
	p.reg.MustRegister(p.requests, p.latency, p.inFlight, p.authFailures,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&sourceCollector{src: src})
	return p
}

// Handler serves the metrics in Prometheus' text format.
func (r *Recorder) Handler() http.Handler {
	return promhttp.HandlerFor(r.prom.reg, promhttp.HandlerOpts{})
}

// InFlight moves the in-flight gauge by delta (+1 when a request starts,
// -1 when it ends).
func (r *Recorder) InFlight(delta int) { r.prom.inFlight.Add(float64(delta)) }

// AuthFailed counts a request answered 401.
func (r *Recorder) AuthFailed() { r.prom.authFailures.Inc() }

// sourceCollector reads the families' processes and the job counts at
// scrape time.
type sourceCollector struct{ src Sources }

var (
	descFamilyUp = prometheus.NewDesc("hops_family_up",
		"1 when the family's process is serving, else 0.", []string{"family"}, nil)
	descFamilyState = prometheus.NewDesc("hops_family_state",
		"1 for the family's current state (serving, restarting, failed), 0 for the others.", []string{"family", "state"}, nil)
	descFamilyRestarts = prometheus.NewDesc("hops_family_restarts_total",
		"Restarts of the family's process after crashes and rolls.", []string{"family"}, nil)
	descFamilyRSS = prometheus.NewDesc("hops_family_resident_memory_bytes",
		"Resident memory of the family's current process.", []string{"family"}, nil)
	descFamilyCPU = prometheus.NewDesc("hops_family_cpu_seconds_total",
		"User and system CPU time of the family's current process.", []string{"family"}, nil)
	descJobs = prometheus.NewDesc("hops_jobs",
		"Job records by state.", []string{"state"}, nil)
	descScrapeError = prometheus.NewDesc("hops_metrics_source_errors",
		"1 when a source (jobs) could not be read in this scrape.", []string{"source"}, nil)
)

func (c *sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descFamilyUp, descFamilyState, descFamilyRestarts, descFamilyRSS, descFamilyCPU, descJobs, descScrapeError} {
		ch <- d
	}
}

func (c *sourceCollector) Collect(ch chan<- prometheus.Metric) {
	if c.src.Families != nil {
		fs, fsErr := procfs.NewDefaultFS() // an error off Linux: no RSS or CPU
		for _, f := range c.src.Families() {
			up := 0.0
			if f.State == "serving" {
				up = 1
			}
			ch <- prometheus.MustNewConstMetric(descFamilyUp, prometheus.GaugeValue, up, f.Name)
			for _, st := range familyStates {
				v := 0.0
				if st == f.State {
					v = 1
				}
				ch <- prometheus.MustNewConstMetric(descFamilyState, prometheus.GaugeValue, v, f.Name, st)
			}
			ch <- prometheus.MustNewConstMetric(descFamilyRestarts, prometheus.CounterValue, float64(f.Restarts), f.Name)
			if f.PID <= 0 || fsErr != nil {
				continue
			}
			if p, err := fs.Proc(f.PID); err == nil {
				if st, err := p.Stat(); err == nil {
					ch <- prometheus.MustNewConstMetric(descFamilyRSS, prometheus.GaugeValue, float64(st.ResidentMemory()), f.Name)
					ch <- prometheus.MustNewConstMetric(descFamilyCPU, prometheus.CounterValue, st.CPUTime(), f.Name)
				}
			}
		}
	}
	if c.src.Jobs != nil {
		counts, err := c.src.Jobs()
		failed := 0.0
		if err != nil {
			failed = 1
		} else {
			for _, st := range jobStates {
				ch <- prometheus.MustNewConstMetric(descJobs, prometheus.GaugeValue, float64(counts[st]), st)
			}
		}
		ch <- prometheus.MustNewConstMetric(descScrapeError, prometheus.GaugeValue, failed, "jobs")
	}
}

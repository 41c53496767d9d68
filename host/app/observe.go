package app

import (
	"github.com/hops-dev/hops/host/metrics"
	"github.com/hops-dev/hops/host/router"
)

// stateServing is the supervisor's state of a family whose process serves.
const stateServing = "serving"

// newMetrics builds the recorder whose scrapes read the families'
// processes and the job store.
func (in *instance) newMetrics() *metrics.Recorder {
	return metrics.New(metrics.Sources{Families: in.familyFigures, Jobs: in.jobCounts})
}

// familyFigures lists every configured family's process for /metrics.
func (in *instance) familyFigures() []metrics.Family {
	if in.sup == nil {
		return nil
	}
	procs := in.sup.Processes()
	out := make([]metrics.Family, 0, len(procs))
	for _, p := range procs {
		out = append(out, metrics.Family{Name: p.Name, PID: p.PID, State: p.State, Restarts: p.Restarts})
	}
	return out
}

// jobCounts counts the job records by state for /metrics.
func (in *instance) jobCounts() (map[string]int, error) {
	if in.jobs == nil {
		return nil, nil
	}
	counts, err := in.jobs.CountByStatus()
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(counts))
	for st, n := range counts {
		out[string(st)] = n
	}
	return out, nil
}

// notServing names, with its state, each configured family whose process
// is not serving (GET /ready); while the families' first starts run, one
// the supervisor has not taken up yet is "starting".
func (in *instance) notServing() map[string]string {
	if in.sup == nil {
		return nil
	}
	var out map[string]string
	add := func(name, state string) {
		if out == nil {
			out = map[string]string{}
		}
		out[name] = state
	}
	seen := map[string]bool{}
	for _, p := range in.sup.Processes() {
		seen[p.Name] = true
		if p.State != stateServing {
			add(p.Name, p.State)
		}
	}
	if !in.serving.Load() {
		for _, name := range in.familyNames {
			if !seen[name] {
				add(name, "starting")
			}
		}
	}
	return out
}

// openAPI describes the operations registered now (GET /openapi.json).
func (in *instance) openAPI() ([]byte, error) {
	return in.router.OpenAPI(router.OpenAPIInfo{Version: in.opts.Version})
}

package sdk

// Progress is the progress object of a job that can know its size: how
// many units are done and, once known, how many there are in all. Report
// it with Host.JobProgress; get_job shows it as
// {"done": n, "total": m, "unit": "records"}, and `hops op --wait` draws
// its bar (percentage and rate) from Done and Total. A job reports its
// final Progress before it finishes, so the last progress a client sees
// equals the job's final count.
type Progress struct {
	// Done is how many units are done so far.
	Done int64 `json:"done"`
	// Total is how many units the job has in all; 0 when not known (the
	// field is then left out).
	Total int64 `json:"total,omitempty"`
	// Unit names what is counted ("records", "rows"); empty is left out.
	Unit string `json:"unit,omitempty"`
}

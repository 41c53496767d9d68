package system

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/hops-dev/hops/builtin/system/sysinfo"
	"github.com/hops-dev/hops/sdk"
)

// Operations this family dispatches through the host client, and their
// request bodies.
const (
	// OpHostInformation is answered by the host itself with a
	// HostInformation.
	OpHostInformation = "host_information"
	// OpTableSizes is answered by the records family with []TableSize.
	OpTableSizes = "table_sizes"
)

var (
	hostInformationBody = []byte(`{"operation":"` + OpHostInformation + `"}`)
	tableSizesBody      = []byte(`{"operation":"` + OpTableSizes + `"}`)
)

// hostCallTimeout bounds each dispatched call: both answers are in-memory
// reads on the other side, so ten seconds means the peer is stuck, and a
// stuck records family must not hang system_information.
const hostCallTimeout = 10 * time.Second

// maxHostReply caps how much of a dispatched answer is read. A table-size
// entry is ~100 bytes, so 32 MiB is hundreds of thousands of tables; more
// than that is a misbehaving peer, not data.
const maxHostReply = 32 << 20

// HostInformation is the contract of the host-local `host_information`
// operation: the facts only the host process knows. The host answers
// {"operation":"host_information"} (super_user) with this object:
//
//	{"host_pid": 4242, "hops_version": "0.3.0",
//	 "plugins": [{"name": "records", "pid": 4250, "restarts": 0,
//	              "started_at": "2025-01-02T03:04:05Z", "state": "running"}],
//	 "metrics": {"requests": {...}, "latency": {...}},
//	 "threads": [...], "replication": [...]}
//
// Every field may be absent. started_at is RFC 3339, "" or absent when the
// family has no process right now (then pid is 0). metrics is an object
// whose entries are copied into the reply's metrics section as they are
// (the family adds "runtime", its own Go runtime, unless the host sent
// one); threads and replication are copied as they are ([] when absent).
type HostInformation struct {
	// HostPID is the host process id: harperdb_processes.core, the
	// process whose uptime and connections time and network report.
	HostPID int `json:"host_pid"`
	// HopsVersion is reported as system.hops_version.
	HopsVersion string `json:"hops_version"`
	// Plugins are the family processes, as the supervisor knows them.
	Plugins []PluginInfo `json:"plugins"`
	// Metrics are the host's metrics entries, keyed by name.
	Metrics map[string]json.RawMessage `json:"metrics"`
	// Threads is the threads section.
	Threads json.RawMessage `json:"threads"`
	// Replication is the replication section.
	Replication []json.RawMessage `json:"replication"`
	// ClusteringEnabled: the clustering family runs the node's NATS
	// server; its process is listed under harperdb_processes.clustering.
	ClusteringEnabled bool `json:"clustering_enabled"`
}

// PluginInfo is one family process in a HostInformation.
type PluginInfo struct {
	// Name is the family name.
	Name string `json:"name"`
	// PID is the process id, 0 while the family has no process.
	PID int `json:"pid"`
	// Restarts counts restarts since the host started.
	Restarts int `json:"restarts"`
	// StartedAt is when the process started (RFC 3339), "" if unknown.
	StartedAt string `json:"started_at"`
	// State is the supervisor's state of the family, e.g. "running".
	State string `json:"state"`
}

// TableSize is one element of the records family's answer to
// {"operation":"table_sizes"}: a JSON array of these, one per table.
type TableSize struct {
	// Database is the database (HarperDB's schema) name.
	Database string `json:"database"`
	// Table is the table name.
	Table string `json:"table"`
	// TableSize is the table's size on disk in bytes.
	TableSize int64 `json:"table_size"`
	// RecordCount is the number of records in the table.
	RecordCount int64 `json:"record_count"`
}

// clusteringFamily is the family that runs the node's NATS server.
const clusteringFamily = "clustering"

// needsHost lists the sections that read an Inputs field filled from
// HostInformation; cpu, memory, disk and table_size do not.
var needsHost = map[string]bool{
	sysinfo.SectionSystem:            true, // hops_version
	sysinfo.SectionTime:              true, // host uptime
	sysinfo.SectionNetwork:           true, // host connections
	sysinfo.SectionHarperDBProcesses: true,
	sysinfo.SectionMetrics:           true,
	sysinfo.SectionThreads:           true,
	sysinfo.SectionReplication:       true,
}

// dispatchJSON runs body through the host as caller and decodes a 2xx
// answer into v; any other answer is an error carrying the peer's
// message.
func dispatchJSON(ctx context.Context, host sdk.Host, caller sdk.Caller, body []byte, v any) error {
	if host == nil {
		return sdk.ErrNoHost
	}
	ctx, cancel := context.WithTimeout(ctx, hostCallTimeout)
	defer cancel()
	reply, err := host.Dispatch(ctx, caller, body)
	if err != nil {
		return err
	}
	if err := reply.Err(); err != nil {
		return err
	}
	defer reply.Body.Close()
	data, err := io.ReadAll(io.LimitReader(reply.Body, maxHostReply+1))
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if len(data) > maxHostReply {
		return fmt.Errorf("answer is larger than %d bytes", maxHostReply)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}

// inputs converts a HostInformation into sysinfo.Inputs. A started_at
// that does not parse is logged by the caller through bad and left zero
// (the collector then asks the OS).
func (h *HostInformation) inputs(bad func(name, value string, err error)) sysinfo.Inputs {
	in := sysinfo.Inputs{HostPID: h.HostPID, HopsVersion: h.HopsVersion}
	for _, p := range h.Plugins {
		pp := sysinfo.PluginProc{Name: p.Name, PID: p.PID, Restarts: p.Restarts, State: p.State}
		if p.StartedAt != "" {
			t, err := time.Parse(time.RFC3339, p.StartedAt)
			if err != nil {
				bad(p.Name, p.StartedAt, err)
			} else {
				pp.StartedAt = t
			}
		}
		in.Plugins = append(in.Plugins, pp)
	}
	if h.Metrics != nil {
		in.Metrics = make(map[string]any, len(h.Metrics))
		for k, v := range h.Metrics {
			in.Metrics[k] = v
		}
	}
	if len(h.Threads) > 0 && string(h.Threads) != "null" {
		in.Threads = h.Threads
	}
	if h.ClusteringEnabled {
		in.ClusteringFamily = clusteringFamily
	}
	if h.Replication != nil {
		in.Replication = make([]any, len(h.Replication))
		for i, r := range h.Replication {
			in.Replication[i] = r
		}
	}
	return in
}

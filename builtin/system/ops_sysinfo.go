package system

import (
	"context"
	"errors"
	"net/http"

	"github.com/hashicorp/go-hclog"

	"github.com/hops-dev/hops/builtin/system/sysinfo"
	"github.com/hops-dev/hops/sdk"
)

// MsgHostInformationFailed starts the 500 answered when the host does not
// answer host_information; the host's error follows it.
const MsgHostInformationFailed = "system_information could not read the host's facts (host_information)"

// systemInformation answers system_information: it parses `attributes`,
// fetches what the requested sections need from the host (host_information)
// and the records family (table_sizes, only for table_size) in parallel,
// then lets the collector build the reply.
func (f *Family) systemInformation(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	collector, _, log, err := f.state()
	if err != nil {
		return nil, err
	}
	fields := req.Fields()
	if err := fields.Err(); err != nil {
		return nil, err
	}
	attrs, _ := fields.Raw("attributes")
	sections, err := sysinfo.ParseAttributes(attrs)
	if err != nil {
		return nil, asBadRequest(err)
	}
	wantHost, wantTables := false, false
	for _, s := range sections {
		wantHost = wantHost || needsHost[s]
		wantTables = wantTables || s == sysinfo.SectionTableSize
	}
	log = log.With("request_id", req.ID)

	tables := make(chan []any, 1)
	if wantTables {
		go func() { tables <- fetchTableSizes(ctx, req, log) }()
	} else {
		tables <- nil
	}
	var in sysinfo.Inputs
	if wantHost {
		var hi HostInformation
		if err := dispatchJSON(ctx, req.Host, req.Caller, hostInformationBody, &hi); err != nil {
			<-tables // let the other call finish before answering
			log.Error("host_information failed", "error", err)
			// Not wrapped: a 4xx the host gave (say, an older host that
			// does not know the operation) is still our fault, a 500.
			return nil, sdk.Errorf(http.StatusInternalServerError, "%s: %v", MsgHostInformationFailed, err)
		}
		in = hi.inputs(func(name, value string, err error) {
			log.Warn("host sent a started_at that is not RFC 3339", "family", name, "started_at", value, "error", err)
		})
	}
	in.TableSizes = <-tables
	f.mu.RLock()
	in.HideDisk, in.HideNetwork = !f.sysInfo.Disk, !f.sysInfo.Network
	f.mu.RUnlock()

	info, err := collector.Collect(ctx, sections, in)
	if err != nil {
		return nil, asBadRequest(err)
	}
	return sdk.OK(info), nil
}

// fetchTableSizes asks the records family for its tables' sizes. Any
// failure (the family down, an unknown operation, a bad answer) is logged
// and answers an empty list: table sizes are a detail, not a reason to fail
// the whole call.
func fetchTableSizes(ctx context.Context, req *sdk.Request, log hclog.Logger) []any {
	var sizes []TableSize
	if err := dispatchJSON(ctx, req.Host, req.Caller, tableSizesBody, &sizes); err != nil {
		log.Warn("table sizes unavailable; answering table_size []", "operation", OpTableSizes, "error", err)
		return []any{}
	}
	out := make([]any, len(sizes))
	for i, s := range sizes {
		out[i] = s
	}
	return out
}

// asBadRequest turns a *sysinfo.BadInputError into a 400 with its message
// and passes any other error through.
func asBadRequest(err error) error {
	var bad *sysinfo.BadInputError
	if errors.As(err, &bad) {
		return sdk.BadRequest("%s", bad.Msg)
	}
	return err
}

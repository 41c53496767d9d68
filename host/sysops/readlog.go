package sysops

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hops-dev/hops/host/logging"
	"github.com/hops-dev/hops/sdk"
)

// read_log's messages, as HarperDB's validator words them.
const (
	msgReadLogDate    = "'%s' date '%s' is invalid."
	msgReadLogMin     = "'%s' must be greater than or equal to %d"
	msgLogNameInvalid = "'log_name' '%s' is invalid."
	msgLogNameMissing = "'log_name' '%s' does not exist."
	// msgReadLogReplicated refuses replicated: true, which HarperDB acts
	// on (the other nodes' entries too) and hops does not.
	msgReadLogReplicated = "'replicated' true is not supported by read_log: hops answers this node's log only; ask each node"
)

// HarperDB's log names. hdb.log is its main log, which hops' own log
// (logging.FileName) stands for; hops keeps no install or clustering log.
var harperLogNames = []string{"hdb.log", "install.log", "clustering_hub.log", "clustering_leaf.log"}

// readLog answers HarperDB's read_log over the host's log file
// (Options.LogFile), streamed: see logging.ReadLog.
func (o *Ops) readLog(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	q, err := readLogQuery(req.Fields())
	if err != nil {
		return nil, err
	}
	path := o.opts.LogFile
	return sdk.Streamed(sdk.ContentTypeJSON, func(w io.Writer) error {
		if path == "" {
			_, err := io.WriteString(w, "[]")
			return err
		}
		return logging.ReadLog(path, q, w)
	}), nil
}

// readLogQuery reads read_log's fields in the order HarperDB's validator
// checks them, so several failures are answered in its order.
func readLogQuery(f *sdk.Fields) (logging.ReadQuery, error) {
	var q logging.ReadQuery
	dates := map[string]time.Time{}
	for _, name := range []string{"from", "until", "to"} {
		raw, ok := f.Raw(name)
		if !ok {
			continue
		}
		s, isString := jsonText(raw)
		t, err := logging.ParseReadTime(s)
		if !isString || err != nil {
			f.Fail(msgReadLogDate, name, s)
			continue
		}
		dates[name] = t
	}
	q.From = dates["from"]
	// HarperDB reads until as to when to is absent.
	if t, ok := dates["to"]; ok {
		q.Until = t
	} else {
		q.Until = dates["until"]
	}
	q.Level = oneOf(f, "level", logging.ReadLevels)
	q.Desc = oneOf(f, "order", []string{"asc", "desc"}) == "desc"
	if n, ok := count(f, "limit", 1); ok {
		q.Limit = n
	}
	if n, ok := count(f, "start", 0); ok {
		q.Start = n
	}
	if raw, ok := f.Raw("log_name"); ok {
		s, isString := jsonText(raw)
		switch {
		case !isString || !validLogName(s):
			f.Fail(msgLogNameInvalid, s)
		case s != "hdb.log" && s != logging.FileName:
			f.Fail(msgLogNameMissing, s)
		}
	}
	if f.Present("filter") {
		q.Filter = f.String("filter")
	}
	if raw, ok := f.Raw("replicated"); ok && string(bytes.TrimSpace(raw)) == "true" {
		f.Fail(msgReadLogReplicated)
	}
	return q, f.Err()
}

func validLogName(s string) bool {
	if s == logging.FileName {
		return true
	}
	for _, n := range harperLogNames {
		if s == n {
			return true
		}
	}
	return false
}

// oneOf reads a field that must be one of values (a string), as Joi's
// valid() words it whatever the value's type; "" when absent or invalid.
func oneOf(f *sdk.Fields, name string, values []string) string {
	raw, ok := f.Raw(name)
	if !ok {
		return ""
	}
	s, isString := jsonText(raw)
	for _, v := range values {
		if isString && s == v {
			return s
		}
	}
	f.Fail(sdk.MsgFieldOneOf, name, strings.Join(values, ", "))
	return ""
}

// count reads a number of at least least, as Joi's number().min() does
// (a numeric string is converted); a fraction is rounded up, the count
// of entries it lets through.
func count(f *sdk.Fields, name string, least int) (int, bool) {
	raw, ok := f.Raw(name)
	if !ok {
		return 0, false
	}
	var x float64
	var err error
	if s, isString := jsonText(raw); isString {
		x, err = strconv.ParseFloat(strings.TrimSpace(s), 64)
		if strings.TrimSpace(s) == "" {
			err = strconv.ErrSyntax
		}
	} else if len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9') {
		err = json.Unmarshal(raw, &x)
	} else {
		err = strconv.ErrSyntax
	}
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		f.Fail(sdk.MsgFieldNumber, name)
		return 0, false
	}
	if x < float64(least) {
		f.Fail(msgReadLogMin, name, least)
		return 0, false
	}
	return int(min(math.Ceil(x), math.MaxInt32)), true
}

// jsonText is a field's value as JavaScript's String() prints it, and
// whether it is a string.
func jsonText(raw json.RawMessage) (string, bool) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw), false
	}
	switch x := v.(type) {
	case string:
		return x, true
	case nil:
		return "null", false
	case map[string]any:
		return "[object Object]", false
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			if e != nil {
				parts[i], _ = jsonText(mustJSON(e))
			}
		}
		return strings.Join(parts, ","), false
	}
	return string(raw), false
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

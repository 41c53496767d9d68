package export

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/hops-dev/hops/builtin/export/exporter"
	"github.com/hops-dev/hops/sdk"
)

// maxDescribeBytes bounds the describe_table answer read for the column
// list: a table's description is small (a few bytes per attribute), and a
// misbehaving answer must not be buffered without limit.
const maxDescribeBytes = 16 << 20

// allAttributes is get_attributes' "every attribute" marker.
const allAttributes = "*"

// openSearch is a search already answering: its rows are read by the job.
type openSearch struct {
	body io.ReadCloser
	rows *rowStream
	// columns is the export's column order when it is known before the
	// first row: an explicit get_attributes, or the table's primary key
	// then its other attributes sorted (exporter.Columns) for "*".
	columns []string
	// fromFirstRow is set for sql: the columns are the first record's
	// keys, in the order the records family wrote them.
	fromFirstRow bool
}

// close ends the search's stream.
func (s *openSearch) close() { _ = s.body.Close() }

// startSearch dispatches the search as the caller and checks its status
// before any job exists, so an unknown table (404), invalid SQL (400) or a
// missing permission (403) is answered at once; then it finds the column
// order. ctx bounds the search's stream: it must outlive the request. The
// answer's body is left open and unread for the job.
func startSearch(ctx context.Context, host sdk.Host, caller sdk.Caller, search exporter.SearchOperation) (*openSearch, error) {
	if search.Operation == exporter.SearchSQL {
		if err := checkSelect(search.SQL); err != nil {
			return nil, err
		}
	}
	reply, err := host.Dispatch(ctx, caller, search.Body)
	if err != nil {
		return nil, fmt.Errorf("dispatch %s: %w", search.Operation, err)
	}
	if err := reply.Err(); err != nil {
		return nil, err
	}
	s := &openSearch{body: reply.Body, rows: newRowStream(reply.Body)}
	if search.Operation == exporter.SearchSQL {
		s.fromFirstRow = true
		return s, nil
	}
	if s.columns, err = searchColumns(ctx, host, caller, search.Body); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// writeStatements are the first words of the statements the sql
// operation would run as writes; an export refuses them before dispatch.
// Anything else (SELECT, or text the parser will refuse with its own
// "Invalid SQL" 400) goes to the search as it is.
var writeStatements = []string{"insert", "update", "delete", "replace", "upsert"}

// checkSelect refuses a sql search that is a write, before it is
// dispatched: the sql operation would run an INSERT, UPDATE or DELETE as
// the caller, and an export must never change data. It looks at the first
// word after blanks, comments and opening parentheses of text, the search's
// sql as the sql operation reads it (exporter.SearchOperation.SQL: the
// exact key, the last duplicate). A missing or odd sql is "" here and the
// search's own 400.
func checkSelect(text string) error {
	rest := skipSQLPrefix(text)
	word := rest[:len(rest)-len(strings.TrimLeftFunc(rest, isSQLWordRune))]
	for _, w := range writeStatements {
		if strings.EqualFold(word, w) {
			return sdk.BadRequest(MsgSQLNotSelect)
		}
	}
	return nil
}

// skipSQLPrefix drops what may precede a statement's first keyword:
// white space, /* */ comments, -- and # line comments, and "(".
func skipSQLPrefix(s string) string {
	for {
		s = strings.TrimLeft(s, " \t\r\n\f(")
		switch {
		case strings.HasPrefix(s, "/*"):
			_, after, ok := strings.Cut(s[2:], "*/")
			if !ok {
				return ""
			}
			s = after
		case strings.HasPrefix(s, "--"), strings.HasPrefix(s, "#"):
			_, after, ok := strings.Cut(s, "\n")
			if !ok {
				return ""
			}
			s = after
		default:
			return s
		}
	}
}

// isSQLWordRune reports whether r may be part of a SQL keyword.
func isSQLWordRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_'
}

// searchColumns is the column order of a non-SQL search: its
// get_attributes when they are explicit (duplicates dropped, as the search
// drops them), else the table's primary key then every other attribute,
// sorted, from describe_table run as the caller.
func searchColumns(ctx context.Context, host sdk.Host, caller sdk.Caller, body json.RawMessage) ([]string, error) {
	// The search accepted the body; odd shapes mean "*".
	attrs, _ := sdk.ReadFields(body).Strings("get_attributes")
	cols := make([]string, 0, len(attrs))
	seen := map[string]bool{}
	for _, a := range attrs {
		if a == allAttributes {
			cols = nil
			break
		}
		if !seen[a] {
			seen[a] = true
			cols = append(cols, a)
		}
	}
	if len(cols) > 0 {
		return cols, nil
	}
	return describeColumns(ctx, host, caller, body)
}

// tableDescription is the part of describe_table's answer the column order
// needs.
type tableDescription struct {
	HashAttribute string `json:"hash_attribute"`
	PrimaryKey    string `json:"primary_key"`
	Attributes    []struct {
		Attribute string `json:"attribute"`
	} `json:"attributes"`
}

// describeColumns runs describe_table on the search's table (its
// database or schema and table fields, as given) and returns
// exporter.Columns of the answer.
func describeColumns(ctx context.Context, host sdk.Host, caller sdk.Caller, body json.RawMessage) ([]string, error) {
	fields := sdk.ReadFields(body)
	if err := fields.Err(); err != nil {
		return nil, fmt.Errorf("read search_operation: %w", err)
	}
	req := map[string]json.RawMessage{"operation": json.RawMessage(`"describe_table"`)}
	for _, k := range []string{"database", "schema", "table"} {
		if v, ok := fields.Raw(k); ok {
			req[k] = v
		}
	}
	raw, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("encode describe_table: %w", err)
	}
	reply, err := host.Dispatch(ctx, caller, raw)
	if err != nil {
		return nil, fmt.Errorf("dispatch describe_table: %w", err)
	}
	if err := reply.Err(); err != nil {
		return nil, err
	}
	defer reply.Body.Close()
	var d tableDescription
	if err := json.NewDecoder(io.LimitReader(reply.Body, maxDescribeBytes)).Decode(&d); err != nil {
		return nil, fmt.Errorf("read describe_table answer: %w", err)
	}
	pk := d.HashAttribute
	if pk == "" {
		pk = d.PrimaryKey
	}
	attrs := make([]string, 0, len(d.Attributes))
	for _, a := range d.Attributes {
		attrs = append(attrs, a.Attribute)
	}
	return exporter.Columns(pk, attrs), nil
}

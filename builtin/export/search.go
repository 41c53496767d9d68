package export

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"strconv"
	"strings"

	"github.com/hops-dev/hops/builtin/export/exporter"
	"github.com/hops-dev/hops/sdk"
)

// opExportSearch is the records family's operation that answers a search
// already encoded as an export file (CSV or JSON).
const opExportSearch = "export_search"

// openSearch is a search already answering: its bytes are the export
// file, copied by the job.
type openSearch struct {
	body io.ReadCloser
	// total is the number of rows the answer holds when the records
	// family knew it before streaming (the "rows" parameter of its
	// content type); 0 when not known.
	total int64
}

// exportRowsParam is the content-type parameter in which export_search
// gives its row count (records.ExportRowsParam).
const exportRowsParam = "rows"

// rowsOf reads the row count from an export_search answer's content type;
// 0 when it has none.
func rowsOf(contentType string) int64 {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(params[exportRowsParam], 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// close ends the search's stream.
func (s *openSearch) close() { _ = s.body.Close() }

// exportSearchRequest is the body of export_search.
type exportSearchRequest struct {
	Operation string          `json:"operation"`
	Format    string          `json:"format"`
	Search    json.RawMessage `json:"search_operation"`
}

// startSearch dispatches export_search (the search, encoded in format by
// the records family) as the caller and checks its status before any job
// exists, so an unknown table (404), invalid SQL (400) or a missing
// permission (403) is answered at once. ctx bounds the search's stream:
// it must outlive the request. The answer's body is left open and unread
// for the job.
func startSearch(ctx context.Context, host sdk.Host, caller sdk.Caller, format string, search exporter.SearchOperation) (*openSearch, error) {
	if search.Operation == exporter.SearchSQL {
		if err := checkSelect(search.SQL); err != nil {
			return nil, err
		}
	}
	body, err := json.Marshal(exportSearchRequest{Operation: opExportSearch, Format: format, Search: search.Body})
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", opExportSearch, err)
	}
	reply, err := host.Dispatch(ctx, caller, body)
	if err != nil {
		return nil, fmt.Errorf("dispatch %s: %w", search.Operation, err)
	}
	if err := reply.Err(); err != nil {
		return nil, err
	}
	return &openSearch{body: reply.Body, total: rowsOf(reply.ContentType)}, nil
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

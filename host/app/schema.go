package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/hops-dev/hops/host/auth"
)

// maxDescribeBytes bounds a describe answer read for role validation.
const maxDescribeBytes = 4 << 20

// recordsSchema answers role validation's questions about databases and
// tables by asking the records family (describe_database, describe_table)
// as the internal super user: the host never opens the records store.
type recordsSchema struct{ in *instance }

// DatabaseExists implements auth.Schema.
func (s recordsSchema) DatabaseExists(ctx context.Context, db string) (bool, error) {
	status, _, err := s.describe(ctx, map[string]string{"operation": "describe_database", "database": db})
	if err != nil {
		return false, err
	}
	return status == http.StatusOK, nil
}

// TableAttributes implements auth.Schema.
func (s recordsSchema) TableAttributes(ctx context.Context, db, table string) ([]string, bool, error) {
	status, body, err := s.describe(ctx, map[string]string{"operation": "describe_table", "database": db, "table": table})
	if err != nil || status != http.StatusOK {
		return nil, false, err
	}
	var t struct {
		Attributes []struct {
			Attribute string `json:"attribute"`
		} `json:"attributes"`
	}
	if err := json.Unmarshal(body, &t); err != nil {
		return nil, false, fmt.Errorf("describe_table answer: %w", err)
	}
	attrs := make([]string, 0, len(t.Attributes))
	for _, a := range t.Attributes {
		attrs = append(attrs, a.Attribute)
	}
	return attrs, true, nil
}

// describe runs a describe operation; a 404 is an answer (it does not
// exist), any other failure an error.
func (s recordsSchema) describe(ctx context.Context, body map[string]string) (int, []byte, error) {
	raw, _ := json.Marshal(body)
	reply, err := s.in.router.Do(ctx, internalCaller, raw)
	if err != nil {
		return 0, nil, err
	}
	defer reply.Body.Close()
	if reply.Status == http.StatusNotFound {
		return reply.Status, nil, nil
	}
	if err := reply.Err(); err != nil {
		return 0, nil, err
	}
	data, err := io.ReadAll(io.LimitReader(reply.Body, maxDescribeBytes))
	return reply.Status, data, err
}

var _ auth.Schema = recordsSchema{}

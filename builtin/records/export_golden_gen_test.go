package records

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/hops-dev/hops/builtin/export/exporter"
)

// TestGenerateExportGoldenWithOldExporter writes the golden files with
// the export family's old encoders (run once, GEN_EXPORT_GOLDEN=1).
func TestGenerateExportGoldenWithOldExporter(t *testing.T) {
	if os.Getenv("GEN_EXPORT_GOLDEN") == "" {
		t.Skip("GEN_EXPORT_GOLDEN not set")
	}
	e := withExportRecords(t)
	for _, s := range exportSearches {
		r := e.ok(s.body)
		var elems []json.RawMessage
		if err := json.Unmarshal(r.Body, &elems); err != nil {
			t.Fatal(err)
		}
		var cols []string
		if s.body["operation"] == "sql" {
			if len(elems) > 0 {
				dec := json.NewDecoder(bytes.NewReader(elems[0]))
				dec.Token()
				for dec.More() {
					tok, _ := dec.Token()
					cols = append(cols, tok.(string))
					var skip json.RawMessage
					dec.Decode(&skip)
				}
			}
		} else {
			seen := map[string]bool{}
			for _, a := range s.body["get_attributes"].([]string) {
				if a == "*" {
					cols = nil
					break
				}
				if !seen[a] {
					seen[a] = true
					cols = append(cols, a)
				}
			}
			if cols == nil {
				d := e.ok(op("describe_table", "database", "db", "table", "t"))
				var desc struct {
					HashAttribute string `json:"hash_attribute"`
					Attributes    []struct {
						Attribute string `json:"attribute"`
					} `json:"attributes"`
				}
				d.JSON(t, &desc)
				var attrs []string
				for _, a := range desc.Attributes {
					attrs = append(attrs, a.Attribute)
				}
				cols = exporter.Columns(desc.HashAttribute, attrs)
			}
		}
		for _, format := range []string{"json", "csv"} {
			var buf bytes.Buffer
			rows := exporter.TextRowSource(func(_ func([]byte) (int, error), yield func([]byte) error) error {
				for _, el := range elems {
					if err := yield(el); err != nil {
						return err
					}
				}
				return nil
			})
			if err := exporter.Encode(context.Background(), format, &buf, cols, rows); err != nil {
				t.Fatal(err)
			}
			*updateExportGolden = true
			checkGolden(t, exportGoldenPath(s.name, format), buf.Bytes())
		}
	}
}

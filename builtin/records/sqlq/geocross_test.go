package sqlq

import (
	"encoding/json"
	"os"
	"testing"
)

// TestGeoCrossesAsHarperDB checks geoCrosses against HarperDB 4.7.29's
// answers (testdata/geocrosses.js runs its geoCrosses over Turf 6.5 and
// wrote testdata/geocrosses.json): points on boundaries and in holes,
// touching and overlapping lines, polygons sharing an edge, multi
// geometries, collections, Features, JSON text and a bare pair.
func TestGeoCrossesAsHarperDB(t *testing.T) {
	b, err := os.ReadFile("testdata/geocrosses.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases [][3]any
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 20 {
		t.Fatalf("%d cases", len(cases))
	}
	for i, c := range cases {
		if got := fnGeoCrosses([]any{c[0], c[1]}); got != c[2] {
			a, _ := json.Marshal(c[0])
			b, _ := json.Marshal(c[1])
			t.Errorf("case %d: geoCrosses(%s, %s) = %v, want %v", i, a, b, got, c[2])
		}
	}
	for _, v := range []any{nil, "not json", map[string]any{"type": "Point", "coordinates": []any{nil, 1.0}}} {
		if got := fnGeoCrosses([]any{v, cases[0][1]}); got != false {
			t.Errorf("geoCrosses(%v, ...) = %v, want false", v, got)
		}
	}
	rows := query(t, &fakeSource{}, `SELECT geoCrosses('{"type":"Point","coordinates":[5,5]}', '{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]]]}') AS c, geoCrosses(NULL, NULL) AS n`)
	if len(rows) != 1 || rows[0]["c"] != true || rows[0]["n"] != false {
		t.Errorf("SQL rows %v", rows)
	}
}

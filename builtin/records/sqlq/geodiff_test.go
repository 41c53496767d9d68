package sqlq

import (
	"encoding/json"
	"math/rand"
	"os"
	"testing"

	"github.com/paulmach/orb"
)

// TestGeoDifferenceAsHarperDB checks geoDifference against HarperDB
// 4.7.29's answers (testdata/geodifference.js runs its geoDifference over
// Turf 6.5 and wrote testdata/geodifference.json): overlaps, a hole cut,
// nothing or everything left, a polygon split in two, shared edges, a hole
// in the input, a MultiPolygon, a Feature's properties, JSON text, and
// inputs that are not polygons (NULL).
func TestGeoDifferenceAsHarperDB(t *testing.T) {
	b, err := os.ReadFile("testdata/geodifference.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases [][3]any
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 15 {
		t.Fatalf("%d cases", len(cases))
	}
	for i, c := range cases {
		got, _ := json.Marshal(fnGeoDifference([]any{c[0], c[1]}))
		want, _ := json.Marshal(c[2])
		if string(got) != string(want) {
			a, _ := json.Marshal(c[0])
			b, _ := json.Marshal(c[1])
			t.Errorf("case %d: geoDifference(%s, %s)\n got %s\nwant %s", i, a, b, got, want)
		}
	}
	rows := query(t, &fakeSource{}, `SELECT geoDifference('{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]]]}', NULL) AS d`)
	if len(rows) != 1 || rows[0]["d"] != nil {
		t.Errorf("SQL rows %v", rows)
	}
}

// TestGeoDifferenceRandom: random overlapping polygons (with shared and
// crossing edges on a coarse grid) never panic, and every answer is
// closed rings of at least four points, outer rings counter-clockwise.
func TestGeoDifferenceRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	poly := func() map[string]any {
		n := 3 + rng.Intn(6)
		var ring []any
		for i := 0; i < n; i++ {
			ring = append(ring, []any{float64(rng.Intn(8)), float64(rng.Intn(8))})
		}
		ring = append(ring, ring[0])
		return map[string]any{"type": "Polygon", "coordinates": []any{ring}}
	}
	for i := 0; i < 3000; i++ {
		a, b := poly(), poly()
		got := fnGeoDifference([]any{a, b})
		if got == nil {
			continue
		}
		geom := got.(map[string]any)["geometry"].(map[string]any)
		polys := []any{geom["coordinates"]}
		if geom["type"] == "MultiPolygon" {
			polys = geom["coordinates"].([]any)
		}
		for _, p := range polys {
			for j, r := range p.([]any) {
				ring := r.([]any)
				first, last := ring[0].([]any), ring[len(ring)-1].([]any)
				if len(ring) < 4 || first[0] != last[0] || first[1] != last[1] {
					t.Fatalf("case %d: ring %v", i, ring)
				}
				var pts []orb.Point
				for _, q := range ring[:len(ring)-1] {
					pts = append(pts, orb.Point{q.([]any)[0].(float64), q.([]any)[1].(float64)})
				}
				if (ringArea(pts) > 0) != (j == 0) {
					t.Fatalf("case %d: ring %d orientation %v", i, j, ring)
				}
			}
		}
	}
}

package sqlq

import (
	"math"
	"testing"
)

// TestGeoFunctions checks the geo functions against HarperDB 4.7's answers
// (74-sql.json "geoDistance between two points in miles", "geoContains on
// literals") and Turf's documented results.
func TestGeoFunctions(t *testing.T) {
	cases := []struct{ sql, want string }{
		{"SELECT ROUND(geoDistance('[-104.979127,39.761563]', '[-77.035248,38.889475]', 'miles'), 1) AS d", `{"d":1488.7}`},
		{"SELECT ROUND(geoDistance('[-104.979127,39.761563]', '{\"type\":\"Point\",\"coordinates\":[-77.035248,38.889475]}')) AS km", `{"km":2396}`},
		{`SELECT geoContains('{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}', '{"type":"Point","coordinates":[0.5,0.5]}') AS inside, geoContains('{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}', '{"type":"Point","coordinates":[2,2]}') AS outside`, `{"inside":true,"outside":false}`},
		{`SELECT geoContains('{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}', '[0.5,0.5]') AS f`, `{"f":true}`},
		{"SELECT geoNear('[0,0]', '[0,1]', 112) AS near, geoNear('[0,0]', '[0,1]', 110, 'kilometers') AS far", `{"far":false,"near":true}`},
		{"SELECT geoEqual('[1,2]', '{\"type\":\"Point\",\"coordinates\":[1,2]}') AS e, geoDistance('x', '[0,0]') AS bad", `{"bad":null,"e":true}`},
		{"SELECT geoConvert('[-104.979127,39.761563]', 'Point', '{\"name\":\"HarperDB\"}') AS c", `{"c":{"geometry":{"coordinates":[-104.979127,39.761563],"type":"Point"},"properties":{"name":"HarperDB"},"type":"Feature"}}`},
	}
	for _, c := range cases {
		if got := one(t, c.sql); got != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.sql, got, c.want)
		}
	}
	// One degree of a meridian in Turf's kilometers, and a 1°×1° square's area.
	rows := query(t, newDogs(t), `SELECT geoLength('{"type":"LineString","coordinates":[[0,0],[0,1]]}') AS l, geoArea('{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}') AS a`)
	if l := rows[0]["l"].(float64); math.Abs(l-111.195) > 0.01 {
		t.Errorf("geoLength = %v", l)
	}
	if a := rows[0]["a"].(float64); math.Abs(a-12363718145) > 1e8 {
		t.Errorf("geoArea = %v", a)
	}
}

// TestSearchJSON checks SEARCH_JSON against HarperDB 4.7's answers
// (74-sql.json "SEARCH_JSON on a nested attribute", "SEARCH_JSON in WHERE").
func TestSearchJSON(t *testing.T) {
	src := newDogs(t)
	if got := column(query(t, src, "SELECT SEARCH_JSON('first', owner) AS f FROM db.dogs WHERE id = 1"), "f"); got != `"Kyle"` {
		t.Errorf("nested attribute: %s", got)
	}
	if got := column(query(t, src, "SELECT id FROM db.dogs WHERE SEARCH_JSON('last', owner) = 'B'"), "id"); got != "1" {
		t.Errorf("in WHERE: %s", got)
	}
	if got := one(t, `SELECT SEARCH_JSON('$count(a)', '{"a":[1,2,3]}') AS n, SEARCH_JSON('nope', '{"a":1}') AS u, SEARCH_JSON('(', '{}') AS bad`); got != `{"bad":null,"n":3,"u":null}` {
		t.Errorf("literals: %s", got)
	}
	st, err := Parse("SELECT id FROM db.dogs WHERE SEARCH_JSON('x', info) = 1")
	if err != nil || st.ReadAttributes()[1] != "info" {
		t.Errorf("ReadAttributes: %v %v", st, err)
	}
}

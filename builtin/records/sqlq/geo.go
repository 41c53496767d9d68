package sqlq

import (
	"encoding/json"
	"math"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

// HarperDB's geo functions (Turf.js underneath). A geometry argument is
// GeoJSON (a geometry or a Feature), as an object or as JSON text, or a
// [longitude, latitude] pair; one that cannot be read makes the result
// NULL. Distances and lengths use Turf's earth radius and units
// (kilometers by default); areas are square meters. geoCrosses is in
// geocross.go, geoDifference in geodiff.go.

// turfEarthRadius is Turf's mean earth radius in meters.
const turfEarthRadius = 6371008.8

// turfUnits converts radians to Turf's units.
var turfUnits = map[string]float64{
	"centimeters": turfEarthRadius * 100, "centimetres": turfEarthRadius * 100,
	"degrees": 180 / math.Pi, "feet": turfEarthRadius * 3.28084,
	"inches": turfEarthRadius * 39.370, "kilometers": turfEarthRadius / 1000,
	"kilometres": turfEarthRadius / 1000, "meters": turfEarthRadius,
	"metres": turfEarthRadius, "miles": turfEarthRadius / 1609.344,
	"millimeters": turfEarthRadius * 1000, "millimetres": turfEarthRadius * 1000,
	"nauticalmiles": turfEarthRadius / 1852, "radians": 1,
	"yards": turfEarthRadius * 1.0936,
}

func init() {
	for name, f := range map[string]*scalarFunc{
		"geodistance": {min: 2, max: 3, strict: true, call: fnGeoDistance},
		"geonear":     {min: 3, max: 4, strict: true, call: fnGeoNear},
		"geocontains": {min: 2, max: 2, strict: true, call: fnGeoContains},
		"geoequal":    {min: 2, max: 2, strict: true, call: fnGeoEqual},
		"geoarea":     {min: 1, max: 1, strict: true, call: fnGeoArea},
		"geolength":   {min: 1, max: 2, strict: true, call: fnGeoLength},
		"geoconvert":  {min: 2, max: 3, call: fnGeoConvert},
	} {
		scalarFuncs[name] = f
	}
}

// toGeometry reads a geometry argument.
func toGeometry(v any) (orb.Geometry, bool) {
	var text []byte
	if s, ok := v.(string); ok {
		text = []byte(strings.TrimSpace(s))
	} else {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, false
		}
		text = b
	}
	var pair []float64
	if json.Unmarshal(text, &pair) == nil {
		if len(pair) < 2 {
			return nil, false
		}
		return orb.Point{pair[0], pair[1]}, true
	}
	var head struct {
		Type     string          `json:"type"`
		Geometry json.RawMessage `json:"geometry"`
	}
	if json.Unmarshal(text, &head) != nil {
		return nil, false
	}
	if head.Type == "Feature" {
		text = head.Geometry
	}
	g, err := geojson.UnmarshalGeometry(text)
	if err != nil || g.Geometry() == nil {
		return nil, false
	}
	return g.Geometry(), true
}

// unitFactor returns the factor for a units argument (kilometers when
// absent); ok is false for an unknown unit.
func unitFactor(a []any, i int) (float64, bool) {
	if len(a) <= i {
		return turfUnits["kilometers"], true
	}
	f, ok := turfUnits[strings.ToLower(jsString(a[i]))]
	return f, ok
}

// haversine is the angle in radians between two points, as Turf's distance.
func haversine(p, q orb.Point) float64 {
	rad := math.Pi / 180
	dLat, dLon := (q[1]-p[1])*rad, (q[0]-p[0])*rad
	s := math.Pow(math.Sin(dLat/2), 2) + math.Pow(math.Sin(dLon/2), 2)*math.Cos(p[1]*rad)*math.Cos(q[1]*rad)
	return 2 * math.Atan2(math.Sqrt(s), math.Sqrt(1-s))
}

func twoPoints(a []any) (orb.Point, orb.Point, bool) {
	g1, ok1 := toGeometry(a[0])
	g2, ok2 := toGeometry(a[1])
	p, isP := g1.(orb.Point)
	q, isQ := g2.(orb.Point)
	return p, q, ok1 && ok2 && isP && isQ
}

// fnGeoDistance is geoDistance(point1, point2[, units]).
func fnGeoDistance(a []any) any {
	p, q, ok := twoPoints(a)
	f, okU := unitFactor(a, 2)
	if !ok || !okU {
		return nil
	}
	return haversine(p, q) * f
}

// fnGeoNear is geoNear(point1, point2, distance[, units]): whether the
// points are at most distance apart.
func fnGeoNear(a []any) any {
	p, q, ok := twoPoints(a)
	d, okD := toNumber(a[2])
	f, okU := unitFactor(a, 3)
	if !ok || !okD || !okU {
		return nil
	}
	return haversine(p, q)*f <= d
}

// fnGeoContains is geoContains(geo1, geo2): whether every point of geo2
// lies inside the polygon(s) of geo1 (or equals geo1's point).
func fnGeoContains(a []any) any {
	g1, ok1 := toGeometry(a[0])
	g2, ok2 := toGeometry(a[1])
	if !ok1 || !ok2 {
		return nil
	}
	var inside func(p orb.Point) bool
	switch outer := g1.(type) {
	case orb.Polygon:
		inside = func(p orb.Point) bool { return planar.PolygonContains(outer, p) }
	case orb.MultiPolygon:
		inside = func(p orb.Point) bool { return planar.MultiPolygonContains(outer, p) }
	case orb.Point:
		inside = func(p orb.Point) bool { return p.Equal(outer) }
	default:
		return false
	}
	all := true
	visitPoints(g2, func(p orb.Point) {
		if !inside(p) {
			all = false
		}
	})
	return all
}

// visitPoints calls fn with each point of g.
func visitPoints(g orb.Geometry, fn func(orb.Point)) {
	switch x := g.(type) {
	case orb.Point:
		fn(x)
	case orb.MultiPoint:
		for _, p := range x {
			fn(p)
		}
	case orb.LineString:
		for _, p := range x {
			fn(p)
		}
	case orb.Ring:
		for _, p := range x {
			fn(p)
		}
	case orb.MultiLineString:
		for _, l := range x {
			visitPoints(l, fn)
		}
	case orb.Polygon:
		for _, r := range x {
			visitPoints(r, fn)
		}
	case orb.MultiPolygon:
		for _, p := range x {
			visitPoints(p, fn)
		}
	case orb.Collection:
		for _, c := range x {
			visitPoints(c, fn)
		}
	}
}

// fnGeoEqual is geoEqual(geo1, geo2): the same geometry.
func fnGeoEqual(a []any) any {
	g1, ok1 := toGeometry(a[0])
	g2, ok2 := toGeometry(a[1])
	if !ok1 || !ok2 {
		return nil
	}
	return orb.Equal(g1, g2)
}

// fnGeoArea is geoArea(geo): its area in square meters.
func fnGeoArea(a []any) any {
	g, ok := toGeometry(a[0])
	if !ok {
		return nil
	}
	return math.Abs(geo.Area(g))
}

// fnGeoLength is geoLength(geo[, units]): the length of its lines (and
// polygon rings).
func fnGeoLength(a []any) any {
	g, ok := toGeometry(a[0])
	f, okU := unitFactor(a, 1)
	if !ok || !okU {
		return nil
	}
	var total float64
	var line func(g orb.Geometry)
	line = func(g orb.Geometry) {
		switch x := g.(type) {
		case orb.LineString:
			for i := 1; i < len(x); i++ {
				total += haversine(x[i-1], x[i])
			}
		case orb.Ring:
			line(orb.LineString(x))
		case orb.MultiLineString:
			for _, l := range x {
				line(l)
			}
		case orb.Polygon:
			for _, r := range x {
				line(r)
			}
		case orb.MultiPolygon:
			for _, p := range x {
				line(p)
			}
		case orb.Collection:
			for _, c := range x {
				line(c)
			}
		}
	}
	line(g)
	return total * f
}

// fnGeoConvert is geoConvert(coordinates, geo_type[, properties]): a
// GeoJSON Feature of that type.
func fnGeoConvert(a []any) any {
	if a[0] == nil || a[1] == nil {
		return nil
	}
	coords := a[0]
	if s, ok := coords.(string); ok {
		var v any
		if json.Unmarshal([]byte(s), &v) != nil {
			return nil
		}
		coords = v
	}
	props := any(map[string]any{})
	if len(a) == 3 && a[2] != nil {
		props = a[2]
		if s, ok := props.(string); ok {
			var v any
			if json.Unmarshal([]byte(s), &v) == nil {
				props = v
			}
		}
	}
	return map[string]any{
		"type":       "Feature",
		"properties": props,
		"geometry":   map[string]any{"type": jsString(a[1]), "coordinates": coords},
	}
}

package sqlq

import (
	"slices"

	"github.com/paulmach/orb"
)

// geoCrosses is HarperDB's geoCrosses(geo1, geo2): Turf 6.5's
// booleanDisjoint negated, so true when the geometries share any point.
// It is a port of @turf/boolean-disjoint with its helpers
// (boolean-point-in-polygon, line-intersect, polygon-to-line), kept to
// the same float arithmetic so borderline inputs answer as Turf does:
//   - multi-geometries and collections are split into points, lines and
//     polygons, and the result is true when any pair is not disjoint;
//   - a point on a polygon's boundary (outer ring or hole) is inside it;
//   - two segments meet when their crossing point lies on both (ends
//     included); parallel segments never meet, even when they overlap;
//   - a polygon and a polygon meet when a vertex of either's outer ring is
//     inside the other or any of their rings' segments meet.
// As in HarperDB, a NULL or unreadable argument (not GeoJSON: a bare
// [lon, lat] pair is not) is false, never NULL.

func init() {
	scalarFuncs["geocrosses"] = &scalarFunc{min: 2, max: 2, call: fnGeoCrosses}
}

// fnGeoCrosses is geoCrosses(geo1, geo2).
func fnGeoCrosses(a []any) any {
	g1, ok1 := turfGeometry(a[0])
	g2, ok2 := turfGeometry(a[1])
	if !ok1 || !ok2 {
		return false
	}
	var parts1, parts2 []orb.Geometry
	flattenGeometry(g1, &parts1)
	flattenGeometry(g2, &parts2)
	for _, p1 := range parts1 {
		for _, p2 := range parts2 {
			if !turfDisjoint(p1, p2) {
				return true
			}
		}
	}
	return false
}

// turfGeometry reads a GeoJSON argument as Turf takes it: an object or
// JSON text of a geometry or Feature; not a bare coordinate pair.
func turfGeometry(v any) (orb.Geometry, bool) {
	switch x := v.(type) {
	case nil, []any, bool, float64:
		return nil, false
	case map[string]any:
		// HarperDB answers false when the coordinates hold a null.
		if c, ok := x["coordinates"].([]any); ok && slices.Contains(c, nil) {
			return nil, false
		}
	case string:
		if len(x) > 0 && x[0] == '[' {
			return nil, false
		}
	}
	return toGeometry(v)
}

// flattenGeometry appends g's points, lines and polygons to out, as
// Turf's flattenEach splits it.
func flattenGeometry(g orb.Geometry, out *[]orb.Geometry) {
	switch x := g.(type) {
	case orb.Point, orb.LineString, orb.Polygon:
		*out = append(*out, x)
	case orb.MultiPoint:
		for _, p := range x {
			*out = append(*out, p)
		}
	case orb.MultiLineString:
		for _, l := range x {
			*out = append(*out, l)
		}
	case orb.MultiPolygon:
		for _, p := range x {
			*out = append(*out, p)
		}
	case orb.Collection:
		for _, c := range x {
			flattenGeometry(c, out)
		}
	}
}

// turfDisjoint is Turf's disjoint of two simple geometries.
func turfDisjoint(g1, g2 orb.Geometry) bool {
	switch a := g1.(type) {
	case orb.Point:
		switch b := g2.(type) {
		case orb.Point:
			return !(a[0] == b[0] && a[1] == b[1])
		case orb.LineString:
			return !pointOnLine(b, a)
		case orb.Polygon:
			return !turfPointInPolygon(a, b)
		}
	case orb.LineString:
		switch b := g2.(type) {
		case orb.Point:
			return !pointOnLine(a, b)
		case orb.LineString:
			return !segmentsMeet(lineSegments(a), lineSegments(b))
		case orb.Polygon:
			return !lineInPolygon(b, a)
		}
	case orb.Polygon:
		switch b := g2.(type) {
		case orb.Point:
			return !turfPointInPolygon(b, a)
		case orb.LineString:
			return !lineInPolygon(a, b)
		case orb.Polygon:
			return !polygonInPolygon(b, a)
		}
	}
	return false
}

// pointOnLine reports whether pt lies on a segment of line.
func pointOnLine(line orb.LineString, pt orb.Point) bool {
	for i := 0; i+1 < len(line); i++ {
		if pointOnSegment(line[i], line[i+1], pt) {
			return true
		}
	}
	return false
}

// pointOnSegment is Turf's isPointOnLineSegment: exactly collinear and
// within the segment's extent.
func pointOnSegment(s, e, pt orb.Point) bool {
	dxc, dyc := pt[0]-s[0], pt[1]-s[1]
	dxl, dyl := e[0]-s[0], e[1]-s[1]
	if dxc*dyl-dyc*dxl != 0 {
		return false
	}
	if abs(dxl) >= abs(dyl) {
		if dxl > 0 {
			return s[0] <= pt[0] && pt[0] <= e[0]
		}
		return e[0] <= pt[0] && pt[0] <= s[0]
	}
	if dyl > 0 {
		return s[1] <= pt[1] && pt[1] <= e[1]
	}
	return e[1] <= pt[1] && pt[1] <= s[1]
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// turfPointInPolygon is booleanPointInPolygon without ignoreBoundary: in
// the outer ring (boundary included) and in no hole (a hole's boundary
// counts as the polygon's).
func turfPointInPolygon(pt orb.Point, poly orb.Polygon) bool {
	if len(poly) == 0 || !inRing(pt, poly[0], false) {
		return false
	}
	for _, hole := range poly[1:] {
		if inRing(pt, hole, true) {
			return false
		}
	}
	return true
}

// inRing is Turf's even-odd test; a point on the boundary is inside
// unless ignoreBoundary.
func inRing(pt orb.Point, ring orb.Ring, ignoreBoundary bool) bool {
	if n := len(ring); n > 0 && ring[0] == ring[n-1] {
		ring = ring[:n-1]
	}
	inside := false
	for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
		xi, yi := ring[i][0], ring[i][1]
		xj, yj := ring[j][0], ring[j][1]
		onBoundary := pt[1]*(xi-xj)+yi*(xj-pt[0])+yj*(pt[0]-xi) == 0 &&
			(xi-pt[0])*(xj-pt[0]) <= 0 && (yi-pt[1])*(yj-pt[1]) <= 0
		if onBoundary {
			return !ignoreBoundary
		}
		if (yi > pt[1]) != (yj > pt[1]) && pt[0] < (xj-xi)*(pt[1]-yi)/(yj-yi)+xi {
			inside = !inside
		}
	}
	return inside
}

// segment is one segment of a line or ring.
type segment [2]orb.Point

// lineSegments returns the segments of a line's consecutive points.
func lineSegments(line []orb.Point) []segment {
	var out []segment
	for i := 0; i+1 < len(line); i++ {
		out = append(out, segment{line[i], line[i+1]})
	}
	return out
}

// ringSegments returns the segments of every ring of poly (Turf's
// polygonToLine, then lineSegment).
func ringSegments(poly orb.Polygon) []segment {
	var out []segment
	for _, r := range poly {
		out = append(out, lineSegments(r)...)
	}
	return out
}

// segmentsMeet reports whether any segment of a meets any of b (Turf's
// lineIntersect finding at least one point).
func segmentsMeet(a, b []segment) bool {
	for _, s := range a {
		for _, t := range b {
			if segmentsIntersect(s, t) {
				return true
			}
		}
	}
	return false
}

// segmentsIntersect is line-intersect's intersects: parallel segments
// (a zero denominator) never meet; others meet when the crossing point's
// parameters are both within [0, 1].
func segmentsIntersect(s, t segment) bool {
	x1, y1, x2, y2 := s[0][0], s[0][1], s[1][0], s[1][1]
	x3, y3, x4, y4 := t[0][0], t[0][1], t[1][0], t[1][1]
	denom := (y4-y3)*(x2-x1) - (x4-x3)*(y2-y1)
	if denom == 0 {
		return false
	}
	uA := ((x4-x3)*(y1-y3) - (y4-y3)*(x1-x3)) / denom
	uB := ((x2-x1)*(y1-y3) - (y2-y1)*(x1-x3)) / denom
	return uA >= 0 && uA <= 1 && uB >= 0 && uB <= 1
}

// lineInPolygon is Turf's isLineInPoly: a vertex of line inside poly, or
// a segment of line meeting one of poly's rings.
func lineInPolygon(poly orb.Polygon, line orb.LineString) bool {
	for _, p := range line {
		if turfPointInPolygon(p, poly) {
			return true
		}
	}
	return segmentsMeet(lineSegments(line), ringSegments(poly))
}

// polygonInPolygon is Turf's isPolyInPoly(p1, p2): a vertex of either's
// outer ring inside the other, or their rings' segments meeting.
func polygonInPolygon(p1, p2 orb.Polygon) bool {
	if len(p1) == 0 || len(p2) == 0 {
		return false
	}
	for _, p := range p1[0] {
		if turfPointInPolygon(p, p2) {
			return true
		}
	}
	for _, p := range p2[0] {
		if turfPointInPolygon(p, p1) {
			return true
		}
	}
	return segmentsMeet(ringSegments(p1), ringSegments(p2))
}

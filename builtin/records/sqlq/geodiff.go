package sqlq

import (
	"cmp"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// geoDifference is HarperDB's geoDifference(poly1, poly2): Turf 6.5's
// difference, poly1 without the area of poly2, which HarperDB computes
// with the polygon-clipping library. hops computes the same region its
// own way and writes it in polygon-clipping's form, so equal inputs give
// equal answers:
//   - a Feature (properties of poly1, or {}) holding a Polygon, or a
//     MultiPolygon when the result has several parts; NULL when nothing
//     is left, an argument is NULL, or it is not a Polygon or MultiPolygon;
//   - each outer ring counter-clockwise and each hole clockwise, starting
//     at its lowest-leftmost vertex (least x, then least y) and closed,
//     without vertices in the middle of a straight edge;
//   - polygons ordered by their outer ring's first vertex, holes too.
// Method: every edge of both inputs is split where it meets an edge of the
// other; a piece is on the result's boundary when the result (inside poly1
// and not inside poly2) lies on exactly one side of it, and is directed
// with the result on its left; the pieces are then linked into rings.
// Crossing points use polygon-clipping's formula; where it snaps nearly
// equal coordinates together, hops may differ in the last digit. Inputs
// of more than maxDifferenceVertices vertices in all are NULL.

func init() {
	scalarFuncs["geodifference"] = &scalarFunc{min: 2, max: 2, strict: true, call: fnGeoDifference}
}

// fnGeoDifference is geoDifference(poly1, poly2).
func fnGeoDifference(a []any) any {
	g1, ok1 := turfGeometry(a[0])
	g2, ok2 := turfGeometry(a[1])
	if !ok1 || !ok2 {
		return nil
	}
	p1, ok1 := polygonsOf(g1)
	p2, ok2 := polygonsOf(g2)
	if !ok1 || !ok2 || vertexCount(p1)+vertexCount(p2) > maxDifferenceVertices {
		return nil
	}
	polys := polygonDifference(p1, p2)
	if len(polys) == 0 {
		return nil
	}
	props := any(map[string]any{})
	if m, ok := a[0].(map[string]any); ok && m["type"] == "Feature" {
		if p, ok := m["properties"]; ok && p != nil {
			props = p
		}
	}
	coords := make([]any, len(polys))
	for i, p := range polys {
		rings := make([]any, len(p))
		for j, r := range p {
			pts := make([]any, len(r))
			for k, pt := range r {
				pts[k] = []any{pt[0], pt[1]}
			}
			rings[j] = pts
		}
		coords[i] = rings
	}
	var geom map[string]any
	if len(polys) == 1 {
		geom = map[string]any{"type": "Polygon", "coordinates": coords[0]}
	} else {
		geom = map[string]any{"type": "MultiPolygon", "coordinates": coords}
	}
	return map[string]any{"type": "Feature", "properties": props, "geometry": geom}
}

// maxDifferenceVertices bounds geoDifference's inputs (both together): the
// work grows with the square of the vertex count, and past this one call
// would take seconds. Larger inputs are NULL.
const maxDifferenceVertices = 4096

// vertexCount is the number of vertices of all rings.
func vertexCount(polys [][][]orb.Point) int {
	n := 0
	for _, rings := range polys {
		for _, r := range rings {
			n += len(r)
		}
	}
	return n
}

// polygonsOf returns a Polygon's or MultiPolygon's rings, each without
// its closing point or repeated points.
func polygonsOf(g orb.Geometry) ([][][]orb.Point, bool) {
	var polys []orb.Polygon
	switch x := g.(type) {
	case orb.Polygon:
		polys = []orb.Polygon{x}
	case orb.MultiPolygon:
		polys = x
	default:
		return nil, false
	}
	var out [][][]orb.Point
	for _, p := range polys {
		var rings [][]orb.Point
		for _, r := range p {
			var pts []orb.Point
			for _, pt := range r {
				if len(pts) == 0 || pts[len(pts)-1] != pt {
					pts = append(pts, pt)
				}
			}
			for len(pts) > 1 && pts[0] == pts[len(pts)-1] {
				pts = pts[:len(pts)-1]
			}
			if len(pts) < 3 {
				if len(rings) == 0 {
					break // no outer ring: the polygon is empty
				}
				continue
			}
			rings = append(rings, pts)
		}
		if len(rings) > 0 {
			out = append(out, rings)
		}
	}
	return out, true
}

// insideAll reports whether pt is strictly inside the polygons (inside an
// outer ring and in none of its holes, even-odd).
func insideAll(polys [][][]orb.Point, pt orb.Point) bool {
	for _, rings := range polys {
		if evenOdd(rings[0], pt) {
			inHole := false
			for _, h := range rings[1:] {
				if evenOdd(h, pt) {
					inHole = true
					break
				}
			}
			if !inHole {
				return true
			}
		}
	}
	return false
}

// evenOdd is the crossing-number test of pt against an open ring.
func evenOdd(ring []orb.Point, pt orb.Point) bool {
	in := false
	for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
		a, b := ring[i], ring[j]
		if (a[1] > pt[1]) != (b[1] > pt[1]) && pt[0] < (b[0]-a[0])*(pt[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

// crossing is polygon-clipping's intersection of two segments given
// left to right: the shortcut for vertical and horizontal ones, else the
// average of the two parametric points. ok is false for parallel ones.
func crossing(p1, q1, p2, q2 orb.Point) (orb.Point, bool) {
	v1 := orb.Point{q1[0] - p1[0], q1[1] - p1[1]}
	v2 := orb.Point{q2[0] - p2[0], q2[1] - p2[1]}
	vertical := func(pt, v orb.Point, x float64) (orb.Point, bool) {
		if v[0] == 0 {
			return orb.Point{}, false
		}
		return orb.Point{x, pt[1] + v[1]/v[0]*(x-pt[0])}, true
	}
	horizontal := func(pt, v orb.Point, y float64) (orb.Point, bool) {
		if v[1] == 0 {
			return orb.Point{}, false
		}
		return orb.Point{pt[0] + v[0]/v[1]*(y-pt[1]), y}, true
	}
	switch {
	case v1[0] == 0:
		return vertical(p2, v2, p1[0])
	case v2[0] == 0:
		return vertical(p1, v1, p2[0])
	case v1[1] == 0:
		return horizontal(p2, v2, p1[1])
	case v2[1] == 0:
		return horizontal(p1, v1, p2[1])
	}
	kross := v1[0]*v2[1] - v1[1]*v2[0]
	if kross == 0 {
		return orb.Point{}, false
	}
	ve := orb.Point{p2[0] - p1[0], p2[1] - p1[1]}
	d1 := (ve[0]*v1[1] - ve[1]*v1[0]) / kross
	d2 := (ve[0]*v2[1] - ve[1]*v2[0]) / kross
	x1, x2 := p1[0]+d2*v1[0], p2[0]+d1*v2[0]
	y1, y2 := p1[1]+d2*v1[1], p2[1]+d1*v2[1]
	return orb.Point{(x1 + x2) / 2, (y1 + y2) / 2}, true
}

// leftToRight orders a segment's ends as polygon-clipping's sweep does.
func leftToRight(a, b orb.Point) (orb.Point, orb.Point) {
	if a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]) {
		return a, b
	}
	return b, a
}

// onSegment reports whether pt lies on segment a-b (exactly collinear,
// within its extent).
func onSegment(a, b, pt orb.Point) bool {
	if (b[0]-a[0])*(pt[1]-a[1])-(b[1]-a[1])*(pt[0]-a[0]) != 0 {
		return false
	}
	return math.Min(a[0], b[0]) <= pt[0] && pt[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= pt[1] && pt[1] <= math.Max(a[1], b[1])
}

// polygonDifference returns a minus b as polygon-clipping writes a
// MultiPolygon: [polygon][ring][point][x, y].
func polygonDifference(a, b [][][]orb.Point) [][][][]float64 {
	type edge struct{ p, q orb.Point }
	var edges []edge
	for _, polys := range [][][][]orb.Point{a, b} {
		for _, rings := range polys {
			for _, r := range rings {
				for i := range r {
					edges = append(edges, edge{r[i], r[(i+1)%len(r)]})
				}
			}
		}
	}
	// Split every edge where another meets it.
	cuts := make([][]orb.Point, len(edges))
	for i := range edges {
		for j := i + 1; j < len(edges); j++ {
			e, f := edges[i], edges[j]
			for _, pt := range []orb.Point{f.p, f.q} {
				if onSegment(e.p, e.q, pt) {
					cuts[i] = append(cuts[i], pt)
				}
			}
			for _, pt := range []orb.Point{e.p, e.q} {
				if onSegment(f.p, f.q, pt) {
					cuts[j] = append(cuts[j], pt)
				}
			}
			p1, q1 := leftToRight(e.p, e.q)
			p2, q2 := leftToRight(f.p, f.q)
			if pt, ok := crossing(p1, q1, p2, q2); ok && inBox(p1, q1, pt) && inBox(p2, q2, pt) {
				cuts[i] = append(cuts[i], pt)
				cuts[j] = append(cuts[j], pt)
			}
		}
	}
	inResult := func(pt orb.Point) bool { return insideAll(a, pt) && !insideAll(b, pt) }
	// Keep each piece with the result on exactly one side, directed with
	// the result on its left; each piece once.
	next := map[orb.Point][]orb.Point{}
	seen := map[[2]orb.Point]bool{}
	for i, e := range edges {
		pts := append([]orb.Point{e.p, e.q}, cuts[i]...)
		d := orb.Point{e.q[0] - e.p[0], e.q[1] - e.p[1]}
		slices.SortFunc(pts, func(u, v orb.Point) int {
			return cmp.Compare((u[0]-e.p[0])*d[0]+(u[1]-e.p[1])*d[1], (v[0]-e.p[0])*d[0]+(v[1]-e.p[1])*d[1])
		})
		pts = slices.Compact(pts)
		for k := 0; k+1 < len(pts); k++ {
			s, t := pts[k], pts[k+1]
			dx, dy := t[0]-s[0], t[1]-s[1]
			length := math.Hypot(dx, dy)
			if length == 0 {
				continue
			}
			off := 1e-7 * length
			mid := orb.Point{(s[0] + t[0]) / 2, (s[1] + t[1]) / 2}
			left := orb.Point{mid[0] - dy/length*off, mid[1] + dx/length*off}
			right := orb.Point{mid[0] + dy/length*off, mid[1] - dx/length*off}
			l, r := inResult(left), inResult(right)
			if l == r {
				continue
			}
			if r {
				s, t = t, s
			}
			if seen[[2]orb.Point{s, t}] {
				continue
			}
			seen[[2]orb.Point{s, t}] = true
			next[s] = append(next[s], t)
		}
	}
	// Link the pieces into rings; at a vertex with several ways on, take
	// the sharpest right turn, so rings touching at a point stay apart.
	var rings [][]orb.Point
	starts := make([]orb.Point, 0, len(next))
	for p := range next {
		starts = append(starts, p)
	}
	slices.SortFunc(starts, comparePoints)
	for _, start := range starts {
		for len(next[start]) > 0 {
			ring := []orb.Point{start}
			prev, cur := start, next[start][0]
			next[start] = next[start][1:]
			for cur != start && len(ring) <= 4*len(edges) {
				ring = append(ring, cur)
				outs := next[cur]
				if len(outs) == 0 {
					break
				}
				best := 0
				for k := 1; k < len(outs); k++ {
					if turn(prev, cur, outs[k]) < turn(prev, cur, outs[best]) {
						best = k
					}
				}
				prev, cur = cur, outs[best]
				next[ring[len(ring)-1]] = slices.Delete(outs, best, best+1)
			}
			if cur == start {
				if r := dropCollinear(ring); len(r) >= 3 {
					rings = append(rings, r)
				}
			}
		}
	}
	// Outer rings are counter-clockwise (positive area), holes clockwise;
	// each hole goes with the smallest outer ring around it.
	var outers, holes [][]orb.Point
	for _, r := range rings {
		r = startAtLowest(r)
		if ringArea(r) > 0 {
			outers = append(outers, r)
		} else {
			holes = append(holes, r)
		}
	}
	slices.SortFunc(outers, func(x, y []orb.Point) int { return comparePoints(x[0], y[0]) })
	slices.SortFunc(holes, func(x, y []orb.Point) int { return comparePoints(x[0], y[0]) })
	owned := make([][][]orb.Point, len(outers))
	for _, h := range holes {
		best := -1
		for k, o := range outers {
			if evenOdd(o, h[0]) || onRing(o, h[0]) && evenOdd(o, orb.Point{(h[0][0] + h[1][0]) / 2, (h[0][1] + h[1][1]) / 2}) {
				if best < 0 || ringArea(o) < ringArea(outers[best]) {
					best = k
				}
			}
		}
		if best >= 0 {
			owned[best] = append(owned[best], h)
		}
	}
	out := make([][][][]float64, 0, len(outers))
	for k, o := range outers {
		poly := [][][]float64{closeRing(o)}
		for _, h := range owned[k] {
			poly = append(poly, closeRing(h))
		}
		out = append(out, poly)
	}
	return out
}

// inBox reports whether pt is within the bounding box of segment p-q.
func inBox(p, q, pt orb.Point) bool {
	return math.Min(p[0], q[0]) <= pt[0] && pt[0] <= math.Max(p[0], q[0]) &&
		math.Min(p[1], q[1]) <= pt[1] && pt[1] <= math.Max(p[1], q[1])
}

// onRing reports whether pt lies on an edge of the open ring.
func onRing(r []orb.Point, pt orb.Point) bool {
	for i := range r {
		if onSegment(r[i], r[(i+1)%len(r)], pt) {
			return true
		}
	}
	return false
}

// comparePoints is the sweep order: x, then y.
func comparePoints(a, b orb.Point) int {
	if c := cmp.Compare(a[0], b[0]); c != 0 {
		return c
	}
	return cmp.Compare(a[1], b[1])
}

// turn is the signed angle from the direction a->b to b->c, in
// (-pi, pi]: negative turns right.
func turn(a, b, c orb.Point) float64 {
	return math.Atan2((b[0]-a[0])*(c[1]-b[1])-(b[1]-a[1])*(c[0]-b[0]),
		(b[0]-a[0])*(c[0]-b[0])+(b[1]-a[1])*(c[1]-b[1]))
}

// dropCollinear removes the vertices of an open ring that lie on the
// straight line between their neighbours.
func dropCollinear(r []orb.Point) []orb.Point {
	for changed := true; changed && len(r) >= 3; {
		changed = false
		for i := 0; i < len(r); i++ {
			a, b, c := r[(i+len(r)-1)%len(r)], r[i], r[(i+1)%len(r)]
			if (b[0]-a[0])*(c[1]-a[1])-(b[1]-a[1])*(c[0]-a[0]) == 0 {
				r = slices.Delete(r, i, i+1)
				changed = true
				break
			}
		}
	}
	return r
}

// startAtLowest rotates an open ring to start at its least point.
func startAtLowest(r []orb.Point) []orb.Point {
	low := 0
	for i := range r {
		if comparePoints(r[i], r[low]) < 0 {
			low = i
		}
	}
	return append(slices.Clone(r[low:]), r[:low]...)
}

// ringArea is the signed area of an open ring: positive counter-clockwise.
func ringArea(r []orb.Point) float64 {
	var s float64
	for i := range r {
		a, b := r[i], r[(i+1)%len(r)]
		s += a[0]*b[1] - b[0]*a[1]
	}
	return s / 2
}

// closeRing returns the ring's coordinates with the first point repeated
// at the end.
func closeRing(r []orb.Point) [][]float64 {
	out := make([][]float64, 0, len(r)+1)
	for _, p := range r {
		out = append(out, []float64{p[0], p[1]})
	}
	return append(out, []float64{r[0][0], r[0][1]})
}

// Writes geocrosses.json: each case with HarperDB 4.7.29's geoCrosses answer
// (its own wrapper around Turf 6.5 booleanDisjoint, copied from harperdb.js).
//   HDB=/work/hdb node geocrosses.js > geocrosses.json
const disjoint = require(process.env.HDB + '/node_modules/@turf/boolean-disjoint').default;
function geoCrosses(e,t){ if(e==null||t==null|| (e.coordinates&&e.coordinates.includes?.(null)) || (t.coordinates&&t.coordinates.includes?.(null))) return false;
 if(typeof e=="string") { try { e = JSON.parse(e) } catch(x){} } if(typeof t=="string") { try { t = JSON.parse(t) } catch(x){} }
 try { return !disjoint(e,t) } catch(r) { return false } }
const sq = {type:"Polygon",coordinates:[[[0,0],[10,0],[10,10],[0,10],[0,0]]]};
const holed = {type:"Polygon",coordinates:[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[3,3],[7,3],[7,7],[3,7],[3,3]]]};
const cases = [
 [{type:"Point",coordinates:[5,5]}, sq],
 [{type:"Point",coordinates:[10,5]}, sq],
 [{type:"Point",coordinates:[11,5]}, sq],
 [{type:"Point",coordinates:[5,5]}, holed],
 [{type:"Point",coordinates:[3,5]}, holed],
 [{type:"Point",coordinates:[1,1]}, {type:"Point",coordinates:[1,1]}],
 [{type:"Point",coordinates:[1,1]}, {type:"Point",coordinates:[1,2]}],
 [{type:"Point",coordinates:[1,1]}, {type:"LineString",coordinates:[[0,0],[2,2]]}],
 [{type:"Point",coordinates:[1,1.5]}, {type:"LineString",coordinates:[[0,0],[2,2]]}],
 [{type:"LineString",coordinates:[[-5,5],[15,5]]}, sq],
 [{type:"LineString",coordinates:[[-5,5],[-1,5]]}, sq],
 [{type:"LineString",coordinates:[[4,4],[6,6]]}, holed],
 [{type:"LineString",coordinates:[[0,0],[2,2]]}, {type:"LineString",coordinates:[[0,2],[2,0]]}],
 [{type:"LineString",coordinates:[[0,0],[2,0]]}, {type:"LineString",coordinates:[[1,0],[3,0]]}],
 [{type:"LineString",coordinates:[[0,0],[1,1],[2,0]]}, {type:"LineString",coordinates:[[0,1],[2,1]]}],
 [{type:"LineString",coordinates:[[0,0],[1,1],[2,0]]}, {type:"LineString",coordinates:[[0,2],[2,2]]}],
 [sq, {type:"Polygon",coordinates:[[[5,5],[15,5],[15,15],[5,15],[5,5]]]}],
 [sq, {type:"Polygon",coordinates:[[[10,0],[20,0],[20,10],[10,10],[10,0]]]}],
 [sq, {type:"Polygon",coordinates:[[[11,0],[20,0],[20,10],[11,10],[11,0]]]}],
 [holed, {type:"Polygon",coordinates:[[[4,4],[6,4],[6,6],[4,6],[4,4]]]}],
 [{type:"Polygon",coordinates:[[[-1,4],[11,4],[11,6],[-1,6],[-1,4]]]}, sq],
 [{type:"MultiPoint",coordinates:[[20,20],[5,5]]}, sq],
 [{type:"MultiPoint",coordinates:[[20,20],[30,30]]}, sq],
 [{type:"Feature",properties:{},geometry:{type:"Point",coordinates:[5,5]}}, sq],
 [JSON.stringify({type:"Point",coordinates:[5,5]}), JSON.stringify(sq)],
 [{type:"MultiPolygon",coordinates:[[[[20,20],[30,20],[30,30],[20,20]]],[[[1,1],[2,1],[2,2],[1,1]]]]}, sq],
 [{type:"GeometryCollection",geometries:[{type:"Point",coordinates:[50,50]},{type:"LineString",coordinates:[[9,9],[12,12]]}]}, sq],
 [[5,5], sq],
 [{type:"Point",coordinates:[-104.9,39.7]}, {type:"Polygon",coordinates:[[[-105.1,39.6],[-104.8,39.6],[-104.8,39.8],[-105.1,39.8],[-105.1,39.6]]]}],
 [{type:"LineString",coordinates:[[0.1,0.1],[0.3,0.3]]}, {type:"LineString",coordinates:[[0.1,0.3],[0.3,0.1]]}],
];
console.log(JSON.stringify(cases.map(c=>[c[0],c[1],geoCrosses(c[0],c[1])])));

// Writes geodifference.json: each case with HarperDB 4.7.29's geoDifference
// answer (its wrapper around Turf 6.5 difference, copied from harperdb.js).
//   HDB=/work/hdb node geodifference.js > geodifference.json
const difference = require(process.env.HDB + '/node_modules/@turf/difference');
function geoDifference(e,t){ if(e==null||t==null) return null;
 if(typeof e=="string") { try { e = JSON.parse(e) } catch(x){} } if(typeof t=="string") { try { t = JSON.parse(t) } catch(x){} }
 try { const r = difference(e,t); return r === undefined ? null : r } catch(r) { return null } }
const P = c => ({type:"Polygon",coordinates:c});
const sq = P([[[0,0],[10,0],[10,10],[0,10],[0,0]]]);
const cases = [
 [sq, P([[[5,5],[15,5],[15,15],[5,15],[5,5]]])],
 [sq, P([[[2,2],[4,2],[4,4],[2,4],[2,2]]])],
 [sq, P([[[20,20],[30,20],[30,30],[20,30],[20,20]]])],
 [sq, P([[[-1,-1],[11,-1],[11,11],[-1,11],[-1,-1]]])],
 [sq, P([[[-1,4],[11,4],[11,6],[-1,6],[-1,4]]])],
 [sq, P([[[5,-5],[15,5],[5,15],[-5,5],[5,-5]]])],
 [sq, P([[[10,0],[20,0],[20,10],[10,10],[10,0]]])],
 [sq, P([[[0,0],[5,0],[5,10],[0,10],[0,0]]])],
 [P([[[0,0],[0,10],[10,10],[10,0],[0,0]]]), P([[[3,-2],[7,-2],[7,3],[3,3],[3,-2]]])],
 [P([[[0,0],[10,0],[10,10],[0,10],[0,0]],[[3,3],[7,3],[7,7],[3,7],[3,3]]]), P([[[5,-5],[6,-5],[6,15],[5,15],[5,-5]]])],
 [{type:"MultiPolygon",coordinates:[[[[0,0],[4,0],[4,4],[0,4],[0,0]]],[[[6,6],[10,6],[10,10],[6,10],[6,6]]]]}, P([[[2,2],[8,2],[8,8],[2,8],[2,2]]])],
 [{type:"Feature",properties:{name:"a"},geometry:sq}, P([[[5,5],[15,5],[15,15],[5,15],[5,5]]])],
 [JSON.stringify(sq), JSON.stringify(P([[[0,5],[10,5],[10,10],[0,10],[0,5]]]))],
 [P([[[-105,39],[-104,39],[-104,40],[-105,40],[-105,39]]]), P([[[-104.5,39.5],[-103,39.5],[-103,41],[-104.5,41],[-104.5,39.5]]])],
 [P([[[0,0],[4,0],[2,3],[0,0]]]), P([[[1,-1],[3,-1],[3,1],[1,1],[1,-1]]])],
 [{type:"Point",coordinates:[1,1]}, sq],
 [sq, {type:"LineString",coordinates:[[0,0],[1,1]]}],
];
console.log(JSON.stringify(cases.map(c=>[c[0],c[1],geoDifference(c[0],c[1])])));

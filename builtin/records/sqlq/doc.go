// Package sqlq is the SQL layer of the records family: it parses the
// `sql` operation's statement and runs a SELECT over a table store.
//
// Start at ParseWith (statement.go): it returns a *Statement whose Kind
// says what it does and whose Tables name what to check permissions on.
// A SELECT then runs with Statement.Run over a Source (source.go), the
// small interface builtin/records/store satisfies; Statement.Columns gives
// the output column order for CSV headers. INSERT, UPDATE and DELETE are
// only parsed: the family maps Rows, Set and Matching onto its own insert,
// update and delete operations.
//
// Parsing uses github.com/dolthub/vitess/go/vt/sqlparser: a maintained,
// pure-Go MySQL grammar (backticks, db.table names, LIMIT m, n) with an
// AST we walk ourselves; writing a SQL grammar of our own would be more
// code to get wrong. Its version is pinned in go.mod because its latest
// tag does not build.
//
// What runs: one table (db.table, backticks, [brackets], an alias), joins
// (INNER, LEFT, RIGHT, FULL OUTER, CROSS, a table list; ON or USING; across
// databases and self-joins: join.go, primary-key lookups or hash joins on
// equalities), or no FROM
// at all (one row); a column list, *, or * beside other columns; AS;
// DISTINCT; arithmetic (+ - * / %), CASE, and the scalar functions of
// HarperDB's SQL reference (scalar.go, datefn.go: string, math,
// conditional, date and time), geo functions (geo.go) and SEARCH_JSON
// (searchjson.go); WHERE with = != <> < <= > >= <=>, AND/OR/XOR/NOT, IN,
// BETWEEN, LIKE (% and _, case-insensitive, ESCAPE),
// REGEXP/RLIKE, IS [NOT] NULL/TRUE/FALSE; GROUP BY with COUNT(*), COUNT,
// SUM, AVG, MIN, MAX (each with DISTINCT), ARRAY, DISTINCT_ARRAY and
// GROUP_CONCAT, and HAVING; ORDER BY (names, aliases, positions,
// aggregates, expressions; ASC/DESC); LIMIT and OFFSET. INSERT VALUES and
// UPDATE SET take constant expressions. UNION [ALL], INTERSECT and EXCEPT
// run where HarperDB 4.7 runs them, between SELECTs without FROM
// (union.go). Subqueries, set operations over tables and NATURAL JOIN,
// which HarperDB 4.7 fails with a 500, are 400s with HarperDB's text
// (MsgSubquery, MsgSearchProblem, ...). Anything else valid SQL is a 400
// "SQL feature not supported: <what>", never a silent wrong answer.
//
// HarperDB (alasql) reads some text the MySQL grammar does not: [names],
// EXTRACT(date, 'year'), keywords as column names (now, count). ParseWith
// rewrites these first (rewrite.go; a name after INTO, FROM, JOIN, UPDATE
// or TABLE is never taken for a function) and retries with names beside a
// '.' backquoted (qualifiers.go); errors always quote the user's own text.
//
// Semantics a user may ask about:
//   - A missing attribute is NULL. Comparisons follow SQL's three-valued
//     logic: anything compared with NULL is unknown, NOT unknown is still
//     unknown, and WHERE keeps a row only when its condition is true.
//   - A string holding a number compares as that number with a number in
//     IN and the ranges (id IN ('1','2') finds 1 and 2), never with = or
//     != (id = '1' finds no key 1, as in HarperDB); "true"/"false" as a
//     boolean with a boolean (active = 'false'); any other string never
//     equals a number or boolean, and <, > between them are false.
//   - Expressions follow JavaScript where SQL has no answer: + joins text
//     when either side is a string, a NaN or infinite result is NULL, and
//     a NULL operand makes arithmetic and most functions NULL.
//   - ORDER BY sorts NULL < booleans < numbers < strings < objects/arrays,
//     strings by UTF-16 code unit as HarperDB (JavaScript) does; NULLs come
//     first ascending and last descending; ties keep read order (stable).
//   - A primary-key equality or IN among the top-level AND terms of WHERE
//     reads those keys with Source.Get instead of scanning the table.
//   - Without ORDER BY or aggregates rows stream and memory stays flat;
//     ORDER BY with LIMIT keeps only about twice the page in memory.
//   - The parser unescapes '\%' to '%' inside string literals, so a LIKE
//     pattern escapes a wildcard with '\\%' or an ESCAPE clause.
//
// Errors: *Error carries the HTTP status (400) and HarperDB's text; a
// syntax error reads "Invalid SQL at: position N near 'x'. Please ensure
// ...". Errors from the Source are returned unchanged so their own status
// (the store's 404 "Table 'db.t' does not exist") survives.
package sqlq

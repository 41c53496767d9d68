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
// What runs: one table (db.table, backticks, an alias), a column list or
// *, AS, WHERE with = != <> < <= > >= <=>, AND/OR/XOR/NOT, IN, BETWEEN,
// LIKE (% and _, case-insensitive, ESCAPE), IS [NOT] NULL/TRUE/FALSE;
// GROUP BY with COUNT(*), COUNT, SUM, AVG, MIN, MAX (each with DISTINCT)
// and HAVING; ORDER BY (names, aliases, positions, aggregates; ASC/DESC);
// LIMIT and OFFSET. Anything else valid SQL (joins, subqueries, UNION,
// DISTINCT, other functions, arithmetic) is a 400 "SQL feature not
// supported: <what>", never a silent wrong answer.
//
// Semantics a user may ask about:
//   - A missing attribute is NULL. Comparisons follow SQL's three-valued
//     logic: anything compared with NULL is unknown, NOT unknown is still
//     unknown, and WHERE keeps a row only when its condition is true.
//   - A number never equals a string (1 = '1' is false, 1 != '1' true),
//     and <, > between a number and a string are false.
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

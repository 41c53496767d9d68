package sqlq

import (
	"context"
	"errors"
	"testing"
)

// FuzzParseRun checks that no statement text makes Parse or Run panic,
// and that every failure of Parse is a 400 *Error.
func FuzzParseRun(f *testing.F) {
	for _, seed := range []string{
		"SELECT * FROM db.dogs",
		"SELECT id, name AS n FROM db.dogs d WHERE d.age BETWEEN 1 AND 5 OR name LIKE 'P%' ORDER BY 2 DESC LIMIT 2, 3",
		"SELECT breed, COUNT(DISTINCT age) c, AVG(age) FROM db.dogs WHERE id IN (1, 'x', NULL) GROUP BY 1 HAVING c > 0 ORDER BY MAX(id)",
		"SELECT id FROM db.dogs WHERE NOT (good IS TRUE) XOR age <=> NULL",
		"INSERT INTO db.dogs (id, name) VALUES (1, 'a'), (-2.5, NULL)",
		"UPDATE db.dogs SET name = 'x' WHERE id = 1",
		"DELETE FROM db.dogs WHERE id IN (1, 2)",
		"SELECT `select` FROM `db`.`order` WHERE `from` = -1e400",
		"SELECT DISTINCT *, SUBSTRING(name, -2, 1) AS s, RANDOM(9) r, DATE_ADD(age, 1, 'M') FROM [db].[dogs] WHERE name REGEXP '^P' ORDER BY s",
		"SELECT d.name, e.id, GROUP_CONCAT(e.name) FROM db.dogs d LEFT JOIN db.dogs e ON d.id = e.age GROUP BY d.name",
		"SELECT CASE age WHEN 5 THEN geoDistance('[0,0]', '[1,1]') ELSE SEARCH_JSON('first', owner) END, now FROM db.dogs",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		st, err := Parse(sql)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != 400 || e.Msg == "" {
				t.Fatalf("%q: error %v (%T) is not a 400 *Error", sql, err, err)
			}
			return
		}
		src := newDogs(t)
		ctx := context.Background()
		switch st.Kind {
		case Select:
			_ = st.Run(ctx, src, func(map[string]any) error { return nil })
			_, _ = st.Columns(src)
		case Update, Delete:
			_ = st.Matching(ctx, src, func(map[string]any) error { return nil })
		}
	})
}

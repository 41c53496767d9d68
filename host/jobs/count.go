package jobs

import (
	"fmt"

	"github.com/tidwall/buntdb"
)

// CountByStatus returns how many job records are in each state. It walks
// the status index counting keys, without decoding a record.
func (s *Store) CountByStatus() (map[Status]int, error) {
	out := map[Status]int{}
	err := s.db.View(func(tx *buntdb.Tx) error {
		for _, st := range []Status{StatusInProgress, StatusComplete, StatusError} {
			n := 0
			pivot := `{"status":"` + string(st) + `"}`
			if err := tx.AscendEqual(indexByStatus, pivot, func(string, string) bool { n++; return true }); err != nil {
				return fmt.Errorf("count %s jobs: %w", st, err)
			}
			out[st] = n
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

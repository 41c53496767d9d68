package config

import (
	"sync"
	"testing"
)

// Readers, Set and Reload may run at once (requests read the config while
// set_configuration and restart_service run); run with -race.
func TestConcurrentUse(t *testing.T) {
	c := testConfig(t, userFile, nil, nil)
	var wg sync.WaitGroup
	levels := []string{"warn", "error", "info", "debug"}
	for i := range levels {
		wg.Add(2)
		go func(level string) {
			defer wg.Done()
			if err := c.Set(map[string]any{"logging_level": level}); err != nil {
				t.Error(err)
			}
			if err := c.Reload(); err != nil {
				t.Error(err)
			}
		}(levels[i])
		go func() {
			defer wg.Done()
			for range 50 {
				_ = c.String("logging.level")
				_ = c.Effective()
				_ = c.PendingRestart()
			}
		}()
	}
	wg.Wait()
	found := false
	for _, l := range levels {
		found = found || c.String("logging.level") == l
	}
	if !found {
		t.Errorf("final level %q is none of the levels set", c.String("logging.level"))
	}
}

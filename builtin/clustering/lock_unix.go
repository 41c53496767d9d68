//go:build unix

package clustering

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// errLocked says another process holds the store lock.
var errLocked = errors.New("another process holds the clustering store")

// lockStore takes an exclusive, non-blocking flock on path, so two
// processes never run a NATS server on one JetStream store (a family
// restarted while the old process is still stopping waits for it). The
// lock goes with the process: a crash releases it.
func lockStore(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, fileMode)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errLocked
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}

//go:build !unix

package clustering

import (
	"errors"
	"os"
)

// errLocked says another process holds the store lock.
var errLocked = errors.New("another process holds the clustering store")

// lockStore opens the lock file; without flock it does not exclude another
// process.
func lockStore(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_CREATE|os.O_RDWR, fileMode)
}

package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// BackupDir is the folder under rootPath where Set keeps each file it
// replaces, as HarperDB does.
const BackupDir = "backup"

// backupTimeLayout is HarperDB's backup name stamp: an ISO time with ':'
// replaced by '-' (2026-11-23T04-34-17.004Z).
const backupTimeLayout = "2006-01-02T15-04-05.000Z"

// backup copies the current config file, if there is one, to
// <rootPath>/backup/<UTC time>-<file name>.bak (mode 0600 in a 0700
// folder) before Set replaces it.
func (c *Config) backup() error {
	data, err := c.readFile()
	if err != nil || data == nil {
		return err
	}
	dir := filepath.Join(c.rootPath, BackupDir)
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("config: creating %s: %w", dir, err)
	}
	name := time.Now().UTC().Format(backupTimeLayout) + "-" + filepath.Base(c.filePath) + ".bak"
	return writeAtomic(filepath.Join(dir, name), data, fileMode)
}

// removeStaleTemps deletes the temporary files an interrupted write left
// beside the config file (.hops-config.yaml.tmp-*). Called at start, when
// no writer of this root runs.
func (c *Config) removeStaleTemps() error {
	dir := filepath.Dir(c.filePath)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("config: listing %s: %w", dir, err)
	}
	prefix := "." + filepath.Base(c.filePath) + ".tmp-"
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) && e.Type().IsRegular() {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("config: removing %s: %w", e.Name(), err)
			}
		}
	}
	return nil
}

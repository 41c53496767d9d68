//go:build !linux

package exporter

import (
	"errors"
	"os"
)

// errNoUnnamed says this system has no unnamed files: exports use a
// hidden temp name, which a killed process leaves behind.
var errNoUnnamed = errors.New("unnamed files need Linux O_TMPFILE")

func openUnnamed(string) (*os.File, error) { return nil, errNoUnnamed }

func linkUnnamed(*os.File, string, string) (string, error) { return "", errNoUnnamed }

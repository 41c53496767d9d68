// Package logging builds the host's logger from the logging.* settings:
// hclog lines (text or JSON) to stderr and/or <logging.root>/hops.log,
// the file rotated by size and on a timer with
// gopkg.in/natefinch/lumberjack.v2, rotated files optionally moved to
// logging.rotation.path, gzipped and deleted past a retention.
//
// Where to start: FromConfig (what the host calls) and Options.
//
// One copy of each line: under a service manager (systemd sets
// INVOCATION_ID and JOURNAL_STREAM for the processes it starts) with both
// logging.stdStreams and logging.file on, stderr would put every line in
// the journal as well as in the file. The file wins: it is the configured
// place, rotated as configured; stderr gets one line saying where the log
// is. Set logging.file: false to log to the journal only.
//
// Rotation: the file writer counts what it writes and rotates before a
// line would take the file past maxSize (so lumberjack's own size check
// never fires and every rotation goes through one path), and on the
// interval timer when the file is not empty. After each rotation the
// rotated file is moved to rotation.path (when set), gzipped (compress),
// and rotated files older than retention are deleted.
package logging

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/hops-dev/hops/host/config"
)

// FileName is the active log file's name inside logging.root.
const FileName = "hops.log"

// dirMode keeps log folders private: lines name users and addresses.
const dirMode = 0o700

// Environment variables systemd sets for the processes it runs: either
// one means stderr is captured by the journal.
var serviceManagerVars = []string{"INVOCATION_ID", "JOURNAL_STREAM"}

// Options configure New. Each field is a logging.* setting.
type Options struct {
	// Name is the root logger's name. Default "hops".
	Name string
	// Level is logging.level (trace ... fatal; notify is info). Default info.
	Level string
	// JSON is logging.format: json: one JSON object per line.
	JSON bool
	// Stderr is logging.stdStreams.
	Stderr bool
	// File is logging.file: write <Dir>/hops.log.
	File bool
	// Dir is logging.root. Required when File is set.
	Dir string
	// Rotation is logging.rotation.
	Rotation Rotation
	// Environ is the environment, to detect a service manager. Default
	// os.Environ.
	Environ func() []string
	// StderrWriter replaces os.Stderr (tests). Default os.Stderr.
	StderrWriter io.Writer
}

// Rotation is logging.rotation.*.
type Rotation struct {
	// Enabled turns rotation on; off, the file grows without bound.
	Enabled bool
	// MaxSize is the largest the file may grow, in bytes (rounded up to
	// whole mebibytes, lumberjack's unit); zero: no size limit (rotation
	// by Interval only).
	MaxSize int64
	// Interval, when positive, also rotates a non-empty file on a timer.
	Interval time.Duration
	// Compress gzips rotated files.
	Compress bool
	// Path is the folder rotated files are moved to; empty: Dir.
	Path string
	// Retention, when positive, deletes rotated files older than this
	// after each rotation.
	Retention time.Duration
}

// Logger is the host's logger and what must be closed when the host stops.
type Logger struct {
	hclog.Logger
	file *rotatingFile
}

// Close stops the rotation timer and closes the file.
func (l *Logger) Close() error {
	if l.file == nil {
		return nil
	}
	return l.file.Close()
}

// New builds the logger. It creates Dir (mode 0700) and opens the file
// when File is set.
func New(opts Options) (*Logger, error) {
	if opts.Name == "" {
		opts.Name = "hops"
	}
	if opts.Environ == nil {
		opts.Environ = os.Environ
	}
	if opts.StderrWriter == nil {
		opts.StderrWriter = os.Stderr
	}
	var outs []io.Writer
	out := &Logger{}
	if opts.File {
		f, err := openRotating(opts.Dir, opts.Rotation)
		if err != nil {
			return nil, err
		}
		out.file = f
		outs = append(outs, f)
	}
	stderr := opts.Stderr
	if stderr && opts.File && underServiceManager(opts.Environ()) {
		stderr = false
		fmt.Fprintf(opts.StderrWriter, "hops: a service manager captures stderr; logging to %s only (logging.file: false logs here instead)\n",
			filepath.Join(opts.Dir, FileName))
	}
	if stderr {
		outs = append(outs, opts.StderrWriter)
	}
	if len(outs) == 0 {
		outs = append(outs, io.Discard)
	}
	out.Logger = hclog.New(&hclog.LoggerOptions{
		Name:       opts.Name,
		Level:      hclog.LevelFromString(opts.Level),
		Output:     io.MultiWriter(outs...),
		JSONFormat: opts.JSON,
	})
	return out, nil
}

// FromConfig builds the logger from the running configuration's logging.*
// keys.
func FromConfig(cfg *config.Config) (*Logger, error) {
	rot := Rotation{
		Enabled:   cfg.Bool("logging.rotation.enabled"),
		Interval:  cfg.Duration("logging.rotation.interval"),
		Compress:  cfg.Bool("logging.rotation.compress"),
		Path:      cfg.String("logging.rotation.path"),
		Retention: cfg.Duration("logging.rotation.retention"),
	}
	if s := cfg.String("logging.rotation.maxSize"); s != "" {
		n, err := config.ParseSize(s)
		if err != nil {
			return nil, fmt.Errorf("logging.rotation.maxSize: %w", err)
		}
		rot.MaxSize = n
	}
	dir := cfg.String("logging.root")
	if dir == "" {
		dir = filepath.Join(cfg.RootPath(), "log")
	}
	l, err := New(Options{
		Level:    cfg.String("logging.level"),
		JSON:     cfg.String("logging.format") == "json",
		Stderr:   cfg.Bool("logging.stdStreams"),
		File:     cfg.Bool("logging.file"),
		Dir:      dir,
		Rotation: rot,
	})
	if err != nil {
		return nil, fmt.Errorf("logging.root / logging.rotation.path: %w", err)
	}
	return l, nil
}

// underServiceManager reports whether a service manager captures stderr.
func underServiceManager(environ []string) bool {
	for _, kv := range environ {
		for _, name := range serviceManagerVars {
			if len(kv) > len(name)+1 && kv[:len(name)+1] == name+"=" {
				return true
			}
		}
	}
	return false
}

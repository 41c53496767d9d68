package logging

import "github.com/hashicorp/go-hclog"

// pluginTimestampKey is the argument go-plugin adds to every line it
// re-logs from a plugin's stderr: the plugin's own time of the line,
// which the host's logger stamps again.
const pluginTimestampKey = "timestamp"

// ForPlugins wraps l for go-plugin's client: the "timestamp" argument it
// appends to each plugin line is dropped, so a plugin line carries one
// timestamp, the host's (taken when the line is re-logged, within the
// pipe's latency of the plugin's). Loggers derived from it (Named, With)
// drop it too.
func ForPlugins(l hclog.Logger) hclog.Logger { return pluginLogger{l} }

type pluginLogger struct{ hclog.Logger }

func strip(args []any) []any {
	for i := 0; i+1 < len(args); i += 2 {
		if k, ok := args[i].(string); ok && k == pluginTimestampKey {
			out := make([]any, 0, len(args)-2)
			out = append(out, args[:i]...)
			return append(out, args[i+2:]...)
		}
	}
	return args
}

func (p pluginLogger) Log(level hclog.Level, msg string, args ...any) {
	p.Logger.Log(level, msg, strip(args)...)
}
func (p pluginLogger) Trace(msg string, args ...any) { p.Logger.Trace(msg, strip(args)...) }
func (p pluginLogger) Debug(msg string, args ...any) { p.Logger.Debug(msg, strip(args)...) }
func (p pluginLogger) Info(msg string, args ...any)  { p.Logger.Info(msg, strip(args)...) }
func (p pluginLogger) Warn(msg string, args ...any)  { p.Logger.Warn(msg, strip(args)...) }
func (p pluginLogger) Error(msg string, args ...any) { p.Logger.Error(msg, strip(args)...) }

func (p pluginLogger) With(args ...any) hclog.Logger { return pluginLogger{p.Logger.With(args...)} }
func (p pluginLogger) Named(name string) hclog.Logger {
	return pluginLogger{p.Logger.Named(name)}
}
func (p pluginLogger) ResetNamed(name string) hclog.Logger {
	return pluginLogger{p.Logger.ResetNamed(name)}
}

var _ hclog.Logger = pluginLogger{}

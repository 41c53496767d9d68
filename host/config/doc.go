// Package config is the hops host's configuration: the only place that knows
// which source wins, which keys exist and what type each holds, and how the
// config file is edited.
//
// # Where to start
//
// New builds a *Config; its accessors (String, Int, Bool, Duration, Strings,
// Unmarshal, SectionJSON, Plugins) read it by dotted path such as
// "operationsApi.network.port". Set is set_configuration, Effective is
// get_configuration, Reload is restart_service, EnsureFile runs at first
// start. The key table is schema_harper.go (HarperDB's names) and
// schema_hops.go (hops' own); acting.go says which keys act, what each
// does and which test proves it; the defaults are configs/defaults.yaml.
// warn.go reports keys that do not act, validate.go checks what a start
// needs from the machine, docs.go renders the key table and the JSON
// Schema, layers.go names HarperDB's environment layers, backup.go keeps
// set_configuration's backups.
//
// # Precedence
//
// Layers, each beating the ones before it (HarperDB 4.7's order, with the
// environment and flags where HarperDB applies them):
//
//  1. the embedded defaults (configs.Defaults);
//  2. HARPER_DEFAULT_CONFIG: a JSON object shaped like the file, defaults
//     an installer provides that the file's values override;
//  3. the file: HDB_CONFIG when set, else <rootPath>/hops-config.yaml;
//  4. the environment: HarperDB-style names, the key path upper-cased with
//     "_" between levels (OPERATIONSAPI_NETWORK_PORT, LOGGING_LEVEL,
//     AUTHENTICATION_CACHETTL), matched case-insensitively against the known
//     keys. Other variables (PATH, HOME, ...) are ignored, as are empty
//     values, legacy aliases (NODE_NAME or LOG_LEVEL are too likely to be set
//     for something else) and object or free-form keys (TLS, THREADS,
//     FAMILIES_*), whose whole block a stray variable would replace;
//  5. flags: Options.Flags, dotted paths or flat names given by the command
//     line (SplitKeyFlags takes HarperDB's --KEY value flags out of args);
//  6. HARPER_SET_CONFIG: a JSON object shaped like the file that always
//     wins, for settings a platform enforces.
//
// Environment and flag values are strings converted to the key's type
// (bools accept true/false/1/0/yes/no/on/off, lists a JSON array or
// comma-separated items, "null" is null where a key allows it). A value that
// does not convert, or a file value of the wrong type, fails New or Reload
// with a *LoadError naming the key and its layer. A null or empty section
// is the same as an absent one; a null or empty operationsApi.network.host
// is 127.0.0.1.
//
// # Keys that act
//
// Every key hops accepts acts: acting.go lists each with what it does and
// the test that proves it (the source of docs/configuration.md and of the
// JSON Schema). A key no layer knows (a typo) or a HarperDB key hops does
// not implement is a Warning naming the key and its layer: the file, the
// JSON layers and the environment load anyway (so a HarperDB file loads)
// and hops logs each at WARN; flags and Set refuse such keys. Check and
// CheckStart are what `hops config check` and the start run.
//
// rootPath is resolved before any layer is read: the rootPath flag, else
// ROOTPATH, else ~/hops ("~" expanded, made absolute). A rootPath written in
// the file cannot move the file that holds it: a different value is
// reported. logging.root and componentsRoot, when null, become
// <rootPath>/log and <rootPath>/components.
//
// # Writing
//
// Set maps flat names (any case, "_" between levels, or HarperDB's legacy
// aliases) to paths by matching the known keys, checks every value strictly,
// and refuses the whole request with a *SetError if anything is wrong. The
// file is edited through the yaml.v3 node tree: each change is spliced into
// the original text at the position the tree gives, so comments, key order,
// blank lines and quoting outside the changed lines survive byte for byte; if
// a layout defeats splicing, the node tree itself is edited and re-encoded
// (comments and order still kept). The result is re-read and compared with
// the intended document, and checked as a start would check it (new
// warnings, certificate files, writable directories, nesting depth and
// size), before it replaces the file (temp file, fsync, rename); the file
// it replaces is copied to <rootPath>/backup/ first. plugins is never
// written by Set. Only the keys passed to Set are written: the file never receives
// an environment or flag value. Set does not change the running values; it
// marks PendingRestart and Effective shows the configuration a restart
// will load.
//
// # Libraries
//
// github.com/knadh/koanf/v2 does the layering: small, with providers for raw
// bytes and the environment, and a merge that treats every source the same
// way. gopkg.in/yaml.v3 edits the file because it exposes a node tree with
// positions and comments, which koanf (flattened maps) cannot give.
package config

package config

// HarperDB's environment variables that give whole layers of
// configuration (see the package doc for where each sits).
const (
	// EnvConfigFile names the config file to use instead of
	// <rootPath>/hops-config.yaml (HarperDB's HDB_CONFIG).
	EnvConfigFile = "HDB_CONFIG"
	// EnvDefaultConfig is a JSON object of defaults, applied under the
	// file: the file's values win (HarperDB's HARPER_DEFAULT_CONFIG).
	EnvDefaultConfig = "HARPER_DEFAULT_CONFIG"
	// EnvSetConfig is a JSON object of settings that beat every other
	// layer, flags included (HarperDB's HARPER_SET_CONFIG: "always wins").
	EnvSetConfig = "HARPER_SET_CONFIG"
)

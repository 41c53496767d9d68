//go:build !unix

package config

// isEINVAL: other systems do not report a directory fsync this way.
func isEINVAL(error) bool { return false }

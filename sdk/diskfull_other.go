//go:build !unix

package sdk

import "syscall"

// diskFullErrnos are the errors of a write that found no space.
var diskFullErrnos = []error{syscall.ENOSPC}

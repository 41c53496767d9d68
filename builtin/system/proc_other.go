//go:build !unix

package system

import "os/exec"

// killGroupOnCancel keeps os/exec's default on platforms without process
// groups: only npm itself is killed when its context ends.
func killGroupOnCancel(*exec.Cmd) {}

// Package e2e holds end-to-end tests: they build the do86 command and boot
// the shared test images through it, as a user would, and check what the
// guests show (screens, serial output, exit codes).
package e2e

//go:build !linux

package bench

import "os"

// cpuSeconds is not measured on this system.
func cpuSeconds() float64 { return 0 }

// childUsage is not measured on this system.
func childUsage(ps *os.ProcessState) (rssMiB, cpu float64) {
	return 0, ps.UserTime().Seconds() + ps.SystemTime().Seconds()
}

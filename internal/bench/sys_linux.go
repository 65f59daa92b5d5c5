package bench

import (
	"os"
	"syscall"
)

// cpuSeconds is the user and system CPU time this process used so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return tv(ru.Utime) + tv(ru.Stime)
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

// childUsage returns a finished child's peak resident set (MiB) and CPU
// seconds.
func childUsage(ps *os.ProcessState) (rssMiB, cpu float64) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, 0
	}
	return float64(ru.Maxrss) / 1024, tv(ru.Utime) + tv(ru.Stime)
}

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/do86/do86/internal/testenv"
)

// TestWarpClockSkipsSleeps boots Linux directly and has its shell sleep
// for ten minutes of guest time: with the warp clock the guest, halted
// in the meantime, is woken at once by its timer, so the command finishes
// long before ten minutes of real time (the run's --timeout) have passed;
// with a real-time clock it could not.
func TestWarpClockSkipsSleeps(t *testing.T) {
	code, out, errs := interactive(t, 9*time.Minute, "do86:/# ", "sleep 600; echo SLEPT-$((1+1))\n",
		"run", "--kernel", testenv.Image(t, "linux-vmlinuz"), "--initrd", testenv.Image(t, "linux-initrd.gz"),
		"--append", "console=ttyS0,115200 console=tty0", "--display", "none", "--serial", "stdio",
		"--clock", "warp", "--stats", "--until-serial", "SLEPT-2", "--timeout", "8m")
	if code != 0 {
		t.Fatalf("exit %d (3: the sleep did not end within the host timeout)\nstderr: %s\nserial tail:\n%s", code, errs, lastLines(out, 20))
	}
	if !strings.Contains(errs, "the warp clock skipped") {
		t.Errorf("--stats does not report skipped time:\n%s", errs)
	}
}

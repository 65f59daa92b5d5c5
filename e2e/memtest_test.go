package e2e

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// memtest86+ is Debian's build of memtest86+ 6 for 32-bit PCs (package
// memtest86+, installed by make setup-test): a bzImage whose syssize runs
// 8 bytes past the end of the file, that turns on PAE paging with 2 MiB
// pages (CR4.PAE without CR4.PSE) and walks all of memory.
const memtest86 = "/boot/memtest86+ia32.bin"

// TestMemtest86Plus boots memtest86+ directly and lets it test memory:
// it reports the PAE mode on COM1 (its screen, drawn with ANSI sequences)
// and reaches its fifth test with no errors and no crash of the CPU core.
func TestMemtest86Plus(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the built binary and Debian's memtest86+")
	}
	if _, err := os.Stat(memtest86); err != nil {
		t.Fatalf("%s missing (make setup-test installs Debian's memtest86+): %v", memtest86, err)
	}
	r := do86(t, 600*time.Second, "run", "--kernel", memtest86, "--append", "console=ttyS0,115200",
		"--memory", "64M", "--display", "none", "--serial", "stdio",
		"--until-serial", `#[4-9]  \[`, "--timeout", "480s")
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr: %s\nserial tail:\n%q", r.code, r.stderr, r.stdout[max(0, len(r.stdout)-1500):])
	}
	for _, want := range []string{"Memtest86+ v6", "[PAE]"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("COM1 lacks %q", want)
		}
	}
	if m := regexp.MustCompile(`Errors: *([0-9]+)`).FindAllStringSubmatch(r.stdout, -1); len(m) == 0 || m[len(m)-1][1] != "0" {
		t.Errorf("memtest86+ reports errors: %v", m)
	}
}

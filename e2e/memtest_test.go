package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
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

// TestGRUBMemtest86Plus builds a GRUB rescue CD (Debian's grub-mkrescue,
// grub-pc-bin and xorriso) whose menu boots memtest86+ with GRUB's
// linux16 loader, and boots it from do86's CD-ROM: GRUB's menu shows on
// COM1, then memtest86+ tests memory with no errors.
func TestGRUBMemtest86Plus(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the built binary, Debian's memtest86+ and grub-mkrescue")
	}
	if _, err := os.Stat(memtest86); err != nil {
		t.Fatalf("%s missing (make setup-test installs Debian's memtest86+): %v", memtest86, err)
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "cd")
	if err := os.MkdirAll(filepath.Join(root, "boot", "grub"), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(memtest86)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "boot", "memtest.bin"), b, 0o644)
	os.WriteFile(filepath.Join(root, "boot", "grub", "grub.cfg"), []byte(`serial --unit=0 --speed=115200
terminal_input console serial
terminal_output console serial
set timeout=1
menuentry "memtest86+" {
  linux16 /boot/memtest.bin console=ttyS0,115200
}
`), 0o644)
	iso := filepath.Join(dir, "grub.iso")
	if out, err := exec.Command("grub-mkrescue", "-o", iso, root).CombinedOutput(); err != nil {
		t.Fatalf("grub-mkrescue (make setup-test installs grub-common, grub-pc-bin, xorriso, mtools): %v\n%s", err, out)
	}
	r := do86(t, 600*time.Second, "run", "--cdrom", iso, "--memory", "64M", "--display", "none",
		"--serial", "stdio", "--until-serial", `#[3-9]  \[`, "--timeout", "480s")
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr: %s\nserial tail:\n%q", r.code, r.stderr, r.stdout[max(0, len(r.stdout)-1500):])
	}
	for _, want := range []string{"GNU GRUB", "Memtest86+ v6", "[PAE]"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("COM1 lacks %q", want)
		}
	}
	if m := regexp.MustCompile(`Errors: *([0-9]+)`).FindAllStringSubmatch(r.stdout, -1); len(m) == 0 || m[len(m)-1][1] != "0" {
		t.Errorf("memtest86+ reports errors: %v", m)
	}
}

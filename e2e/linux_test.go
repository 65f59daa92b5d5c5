package e2e

import (
	"bufio"
	"bytes"
	"context"
	"image"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/do86/do86/internal/testenv"
	"github.com/do86/do86/pkg/display"
)

// interactive runs do86 with a pipe to its stdin: once stdout shows
// trigger, it writes send. It returns the exit code and all output.
func interactive(t *testing.T, deadline time.Duration, trigger, send string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, testenv.Binary(t), args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		r := bufio.NewReader(stdout)
		sent := false
		buf := make([]byte, 4096)
		for {
			n, err := r.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			hit := !sent && strings.Contains(out.String(), trigger)
			mu.Unlock()
			if hit {
				sent = true
				io.WriteString(stdin, send)
			}
			if err != nil {
				return
			}
		}
	}()
	err = cmd.Wait()
	<-done
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("do86: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("do86 did not stop within %s; stderr:\n%s\nstdout tail:\n%s", deadline, errb.String(), lastLines(out.String(), 20))
	}
	return code, out.String(), errb.String()
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// TestLinuxCDShell is issue 4's acceptance: the Debian CD boots through
// isolinux to a BusyBox shell on COM1, which runs a command typed to do86's
// stdin; the VGA console shows the shell prompt too.
func TestLinuxCDShell(t *testing.T) {
	shot := filepath.Join(t.TempDir(), "l.png")
	// The shell on ttyS0 starts after DO86-LINUX-READY; the 8250 driver
	// empties the UART's FIFO when the shell opens the port, so bytes sent
	// earlier are lost, as on a real serial line. Type at the prompt.
	code, out, errs := interactive(t, 300*time.Second, "do86:/# ", "uname -a\n",
		"run", "--cdrom", testenv.Image(t, "linux.iso"), "--display", "none", "--serial", "stdio",
		"--until-serial", `Linux do86 6\.1\.0`, "--timeout", "180s", "--screenshot", shot)
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s\nserial tail:\n%s", code, errs, lastLines(out, 30))
	}
	if !strings.Contains(out, "ISOLINUX") {
		t.Error("serial output lacks the ISOLINUX banner: did it boot from the CD?")
	}
	// The VGA text console (tty1) shows BusyBox's prompt as well; compare
	// with QEMU's screenshot of the same moment.
	got := loadPNG(t, shot)
	want := loadPNG(t, testenv.Image(t, "linux-cd.png"))
	if got.Bounds() != want.Bounds() {
		t.Fatalf("screenshot is %v, want %v (80x25 text)", got.Bounds(), want.Bounds())
	}
	// The kernel log above differs in its timestamps; the last seven rows —
	// DO86-LINUX-READY, the BusyBox banner and the prompt — must not (the
	// cursor cell aside).
	bottom := image.Rect(0, 18*16, 720, 24*16)
	if d, err := display.MeanDifference(got.SubImage(bottom), want.SubImage(bottom)); err != nil || d > 0.5 {
		t.Errorf("the VGA console's last rows differ from QEMU's: mean difference %.2f (%v)", d, err)
	}
}

// TestLinuxDirectBoot is issue 5's acceptance for --kernel/--initrd/--append.
func TestLinuxDirectBoot(t *testing.T) {
	r := do86(t, 300*time.Second, "run", "--kernel", testenv.Image(t, "linux-vmlinuz"),
		"--initrd", testenv.Image(t, "linux-initrd.gz"), "--append", "console=ttyS0,115200 console=tty0",
		"--display", "none", "--serial", "stdio", "--until-serial", "DO86-LINUX-READY", "--timeout", "180s")
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr: %s\nserial tail:\n%s", r.code, r.stderr, lastLines(r.stdout, 30))
	}
	if !strings.Contains(r.stdout, "Linux version 6.1.0") {
		t.Error("no kernel banner on the serial port")
	}
}

// TestAqeousOS is issue 5's acceptance for Multiboot and AHCI: the kernel
// finds its AHCI disk, says MISSION ACCOMPLISHED on COM1, and its screen
// then shows the ">" prompt exactly as under QEMU.
func TestAqeousOS(t *testing.T) {
	dir := t.TempDir()
	shot := filepath.Join(dir, "a.png")
	r := do86(t, 300*time.Second, "run", "--multiboot", testenv.Image(t, "aqeous.bin"), "--ahci-disk-size", "32M",
		"--memory", "1024M", "--display", "none", "--serial", "stdio", "--until-serial", "MISSION ACCOMPLISHED", "--timeout", "180s")
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr: %s\nserial tail:\n%s", r.code, r.stderr, lastLines(r.stdout, 30))
	}
	r = do86(t, 300*time.Second, "run", "--multiboot", testenv.Image(t, "aqeous.bin"), "--ahci-disk-size", "32M",
		"--memory", "1024M", "--display", "none", "--until-text", `(?m)^>`, "--timeout", "180s", "--screenshot", shot)
	if r.code != 0 {
		t.Fatalf("no > prompt: exit %d\nstderr: %s", r.code, r.stderr)
	}
	assertLikeReference(t, shot, "aqeous.png", 0.5)
}

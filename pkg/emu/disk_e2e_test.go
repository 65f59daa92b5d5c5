package emu_test

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/do86/do86/internal/fatimg"
	"github.com/do86/do86/internal/testenv"
	"github.com/do86/do86/pkg/emu"
	"github.com/do86/do86/pkg/input"
)

// The disk test's guest command and what it leaves: FreeDOS's ECHO keeps
// the space before the redirection, so the file may end "TEST \r\n".
const (
	proofCommand = `echo DO86-DISK-TEST > C:\PROOF.TXT`
	proofType    = `type C:\PROOF.TXT`
	diskSize     = 32 << 20
	bigSize      = 1 << 20
)

var proofContents = regexp.MustCompile(`^DO86-DISK-TEST ?\r\n$`)

// promptLine returns what follows the last A:\> prompt on screen.
func promptLine(screen string) string {
	lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if rest, ok := strings.CutPrefix(lines[i], `A:\>`); ok {
			return rest
		}
	}
	return ""
}

// typeLine types line at FreeDOS's prompt a character at a time, each once
// the previous one shows: the keyboard holds only 15 bytes of scancodes, and
// the emulation goroutine, on a loaded host, may not take input for a tenth
// of a second.
func (v *vm) typeLine(line string) {
	v.t.Helper()
	for i, r := range line {
		if err := input.TypeString(v, string(r)); err != nil {
			v.t.Fatal(err)
		}
		want := line[:i+len(string(r))]
		deadline := time.Now().Add(10 * time.Second)
		for {
			got := promptLine(v.screen())
			if got == want || got == strings.TrimRight(want, " ") {
				break
			}
			if !strings.HasPrefix(want, got) || time.Now().After(deadline) {
				v.t.Fatalf("typing %q: the prompt shows %q", line, got)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
}

// command types line at the A:\> prompt, presses Enter and waits until
// FreeDOS shows the prompt again below what the command printed, matched by
// out. It returns the time from Enter to the new prompt.
func (v *vm) command(line, out string) time.Duration {
	v.t.Helper()
	v.typeLine(line)
	t0 := time.Now()
	input.Tap(v, input.Enter)
	done := regexp.MustCompile(`(?m)^A:\\>` + regexp.QuoteMeta(line) + `\n` + out + `\n*A:\\>$`)
	deadline := t0.Add(60 * time.Second)
	for {
		s := v.screen()
		if done.MatchString(s) {
			return time.Since(t0)
		}
		if time.Now().After(deadline) {
			v.t.Fatalf("no prompt after %q; the screen shows:\n%s", line, s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stop stops the machine as its owner would: Run returns, Close closes
// (and flushes) the disks.
func (v *vm) stop() {
	v.cancel()
	<-v.done
	if v.err != nil {
		v.t.Fatalf("machine stopped with %v", v.err)
	}
	v.Close()
}

// reboot presses Ctrl-Alt-Del and waits for FreeDOS to boot again.
func (v *vm) reboot() {
	v.t.Helper()
	boots := strings.Count(v.dbg.String(), "Booting from Floppy")
	input.Chord(v, input.LCtrl, input.LAlt, input.Delete)
	deadline := time.Now().Add(60 * time.Second)
	// The BIOS clears the screen before it boots, so the prompt seen
	// after this is the new one.
	for strings.Count(v.dbg.String(), "Booting from Floppy") == boots {
		if time.Now().After(deadline) {
			v.t.Fatalf("no second boot after Ctrl-Alt-Del; debug console:\n%s", tail(v.dbg.String(), 2000))
		}
		time.Sleep(20 * time.Millisecond)
	}
	v.waitText(`A:\\>`, 60*time.Second)
}

// bootDisk boots FreeDOS from its floppy with hda as the first hard disk and
// waits for its prompt and for SeaBIOS to have found the disk.
func bootDisk(t *testing.T, hda string, persist bool, overlay string) *vm {
	t.Helper()
	v := start(t, emu.Config{
		Memory:  64 << 20,
		Floppy:  [2]string{testenv.Image(t, "freedos722.img")},
		HDA:     hda,
		Persist: persist,
		Overlay: overlay,
	})
	v.waitText(`A:\\>`, 60*time.Second)
	if !regexp.MustCompile(`ata0-0: DO86 HARDDISK ATA-\d Hard-Disk \(32 MiBytes\)`).MatchString(v.dbg.String()) {
		t.Fatalf("SeaBIOS did not find the disk; debug console:\n%s", tail(v.dbg.String(), 3000))
	}
	return v
}

// blankDisk writes a fresh FAT16 disk holding BIG.BIN (bigSize bytes of a
// pattern) and returns its path and contents.
func blankDisk(t *testing.T) (string, []byte) {
	t.Helper()
	im, err := fatimg.New(diskSize)
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, bigSize)
	for i := range big {
		big[i] = byte(i*31 + i>>9) // differs from sector to sector
	}
	if err := im.AddFile("BIG.BIN", big); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "disk.img")
	if err := im.Save(path); err != nil {
		t.Fatal(err)
	}
	return path, big
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// writeProof has FreeDOS write PROOF.TXT on C: and read it back from there.
func writeProof(v *vm) {
	v.command(proofCommand, ``)
	v.command(proofType, `DO86-DISK-TEST\n`)
}

// TestFreeDOSDiskPersist is issue 4's disk test with --persist: FreeDOS,
// through SeaBIOS's INT 13h and the IDE disk, writes a file on C: and copies
// a 1 MiB file, and both are in the image file afterwards.
func TestFreeDOSDiskPersist(t *testing.T) {
	path, big := blankDisk(t)
	v := bootDisk(t, path, true, "")
	writeProof(v)
	// Throughput as the guest sees it, timed from Enter to the next prompt
	// (FreeDOS, INT 13h, PIO): reading 1 MiB, then copying it on C:.
	rd := v.command(`copy C:\BIG.BIN NUL`, `C:\\BIG\.BIN => NUL\n`)
	cp := v.command(`copy C:\BIG.BIN C:\COPY.BIN`, `C:\\BIG\.BIN => C:\\COPY\.BIN\n`)
	mib := float64(bigSize) / (1 << 20)
	t.Logf("FreeDOS read 1 MiB from C: in %v (%.1f MiB/s), copied it in %v (%.1f MiB/s read and written)",
		rd.Round(time.Millisecond), mib/rd.Seconds(), cp.Round(time.Millisecond), mib/cp.Seconds())
	v.stop()

	im, err := fatimg.Load(path)
	if err != nil {
		t.Fatalf("the image after the run: %v", err)
	}
	got, err := im.ReadFile("PROOF.TXT")
	if err != nil {
		t.Fatalf("%v (root directory: %q)", err, im.Names())
	}
	if !proofContents.Match(got) {
		t.Errorf("PROOF.TXT holds %q", got)
	}
	t.Logf("PROOF.TXT in the image: %q", got)
	for _, name := range []string{"BIG.BIN", "COPY.BIN"} {
		b, err := im.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, big) {
			t.Errorf("%s (%d bytes) differs from the BIG.BIN the test wrote (%d bytes)", name, len(b), len(big))
		}
	}
}

// TestFreeDOSDiskOverlay: without --persist the guest's writes land (it
// reads its file back) but the image file stays as it was, byte for byte;
// with --overlay FILE they outlive the machine, for the next boot to see.
func TestFreeDOSDiskOverlay(t *testing.T) {
	tests := []struct {
		name    string
		overlay bool
	}{
		{"memory", false},
		{"file", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path, _ := blankDisk(t)
			before := fileSum(t, path)
			ov := ""
			if tc.overlay {
				ov = filepath.Join(t.TempDir(), "disk.overlay")
			}
			v := bootDisk(t, path, false, ov)
			writeProof(v)
			if !tc.overlay {
				// FreeDOS might have read the file back from its own
				// buffers: after a reset it can only come from the disk,
				// its overlay in memory living on in the machine.
				v.reboot()
				v.command(proofType, `DO86-DISK-TEST\n`)
			}
			v.stop()
			if fileSum(t, path) != before {
				t.Fatal("the image file changed without --persist")
			}
			if !tc.overlay {
				return
			}
			if st, err := os.Stat(ov); err != nil || st.Size() == 0 {
				t.Fatalf("overlay file: %v, %v", st, err)
			}
			// A second machine over the same image and overlay finds the file.
			v = bootDisk(t, path, false, ov)
			v.command(proofType, `DO86-DISK-TEST\n`)
			v.stop()
			if fileSum(t, path) != before {
				t.Fatal("the image file changed on the second boot")
			}
		})
	}
}

// TestFreeDOSFloppyPersist: with Persist, what FreeDOS writes on its own
// boot floppy lands in the image file; without, the file stays as it was.
func TestFreeDOSFloppyPersist(t *testing.T) {
	orig, err := os.ReadFile(testenv.Image(t, "freedos722.img"))
	if err != nil {
		t.Fatal(err)
	}
	for _, persist := range []bool{true, false} {
		path := filepath.Join(t.TempDir(), "dos.img")
		if err := os.WriteFile(path, orig, 0o644); err != nil {
			t.Fatal(err)
		}
		v := start(t, emu.Config{Memory: 64 << 20, Floppy: [2]string{path}, Persist: persist})
		v.waitText(`A:\\>`, 60*time.Second)
		v.command(`echo DO86-FLOPPY-PROOF > A:\PROOF.TXT`, ``)
		v.command(`type A:\PROOF.TXT`, `DO86-FLOPPY-PROOF\n`)
		v.stop()
		after, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := bytes.Contains(after, []byte("DO86-FLOPPY-PROOF")); got != persist {
			t.Errorf("persist=%v: the image file holds the guest's file: %v", persist, got)
		}
		if !persist && !bytes.Equal(after, orig) {
			t.Error("without persist the floppy image changed")
		}
	}
}

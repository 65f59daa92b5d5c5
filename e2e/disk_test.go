package e2e

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
)

// dosPrompt returns what follows the last A:\> prompt in the pane (where
// the guest's screen shows indented, the status line below it).
func dosPrompt(pane string) string {
	lines := strings.Split(strings.TrimRight(pane, "\n"), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if _, rest, ok := strings.Cut(lines[i], `A:\>`); ok {
			return strings.TrimRight(rest, " ")
		}
	}
	return ""
}

// typeDOS types line at FreeDOS's prompt a character at a time, each once
// the previous one shows: a terminal delivers a paste at once, and the
// guest's keyboard holds only 15 bytes of scancodes (a shifted character
// takes four).
func (x *tmux) typeDOS(line string) {
	x.t.Helper()
	for i, r := range line {
		x.run("send-keys", "-t", x.name, "-l", "--", string(r))
		want := strings.TrimRight(line[:i+len(string(r))], " ")
		deadline := time.Now().Add(10 * time.Second)
		for {
			got := dosPrompt(x.capture(false))
			if got == want {
				break
			}
			if !strings.HasPrefix(want, got) || time.Now().After(deadline) {
				x.t.Fatalf("typing %q: the prompt shows %q", line, got)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// dosCommand types line at FreeDOS's prompt, presses Enter and waits for
// the next prompt after out.
func (x *tmux) dosCommand(line, out string) {
	x.t.Helper()
	x.typeDOS(line)
	x.run("send-keys", "-t", x.name, "Enter")
	done := regexp.MustCompile(`(?m)^ *A:\\>` + regexp.QuoteMeta(line) + ` *\n *` + out + `(?: *\n)* *A:\\> *$`)
	x.waitFor("the prompt after "+line, 30*time.Second, done.MatchString, false)
}

// TestDiskPersistCLI is issue 4's disk test through the command line, in a
// terminal: FreeDOS boots from its floppy with --hda --persist on a FAT16
// image the test makes, reads a file the test put there, writes
// C:\PROOF.TXT and reads it back; afterwards the file is in the image.
func TestDiskPersistCLI(t *testing.T) { diskThroughCLI(t, true) }

// TestDiskOverlayCLI: the same without --persist leaves the image as it was.
func TestDiskOverlayCLI(t *testing.T) { diskThroughCLI(t, false) }

func diskThroughCLI(t *testing.T, persist bool) {
	im, err := fatimg.New(16 << 20)
	if err != nil {
		t.Fatal(err)
	}
	if err := im.AddFile("README.TXT", []byte("made by the do86 disk test\r\n")); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(t.TempDir(), "disk.img")
	if err := im.Save(img); err != nil {
		t.Fatal(err)
	}
	before := sha256.Sum256(im.Bytes())
	args := []string{testenv.Binary(t), "run", testenv.Image(t, "freedos722.img"),
		"--hda", img, "--display", "term", "--timeout", "90s"}
	if persist {
		args = append(args, "--persist")
	}
	// (newTmux names its socket after the test, so no subtests here.)
	x := newTmux(t, 100, 30, strings.Join(args, " "))
	x.waitFor(`the A:\> prompt`, 60*time.Second, func(s string) bool { return strings.Contains(s, `A:\>`) }, false)
	x.dosCommand(`type C:\README.TXT`, `made by the do86 disk test *\n`)
	x.dosCommand(`echo DO86-DISK-TEST > C:\PROOF.TXT`, ``)
	x.dosCommand(`type C:\PROOF.TXT`, `DO86-DISK-TEST *\n`)
	// Quit through the command bar: the disk is closed and flushed.
	x.run("send-keys", "-t", x.name, "C-]")
	x.run("send-keys", "-t", x.name, "q")
	x.waitFor("do86 gone", 20*time.Second, func(s string) bool { return strings.Contains(s, "do86 exited 0") }, false)

	after, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	if !persist {
		if sha256.Sum256(after) != before {
			t.Fatal("the image changed without --persist")
		}
		return
	}
	back, err := fatimg.Parse(after)
	if err != nil {
		t.Fatal(err)
	}
	got, err := back.ReadFile("PROOF.TXT")
	if err != nil {
		t.Fatalf("%v; the root directory holds %q", err, back.Names())
	}
	if !bytes.Equal(bytes.TrimRight(got, " \r\n"), []byte("DO86-DISK-TEST")) || !bytes.HasSuffix(got, []byte("\r\n")) {
		t.Errorf("PROOF.TXT holds %q", got)
	}
}

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/do86/do86/internal/testenv"
)

// tmux drives a terminal session as a user would.
type tmux struct {
	t    *testing.T
	sock string
	name string
}

func newTmux(t *testing.T, cols, rows int, command string) *tmux {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux not installed: make setup-test installs it")
	}
	x := &tmux{t: t, sock: fmt.Sprintf("do86-%d-%s", os.Getpid(), t.Name()), name: "vm"}
	// The pane outlives the command so that a failure can be read.
	x.run("new-session", "-d", "-s", x.name, "-x", fmt.Sprint(cols), "-y", fmt.Sprint(rows),
		"-e", "COLORTERM=truecolor", "-e", "TERM=xterm-256color", command+"; echo do86 exited $?; sleep 600")
	t.Cleanup(func() { exec.Command("tmux", "-L", x.sock, "kill-server").Run() })
	return x
}

func (x *tmux) run(args ...string) string {
	x.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", x.sock}, args...)...).CombinedOutput()
	if err != nil {
		x.t.Fatalf("tmux %v: %v: %s", args, err, out)
	}
	return string(out)
}

// capture returns the pane, with colour escapes when escapes is true.
func (x *tmux) capture(escapes bool) string {
	args := []string{"capture-pane", "-p", "-t", x.name}
	if escapes {
		args = append(args, "-e")
	}
	return x.run(args...)
}

func (x *tmux) waitFor(what string, timeout time.Duration, ok func(string) bool, escapes bool) string {
	x.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := x.capture(escapes)
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			x.t.Fatalf("terminal never showed %s; it shows:\n%s", what, s)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// TestTerminalFreeDOS: do86 in a terminal shows FreeDOS's prompt as real
// text, and typing dir + Enter lists the floppy.
func TestTerminalFreeDOS(t *testing.T) {
	bin := testenv.Binary(t)
	x := newTmux(t, 100, 30, bin+" run "+testenv.Image(t, "freedos722.img")+" --display term --timeout 120s")
	x.waitFor(`the A:\> prompt`, 60*time.Second, func(s string) bool { return strings.Contains(s, `A:\>`) }, false)
	x.run("send-keys", "-t", x.name, "dir", "Enter")
	s := x.waitFor("a directory listing", 30*time.Second, func(s string) bool {
		return strings.Contains(s, "bytes free") && strings.Contains(s, "COMMAND")
	}, false)
	if !strings.Contains(s, "Ctrl-]") {
		t.Errorf("status line does not name the escape key:\n%s", s)
	}
	// Leave through the command bar: Ctrl-] then q.
	x.run("send-keys", "-t", x.name, "C-]")
	x.run("send-keys", "-t", x.name, "q")
	x.waitFor("do86 gone", 20*time.Second, func(s string) bool { return strings.Contains(s, "do86 exited 0") }, false)
}

// TestTerminalKolibri: a graphics mode shows as truecolor half blocks.
func TestTerminalKolibri(t *testing.T) {
	bin := testenv.Binary(t)
	x := newTmux(t, 160, 50, bin+" run "+testenv.Image(t, "kolibri.img")+" --display term --timeout 200s")
	x.waitFor("the desktop in half blocks", 150*time.Second, func(s string) bool {
		// The desktop: half-block cells in 24-bit colour, the status line
		// showing the VBE mode, and many cells of the wallpaper's dark
		// blue-grey (0x182028) between the stars.
		return strings.Count(s, "▀") > 3000 && strings.Contains(s, "1024x768") &&
			strings.Count(s, "48;2;24;32;40m") > 200
	}, true)
}

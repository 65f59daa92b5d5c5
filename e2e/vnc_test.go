package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/do86/do86/internal/testenv"
	"github.com/do86/do86/pkg/display"
)

// freePort finds a free VNC display number N (port 5900+N) on loopback.
func freeDisplay(t *testing.T) int {
	t.Helper()
	for n := 40 + os.Getpid()%50; n < 200; n++ {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", 5900+n))
		if err == nil {
			l.Close()
			return n
		}
	}
	t.Fatal("no free VNC port")
	return 0
}

// background starts do86 and returns it with its stderr.
func background(t *testing.T, args ...string) (*exec.Cmd, *syncBuf) {
	t.Helper()
	cmd := exec.Command(testenv.Binary(t), args...)
	errb := &syncBuf{}
	cmd.Stderr = errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd, errb
}

// TestGvnccaptureKolibri is issue 7's real-client check: gvnccapture (from
// Debian's gvncviewer) grabs KolibriOS's desktop from do86's VNC server, and
// the picture equals do86's own screenshot.
func TestGvnccaptureKolibri(t *testing.T) {
	dir := t.TempDir()
	n := freeDisplay(t)
	shot := filepath.Join(dir, "do86.png")
	cmd, errb := background(t, "run", testenv.Image(t, "kolibri.img"), "--vnc", fmt.Sprintf(":%d", n),
		"--display", "none", "--timeout", "240s", "--screenshot", shot)
	ref := loadPNG(t, testenv.Image(t, "kolibri.png"))
	capture := filepath.Join(dir, "vnc.png")
	deadline := time.Now().Add(200 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatalf("the desktop never came up over VNC; do86 said:\n%s", errb.String())
		}
		time.Sleep(3 * time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		out, err := exec.CommandContext(ctx, "gvnccapture", fmt.Sprintf("127.0.0.1:%d", n), capture).CombinedOutput()
		cancel()
		if err != nil {
			if strings.Contains(string(out), "not found") {
				t.Fatal("gvnccapture missing: make setup-test installs gvncviewer")
			}
			continue // the server may not listen yet
		}
		got := loadPNG(t, capture)
		if got.Bounds() != ref.Bounds() {
			continue
		}
		if d, _ := display.MeanDifference(got, ref); d < 0.5 {
			break
		}
	}
	// Stop do86 now: its screenshot at exit is the same screen.
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	got, want := loadPNG(t, capture), loadPNG(t, shot)
	if d, err := display.MeanDifference(got, want); err != nil || d > 0.05 {
		t.Fatalf("gvnccapture's picture differs from do86's screenshot: %.3f (%v)", d, err)
	}
}

// TestTigerVNCTypesIntoFreeDOS: TigerVNC's viewer under Xvfb connects to
// do86 running FreeDOS, xdotool types into the viewer, and the keys reach
// the guest's prompt.
func TestTigerVNCTypesIntoFreeDOS(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	xvfb := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1024x768x24", "-nolisten", "tcp")
	xvfb.ExtraFiles = []*os.File{w}
	if err := xvfb.Start(); err != nil {
		t.Fatalf("Xvfb: %v (make setup-test installs xvfb)", err)
	}
	w.Close()
	t.Cleanup(func() { xvfb.Process.Kill(); xvfb.Wait() })
	var num [16]byte
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	k, err := r.Read(num[:])
	if err != nil {
		t.Fatalf("Xvfb display number: %v", err)
	}
	env := append(os.Environ(), "DISPLAY=:"+string(bytes.TrimSpace(num[:k])))

	n := freeDisplay(t)
	cmd, errb := background(t, "run", testenv.Image(t, "freedos722.img"), "--vnc", fmt.Sprintf(":%d", n),
		"--display", "none", "--timeout", "120s", "--until-text", `A:\\>echo vnc-typed`)
	// Wait for the prompt before typing: FreeDOS drops keys while it boots.
	time.Sleep(4 * time.Second)
	viewer := exec.Command("vncviewer", "-SecurityTypes", "None", fmt.Sprintf("127.0.0.1::%d", 5900+n))
	viewer.Env = env
	if err := viewer.Start(); err != nil {
		t.Fatalf("vncviewer: %v (make setup-test installs tigervnc-viewer)", err)
	}
	t.Cleanup(func() { viewer.Process.Kill(); viewer.Wait() })
	xdo := exec.Command("xdotool", "search", "--sync", "--onlyvisible", "--class", "TigerVNC", "windowfocus", "--sync",
		"type", "--delay", "80", "echo vnc-typed")
	xdo.Env = env
	if out, err := xdo.CombinedOutput(); err != nil {
		t.Fatalf("xdotool: %v: %s", err, out)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("do86 did not see the typed text: %v\n%s", err, errb.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("the typed text never reached FreeDOS; do86 said:\n%s", errb.String())
	}
}

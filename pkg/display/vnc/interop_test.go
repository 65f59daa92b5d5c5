package vnc_test

import (
	"bytes"
	"crypto/des"
	"fmt"
	"image/jpeg"
	"math/bits"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/do86/do86/internal/testenv"
	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/vnc"
)

// TestGvnccapture checks the server against a real client, gtk-vnc's
// gvnccapture (Debian package gvncviewer), when it is installed: the PNG it
// writes must be the published frame exactly.
func TestGvnccapture(t *testing.T) {
	bin := testenv.Tool(t, "gvnccapture")
	hub := display.NewHub()
	f := desktop(320, 200, 11)
	hub.Publish(f, nil, nil)
	addr, logs := startServer(t, hub, &recorder{}, vnc.Options{})
	_, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	out := filepath.Join(t.TempDir(), "shot.png")
	cmd := exec.Command(bin, "-q", fmt.Sprintf("127.0.0.1:%d", p-5900), out)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := runFor(cmd, 20*time.Second); err != nil {
		t.Fatalf("gvnccapture: %v: %s", err, stderr.String())
	}
	logs.waitFor(t, "connected (RFB 3.8)")
	img, err := display.LoadPNG(out)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != f.Width || b.Dy() != f.Height {
		t.Fatalf("capture %v, frame %dx%d", b, f.Width, f.Height)
	}
	bad := 0
	for y := range f.Height {
		for x := range f.Width {
			r, g, b, _ := img.At(x, y).RGBA()
			o := (y*f.Width + x) * 4
			if byte(r>>8) != f.Pix[o] || byte(g>>8) != f.Pix[o+1] || byte(b>>8) != f.Pix[o+2] {
				if bad < 3 {
					t.Errorf("pixel (%d,%d) = %02x%02x%02x, want %02x%02x%02x", x, y, r>>8, g>>8, b>>8, f.Pix[o], f.Pix[o+1], f.Pix[o+2])
				}
				bad++
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d pixels differ", bad)
	}
}

// TestVncsnapshot checks the Tight, Hextile and Raw encoders against the
// TightVNC decoders of vncsnapshot (Debian package vncsnapshot, RFB 3.3),
// when it is installed. It writes JPEG, so the comparison allows JPEG's
// small errors; a decoding mistake shows as far larger ones.
func TestVncsnapshot(t *testing.T) {
	testenv.SkipShort(t, "vncsnapshot")
	bin, err := exec.LookPath("vncsnapshot")
	if err != nil {
		t.Fatal("vncsnapshot not installed: make setup-test installs it")
	}
	for _, tc := range []struct{ enc, name, password string }{
		{"tight", "Tight", ""}, {"hextile", "Hextile", ""}, {"raw", "Raw", ""}, {"tight", "Tight", "pa55word"},
	} {
		t.Run(tc.enc+"/"+tc.password, func(t *testing.T) {
			hub := display.NewHub()
			f := desktop(320, 200, 11)
			hub.Publish(f, nil, nil)
			addr, logs := startServer(t, hub, nil, vnc.Options{Password: tc.password})
			_, port, _ := net.SplitHostPort(addr)
			p, _ := strconv.Atoi(port)
			dir := t.TempDir()
			out := filepath.Join(dir, "shot.jpg")
			args := []string{"-quiet", "-nojpeg", "-quality", "100", "-encodings", tc.enc}
			if tc.password != "" {
				pw := filepath.Join(dir, "passwd")
				os.WriteFile(pw, vncPasswdFile(tc.password), 0o600)
				args = append(args, "-passwd", pw)
			}
			cmd := exec.Command(bin, append(args, fmt.Sprintf("127.0.0.1:%d", p-5900), out)...)
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stderr, &stderr
			if err := runFor(cmd, 20*time.Second); err != nil {
				t.Fatalf("vncsnapshot: %v: %s", err, stderr.String())
			}
			logs.waitFor(t, "connected (RFB 3.3)")
			logs.waitFor(t, "encodings: "+tc.name)
			file, err := os.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer file.Close()
			img, err := jpeg.Decode(file)
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != f.Width || b.Dy() != f.Height {
				t.Fatalf("capture %v, frame %dx%d", b, f.Width, f.Height)
			}
			sum := 0
			for y := range f.Height {
				for x := range f.Width {
					r, g, b, _ := img.At(x, y).RGBA()
					o := (y*f.Width + x) * 4
					sum += absDiff(int(r>>8), int(f.Pix[o])) + absDiff(int(g>>8), int(f.Pix[o+1])) + absDiff(int(b>>8), int(f.Pix[o+2]))
				}
			}
			mean := float64(sum) / float64(3*f.Width*f.Height)
			t.Logf("mean difference %.2f", mean)
			if mean > 1 {
				t.Fatalf("mean difference %.2f per component: not the frame", mean)
			}
		})
	}
}

// vncPasswdFile is a password as vncpasswd stores it: DES-encrypted under
// the fixed key all VNC viewers share (its bytes bit-mirrored, the VNC DES
// quirk).
func vncPasswdFile(pw string) []byte {
	var b [8]byte
	copy(b[:], pw)
	key := []byte{23, 82, 107, 6, 35, 78, 88, 7}
	for i, k := range key {
		key[i] = bits.Reverse8(k)
	}
	c, _ := des.NewCipher(key)
	c.Encrypt(b[:], b[:])
	return b[:]
}

func absDiff(a, b int) int {
	if a > b {
		return a - b
	}
	return b - a
}

// runFor runs cmd, killing it after d.
func runFor(cmd *exec.Cmd, d time.Duration) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		return fmt.Errorf("still running after %v", d)
	}
}

// TestTigerVNC connects TigerVNC's viewer (Debian packages tigervnc-viewer,
// xvfb and xdotool) under Xvfb, when they are installed, and checks that a
// key typed into it reaches the machine as a scancode.
func TestTigerVNC(t *testing.T) {
	for _, tool := range []string{"vncviewer", "Xvfb", "xdotool"} {
		testenv.Tool(t, tool)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	xvfb := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "800x600x24", "-nolisten", "tcp")
	xvfb.ExtraFiles = []*os.File{w}
	if err := xvfb.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { xvfb.Process.Kill(); xvfb.Wait() })
	var num [16]byte
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := r.Read(num[:])
	if err != nil {
		t.Fatalf("Xvfb display number: %v", err)
	}
	display := ":" + string(bytes.TrimSpace(num[:n]))
	env := append(os.Environ(), "DISPLAY="+display)

	hub := displayHub(320, 200)
	rec := &recorder{}
	addr, logs := startServer(t, hub, rec, vnc.Options{})
	_, port, _ := net.SplitHostPort(addr)
	viewer := exec.Command("vncviewer", "-SecurityTypes", "None", "127.0.0.1::"+port)
	viewer.Env = env
	var out bytes.Buffer
	viewer.Stdout, viewer.Stderr = &out, &out
	if err := viewer.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { viewer.Process.Kill(); viewer.Wait() })
	logs.waitFor(t, "encodings: Tight")
	logs.waitFor(t, "QEMU keys")

	var msg bytes.Buffer
	xdo := exec.Command("xdotool", "search", "--sync", "--onlyvisible", "--class", "TigerVNC", "windowfocus", "--sync", "key", "a")
	xdo.Env = env
	xdo.Stdout, xdo.Stderr = &msg, &msg
	if err := runFor(xdo, 15*time.Second); err != nil {
		t.Fatalf("xdotool: %v: %s; viewer said %s; server log %q", err, msg.String(), out.String(), logs.lines)
	}
	got := rec.wait(t, 2)
	if len(got) < 2 || got[0] != "key 0x1e true" || got[1] != "key 0x1e false" {
		t.Fatalf("typed 'a' into TigerVNC, the machine got %q; viewer said %s", got, out.String())
	}
	// Changes keep flowing; a viewer that failed to decode one would
	// have dropped the connection.
	f := desktop(320, 200, 4)
	for i := range 10 {
		hub.Publish(f, paint(f, i*20, i*10, 30, 30, byte(i*25), 100, 200), nil)
		time.Sleep(30 * time.Millisecond)
	}
	logs.mu.Lock()
	defer logs.mu.Unlock()
	for _, l := range logs.lines {
		if strings.Contains(l, "closed") || strings.Contains(l, "disconnected") {
			t.Fatalf("TigerVNC left: %q; viewer said %s", logs.lines, out.String())
		}
	}
}

func displayHub(w, h int) *display.Hub {
	hub := display.NewHub()
	hub.Publish(desktop(w, h, 3), nil, nil)
	return hub
}

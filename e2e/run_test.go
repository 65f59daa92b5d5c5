package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/do86/do86/internal/testenv"
)

// result is what a do86 run left behind.
type result struct {
	code           int
	stdout, stderr string
}

// do86 runs the command with args and a deadline, stdin from in (may be nil).
func do86(t *testing.T, deadline time.Duration, args ...string) result {
	t.Helper()
	bin := testenv.Binary(t)
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("do86 %v: %v", args, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("do86 %v did not stop within %s\nstderr: %s", args, deadline, r.stderr)
	}
	return r
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.img")
	os.WriteFile(empty, nil, 0o644)
	random := filepath.Join(dir, "random.img")
	b := make([]byte, 1000)
	for i := range b {
		b[i] = byte(i*131 + 7)
	}
	os.WriteFile(random, b, 0o644)
	floppy := testenv.Image(t, "freedos722.img")
	fifo := filepath.Join(dir, "fifo.img")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	disk := filepath.Join(dir, "disk.img")
	os.WriteFile(disk, make([]byte, 1<<20), 0o644)
	png := filepath.Join(dir, "ref.png")
	os.WriteFile(png, []byte("\x89PNG\r\n\x1a\n"), 0o644)
	store := filepath.Join(dir, "store.db")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing file", []string{"run", filepath.Join(dir, "nope.img")}, "no such file"},
		{"empty file", []string{"run", empty}, "empty"},
		{"random 1000 bytes", []string{"run", random}, "not a recognised image"},
		{"random as floppy", []string{"run", "--fda", random, "--display", "none", "--timeout", "5s"}, "floppy"},
		{"directory", []string{"run", dir}, "directory"},
		{"memory 4G", []string{"run", floppy, "--memory", "4G"}, "2047"},
		{"bad flag", []string{"run", "--no-such-flag"}, "unknown flag"},
		{"fifo", []string{"run", fifo}, "FIFO"},
		{"negative timeout", []string{"run", floppy, "--timeout", "-5s"}, "--timeout -5s is negative"},
		{"NaN tolerance", []string{"run", floppy, "--until-screen", png + ",NaN"}, "tolerance"},
		{"overlay without disk", []string{"run", floppy, "--overlay", filepath.Join(dir, "o.ovl")}, "--overlay"},
		{"persist and save", []string{"run", floppy, "--persist", "--save", "x", "--store", store}, "--save and --persist"},
		{"same disk twice", []string{"run", "--hda", disk, "--hdb", disk, "--fda", floppy}, "same image"},
		{"initrd without kernel", []string{"run", floppy, "--initrd", floppy}, "--initrd and --module need a kernel"},
		{"resume missing", []string{"run", "--resume", "nope", "--store", store}, "nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do86(t, 60*time.Second, tc.args...)
			if r.code != 1 {
				t.Fatalf("exit code %d, want 1\nstderr: %s", r.code, r.stderr)
			}
			if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
				t.Fatalf("panic trace on bad input:\n%s", r.stderr)
			}
			if !strings.Contains(strings.ToLower(r.stderr), strings.ToLower(tc.want)) {
				t.Fatalf("stderr %q does not mention %q", r.stderr, tc.want)
			}
		})
	}
}

// syncBuf is a buffer two goroutines may share.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

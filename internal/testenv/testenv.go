// Package testenv finds what end-to-end tests need: the repository root,
// the shared test images, the built do86 binary, the CPU core and the
// tools the tests drive. A missing piece fails the test with what to run,
// because make test sets everything up first. Under go test -short, which
// promises no images, binary, core, browser or external tool, a test that
// asks for one is skipped instead, saying what it needs.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/do86/do86/internal/core"
)

// Root returns the repository root (the directory holding go.mod).
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testenv: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Image returns the path of a shared test image ($DO86_TEST_IMAGES, else
// ../shared/images beside the repository), failing if it is absent.
func Image(t testing.TB, name string) string {
	t.Helper()
	SkipShort(t, "the shared test images")
	dir := os.Getenv("DO86_TEST_IMAGES")
	if dir == "" {
		dir = filepath.Join(Root(t), "..", "shared", "images")
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("testenv: test image %s missing (set DO86_TEST_IMAGES): %v", name, err)
	}
	return p
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildOut  []byte
)

// Binary builds cmd/do86 once per test process, as bin/do86-test in the
// repository (where it finds the core in third_party/ as a built binary
// does), and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	SkipShort(t, "the built do86 binary")
	root := Root(t)
	buildOnce.Do(func() {
		binPath = filepath.Join(root, "bin", "do86-test")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/do86")
		cmd.Dir = root
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("testenv: building do86: %v\n%s", buildErr, buildOut)
	}
	return binPath
}

// SkipShort skips t under go test -short: it needs what (the CPU core, the
// images, a browser, ...), which -short runs go without.
func SkipShort(t testing.TB, what string) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs " + what + "; not run under -short")
	}
}

// Core returns the path of the verified CPU core (core.Find), skipping t
// under -short and failing it when the core is missing.
func Core(t testing.TB) string {
	t.Helper()
	SkipShort(t, "the CPU core (v86.wasm)")
	p := core.Find()
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("testenv: the CPU core is missing (run make setup): %v", err)
	}
	return p
}

// Tool returns the path of an external program a test drives, skipping t
// under -short and failing it when the program is not installed.
func Tool(t testing.TB, name string) string {
	t.Helper()
	SkipShort(t, name)
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("testenv: %s is not installed: make setup-test installs it", name)
	}
	return p
}

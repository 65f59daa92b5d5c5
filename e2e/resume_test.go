package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/do86/do86/internal/testenv"
	"github.com/do86/do86/pkg/display"
)

// TestResumeFindsItsMedia saves FreeDOS at its prompt, then resumes the
// snapshot with no image given (the snapshot knows its floppy), from a copy
// given explicitly, and refuses a different image of the same size, a
// missing one and a different --memory.
func TestResumeFindsItsMedia(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store.db")
	orig, err := os.ReadFile(testenv.Image(t, "freedos722.img"))
	if err != nil {
		t.Fatal(err)
	}
	floppy := filepath.Join(dir, "dos.img")
	if err := os.WriteFile(floppy, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	r := do86(t, 3*time.Minute, "run", floppy, "--display", "none", "--store", store, "--save", "dos",
		"--until-text", `A:\\>`, "--timeout", "120s")
	if r.code != 0 {
		t.Fatalf("boot and save: exit %d\n%s", r.code, r.stderr)
	}
	// Another --save of the same name is refused before the run.
	r = do86(t, time.Minute, "run", floppy, "--display", "none", "--store", store, "--save", "dos", "--timeout", "1s")
	if r.code != 1 || !strings.Contains(r.stderr, "exists") {
		t.Fatalf("second --save dos: exit %d, want 1 and 'exists'\n%s", r.code, r.stderr)
	}

	resume := func(extra ...string) result {
		args := append([]string{"run", "--resume", "dos", "--store", store, "--display", "none",
			"--until-text", `A:\\>`, "--timeout", "60s"}, extra...)
		return do86(t, 2*time.Minute, args...)
	}
	if r := resume(); r.code != 0 || !strings.Contains(r.stderr, "resumed dos") {
		t.Fatalf("resume without media: exit %d\n%s", r.code, r.stderr)
	}

	copyPath := filepath.Join(dir, "copy.img")
	os.WriteFile(copyPath, orig, 0o644)
	if r := resume("--fda", copyPath); r.code != 0 {
		t.Fatalf("resume from a copy: exit %d\n%s", r.code, r.stderr)
	}

	other := append([]byte(nil), orig...)
	other[len(other)/2] ^= 0xFF
	otherPath := filepath.Join(dir, "other.img")
	os.WriteFile(otherPath, other, 0o644)
	if r := resume("--fda", otherPath); r.code != 1 || !strings.Contains(r.stderr, "other content") {
		t.Fatalf("resume onto another image: exit %d, want 1 and 'other content'\n%s", r.code, r.stderr)
	}
	if r := resume("--memory", "64M"); r.code != 1 || !strings.Contains(r.stderr, "--memory") {
		t.Fatalf("resume with another --memory: exit %d, want 1\n%s", r.code, r.stderr)
	}
	os.Rename(floppy, floppy+".moved")
	if r := resume(); r.code != 1 || !strings.Contains(r.stderr, "missing") {
		t.Fatalf("resume with the floppy gone: exit %d, want 1 and 'missing'\n%s", r.code, r.stderr)
	}
}

// TestRunWarm: the first run --warm of an image boots it and saves a
// snapshot once its screen settles with the guest idle; the next resumes
// that snapshot instead of booting, showing the same screen at once.
func TestRunWarm(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store.db")
	first := filepath.Join(dir, "first.png")
	r := do86(t, 2*time.Minute, "run", "demo", "--warm", "--store", store, "--display", "none", "--timeout", "40s", "--screenshot", first)
	if r.code != 0 || !strings.Contains(r.stderr, "--warm: saved warm/demo-") {
		t.Fatalf("first warm run: exit %d, no snapshot saved\n%s", r.code, r.stderr)
	}
	second := filepath.Join(dir, "second.png")
	r = do86(t, time.Minute, "run", "demo", "--warm", "--store", store, "--display", "none", "--timeout", "1s", "--screenshot", second)
	if r.code != 0 || !strings.Contains(r.stderr, "--warm: resumed warm/demo-") || strings.Contains(r.stderr, "saved") {
		t.Fatalf("second warm run: exit %d, want a resume and no new save\n%s", r.code, r.stderr)
	}
	a, b := loadPNG(t, first), loadPNG(t, second)
	// The demo's title screen: the same picture but for its ticking clock.
	if d, err := display.MeanDifference(a, b); err != nil || d > 2 {
		t.Fatalf("the resumed screen differs from the booted one: %.2f (%v)", d, err)
	}
}

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/do86/do86/internal/testenv"
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

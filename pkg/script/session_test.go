package script_test

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/do86/do86/internal/testenv"
	"github.com/do86/do86/pkg/emu"
	"github.com/do86/do86/pkg/pager"
	"github.com/do86/do86/pkg/script"
)

// freeDOSAtPrompt boots FreeDOS in a session with a store of its own, waits
// for its prompt and saves it there as name. The session is closed when
// the test ends.
func freeDOSAtPrompt(tb testing.TB, ctx context.Context, name string) *script.Session {
	tb.Helper()
	store, err := pager.Open(filepath.Join(tb.TempDir(), "store.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	cfg, err := emu.Resolve(ctx, emu.Request{Image: testenv.Image(tb, "freedos722.img")})
	if err != nil {
		tb.Fatal(err)
	}
	s, err := script.Start(cfg, script.Options{Store: store, Timeout: 3 * time.Minute})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if _, err := s.WaitText(ctx, regexp.MustCompile(`A:\\>`)); err != nil {
		tb.Fatal(err)
	}
	if err := s.Save(ctx, name); err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestRestoreRunning boots FreeDOS, saves it at its prompt, changes the
// screen, and restores the snapshot into the running machine: the screen
// is the saved one again, the guest takes keys, and a wait that times out
// fails with the screen in its message.
func TestRestoreRunning(t *testing.T) {
	testenv.SkipShort(t, "the CPU core, SeaBIOS and the shared images")
	t.Parallel()
	ctx := context.Background()
	s := freeDOSAtPrompt(t, ctx, "prompt")
	saved, _ := s.Text(ctx)
	s.Type("echo before-restore\n")
	if _, err := s.WaitText(ctx, regexp.MustCompile(`(?m)^before-restore`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Restore(ctx, "prompt"); err != nil {
		t.Fatal(err)
	}
	// The next frame shows the saved screen.
	time.Sleep(200 * time.Millisecond)
	now, _ := s.Text(ctx)
	if strings.Contains(now, "before-restore") || strings.TrimSpace(now) != strings.TrimSpace(saved) {
		t.Fatalf("after the restore the screen shows:\n%s\nwant the saved one:\n%s", now, saved)
	}
	s.Type("echo after-restore\n")
	if _, err := s.WaitText(ctx, regexp.MustCompile(`(?m)^after-restore`)); err != nil {
		t.Fatalf("the restored guest does not take keys: %v", err)
	}
	wctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	_, err := s.WaitText(wctx, regexp.MustCompile(`never shown`))
	if !script.IsFailure(err) || !strings.Contains(err.Error(), "after-restore") {
		t.Errorf("a wait that timed out: %v", err)
	}
	if err := s.Restore(ctx, "nosuch"); err == nil || script.IsFailure(err) {
		t.Errorf("restoring a missing snapshot: %v, want an error", err)
	}
	if err := s.PowerOff(); err != nil {
		t.Fatal(err)
	}
	if err := s.Type("x"); !script.IsFailure(err) {
		t.Errorf("typing into a machine that is off: %v", err)
	}
}

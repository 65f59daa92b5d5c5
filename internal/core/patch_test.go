package core_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/do86/do86/internal/core"
)

// The patches refuse what is not the pinned core with an error: random
// bytes, a module cut short, one without the functions they change.
func TestPatchRefusesOtherModules(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	junk := make([]byte, 4096)
	for i := range junk {
		junk[i] = byte(r.Uint32())
	}
	// A minimal valid module: no name section, no functions.
	empty := []byte("\x00asm\x01\x00\x00\x00")
	for name, b := range map[string][]byte{"junk": junk, "empty module": empty, "nothing": nil} {
		if _, err := core.PatchCore(b); err == nil {
			t.Errorf("%s: patched without an error", name)
		}
	}
}

// On the pinned core the patches find exactly the instructions they
// change, and a truncated copy fails cleanly.
func TestPatchPinnedCore(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the core")
	}
	t.Parallel()
	b, err := os.ReadFile(core.Find())
	if err != nil {
		t.Fatal(err)
	}
	w, err := core.RewriteTable(b, core.TableSize)
	if err != nil {
		t.Fatal(err)
	}
	p, err := core.PatchCore(w)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(p, []byte(core.FetchHoleGlobal)) {
		t.Error("the patched module exports no fetch hole global")
	}
	if bytes.Contains(p, []byte(".debug_info")) {
		t.Error("the patched module keeps DWARF sections that no longer match its code")
	}
	// Patching twice finds no calls left to change.
	if _, err := core.PatchCore(p); err == nil || !strings.Contains(err.Error(), "want") {
		t.Errorf("patching twice: %v", err)
	}
	if _, err := core.PatchCore(w[:len(w)/2]); err == nil {
		t.Error("a truncated module patched without an error")
	}
}

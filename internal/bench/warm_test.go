package bench_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/do86/do86/internal/bench"
	"github.com/do86/do86/internal/testenv"
)

// TestWarmStart boots KolibriOS to its desktop (the reference picture),
// saves it as a warm start, and resumes it in a second measurement, which
// must really resume and show the desktop; a warm start without a snapshot
// is a failed run, not a boot.
func TestWarmStart(t *testing.T) {
	img := testenv.Image(t, "kolibri.img")
	ref := testenv.Image(t, "kolibri.png")
	bios, vgabios := firmware(t)
	t.Parallel()
	store := filepath.Join(t.TempDir(), "warm.db")
	spec := bench.Spec{
		Workload: bench.WorkDesktop, Name: "kolibri warm", FDA: img, MemoryMiB: 128, JIT: true,
		BIOS: bios, VGABIOS: vgabios, TimeoutSeconds: 170, SampleMillis: 100,
		Width: 1024, Height: 768, ReferencePNG: ref, Tolerance: 0.5,
		WarmState: store,
	}

	missing := spec
	missing.WarmState = filepath.Join(t.TempDir(), "none.db")
	if res := bench.RunInProcess(context.Background(), missing); res.OK || !strings.Contains(res.Error, "warm start") {
		t.Errorf("a warm start without a snapshot: %+v", res)
	}

	save := spec
	save.WarmSave = true
	res := bench.RunInProcess(context.Background(), save)
	if !res.OK || res.Resumed {
		t.Fatalf("booting and saving: %+v", res)
	}
	t.Logf("booted to the desktop in %.1f s and saved it", res.Seconds)

	res = bench.RunInProcess(context.Background(), spec)
	if !res.OK || !res.Resumed {
		t.Fatalf("resuming: %+v", res)
	}
	t.Logf("warm start: the desktop on screen %.2f s after the emulation started", res.Seconds)
}

package bench_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/do86/do86/internal/bench"
	"github.com/do86/do86/internal/testenv"
	"github.com/do86/do86/pkg/images"
)

// firmware returns Debian's SeaBIOS files, which make setup installs.
func firmware(t *testing.T) (bios, vgabios string) {
	t.Helper()
	testenv.Core(t)
	for _, p := range images.BIOSPaths {
		if _, err := os.Stat(p); err == nil {
			bios = p
			break
		}
	}
	vgabios = images.VGABIOSPaths[0]
	if _, err := os.Stat(vgabios); err != nil || bios == "" {
		t.Fatalf("SeaBIOS missing (make setup): %v", err)
	}
	return bios, vgabios
}

// TestLoopsRunInProcess runs every guest loop on a do86 machine, JIT on and
// off: each must reach its chunk markers and give a speed.
func TestLoopsRunInProcess(t *testing.T) {
	bios, vgabios := firmware(t)
	dir := t.TempDir()
	for _, l := range bench.Loops() {
		fda := filepath.Join(dir, l.Name+".img")
		if err := os.WriteFile(fda, l.FloppyImage(), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, jit := range []bool{true, false} {
			spec := bench.Spec{
				Workload: bench.WorkLoop, Name: l.Name, FDA: fda, MemoryMiB: 32, JIT: jit,
				BIOS: bios, VGABIOS: vgabios, TimeoutSeconds: 30,
				WarmupSeconds: 0.1, MeasureSeconds: 0.4, InstrPerChunk: l.InstrPerChunk,
			}
			res := bench.RunInProcess(context.Background(), spec)
			if !res.OK || res.Chunks < 1 || res.MIPS <= 0 || res.Seconds < 0.4 {
				t.Errorf("%s jit=%v: %+v", l.Name, jit, res)
				continue
			}
			t.Logf("%s jit=%v: %.0f MIPS", l.Name, jit, res.MIPS)
		}
	}
}

// TestChildProtocol drives ServeChild with a Spec as JSON and reads the
// Result line.
func TestChildProtocol(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"bad json", "{", "reading the spec"},
		{"unknown workload", `{"workload":"nope","bios":"` + images.BIOSPaths[0] + `","vga_bios":"` + images.VGABIOSPaths[0] + `","memory_mib":32}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			err := bench.ServeChild(context.Background(), strings.NewReader(tt.in), &out)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), `"ok":false`) || !strings.Contains(out.String(), "unknown workload") {
				t.Errorf("result %s", out.String())
			}
		})
	}
}

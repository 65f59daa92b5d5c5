package main_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/do86/do86/internal/bench"
	"github.com/do86/do86/internal/testenv"
)

// TestBenchLoopsJSON runs `do86 bench --only loops --runs 1 --json FILE` and
// checks the report: a speed for every loop, JIT on and off.
func TestBenchLoopsJSON(t *testing.T) {
	bin := testenv.Binary(t)
	out := filepath.Join(t.TempDir(), "bench.json")
	cmd := exec.Command(bin, "bench", "--only", "loops", "--runs", "1", "--loop-seconds", "0.5", "--json", out)
	cmd.Dir = testenv.Root(t)
	table, err := cmd.Output()
	if err != nil {
		t.Fatalf("do86 bench: %v\n%s", err, table)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep bench.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, b)
	}
	if len(rep.Rows) != len(bench.Loops()) {
		t.Fatalf("%d rows, want one per loop (%d):\n%s", len(rep.Rows), len(bench.Loops()), table)
	}
	for _, r := range rep.Rows {
		for _, s := range []*bench.Stat{r.Do86, r.Do86NoJIT} {
			if s == nil || s.N != 1 || s.Median <= 0 || r.Unit != "MIPS" {
				t.Errorf("row %q: %+v / %+v", r.Metric, r.Do86, r.Do86NoJIT)
			}
		}
	}
	if len(rep.Results) != 2*len(bench.Loops()) {
		t.Errorf("%d results, want %d", len(rep.Results), 2*len(bench.Loops()))
	}
	for _, r := range rep.Results {
		if !r.OK || r.Engine != bench.EngineDo86 || r.PeakRSSMiB <= 0 || r.Chunks < 1 {
			t.Errorf("result %+v", r)
		}
	}
	t.Logf("\n%s", table)
}

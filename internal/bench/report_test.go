package bench_test

import (
	"math"
	"strings"
	"testing"

	"github.com/do86/do86/internal/bench"
)

func TestChangedPixels(t *testing.T) {
	a := make([]byte, 64)
	b := append([]byte(nil), a...)
	b[0], b[1] = 1, 2 // pixel 0
	b[20] = 9         // pixel 5
	b[63] = 1         // pixel 15
	tests := []struct {
		x, y []byte
		want int
	}{
		{a, a, 0},
		{a, b, 3},
		{nil, b, 16},
		{a[:32], b, 16},
	}
	for i, tt := range tests {
		if got := bench.ChangedPixels(tt.x, tt.y); got != tt.want {
			t.Errorf("%d: ChangedPixels = %d, want %d", i, got, tt.want)
		}
	}
}

// screen returns a 16-pixel screen whose first n pixels are set to v.
func screen(n int, v byte) []byte {
	p := make([]byte, 64)
	for i := 0; i < 4*n; i++ {
		p[i] = v
	}
	return p
}

func TestQuietDetector(t *testing.T) {
	type step struct {
		t, mips float64 // time and the guest's speed since the step before
		pix     []byte
	}
	drawing := func(t0, t1 float64, mips float64) []step {
		var s []step
		for x := t0; x < t1-1e-9; x += 0.5 {
			s = append(s, step{x, mips, screen(16, byte(x*2)+1)})
		}
		return s
	}
	still := func(t0, t1, mips float64, pix []byte) []step {
		var s []step
		for x := t0; x < t1-1e-9; x += 0.5 {
			s = append(s, step{x, mips, pix})
		}
		return s
	}
	final := screen(16, 200)
	blink := screen(1, 9) // a one-pixel change, below MaxChanged
	join := func(parts ...[]step) []step {
		var out []step
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name     string
		steps    []step
		wantDone float64 // the time the boot is reported done; -1: never
		wantAt   float64 // the sample at which that is known
	}{
		{"drawn then idle", join(drawing(0, 5, 300), still(5, 10, 0.1, final)), 5, 7},
		// Each step's speed covers the half-second before it: the busy
		// stretch ends at 8.5.
		{"busy after drawing", join(drawing(0, 5, 300), still(5, 9, 200, final), still(9, 14, 0.1, final)), 5, 10.5},
		{"never idle", join(drawing(0, 5, 300), still(5, 10, 50, final)), -1, 0},
		{"keeps drawing", drawing(0, 10, 0.1), -1, 0},
		{"a blinking cursor is still", join(drawing(0, 5, 300), still(5, 6, 0.1, final),
			still(6, 6.5, 0.1, append(blink[:4:4], final[4:]...)), still(6.5, 10, 0.1, final)), 5, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &bench.QuietDetector{Window: 2, IdleMIPS: 2, MaxChanged: 4}
			instr := 0.0
			prev := 0.0
			done, at := -1.0, 0.0
			for _, s := range tt.steps {
				instr += s.mips * 1e6 * (s.t - prev)
				prev = s.t
				if d, _, ok := q.Sample(s.t, instr, 0, s.pix); ok {
					done, at = d, s.t
					break
				}
			}
			if math.Abs(done-tt.wantDone) > 1e-9 || (done >= 0 && math.Abs(at-tt.wantAt) > 1e-9) {
				t.Errorf("done %v at sample %v, want %v at %v", done, at, tt.wantDone, tt.wantAt)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	res := []bench.Result{
		{Engine: bench.EngineDo86, Workload: bench.WorkLoop, Name: "arith", JIT: true, OK: true, MIPS: 300},
		{Engine: bench.EngineNode, Workload: bench.WorkLoop, Name: "arith", JIT: true, OK: true, MIPS: 400},
		{Engine: bench.EngineDo86, Workload: bench.WorkLoop, Name: "arith", JIT: true, OK: true, MIPS: 100},
		{Engine: bench.EngineNode, Workload: bench.WorkLoop, Name: "arith", JIT: true, OK: true, MIPS: 600},
		{Engine: bench.EngineDo86, Workload: bench.WorkLoop, Name: "arith", JIT: true, OK: true, MIPS: 200},
		{Engine: bench.EngineNode, Workload: bench.WorkLoop, Name: "arith", JIT: true, OK: false, Error: "timeout"},
		{Engine: bench.EngineDo86, Workload: bench.WorkSerial, Name: "linux", JIT: true, OK: true, Seconds: 10, StartupSeconds: 1, PeakRSSMiB: 300},
		{Engine: bench.EngineNode, Workload: bench.WorkSerial, Name: "linux", JIT: true, OK: true, Seconds: 20, StartupSeconds: 1, PeakRSSMiB: 200},
	}
	rows := bench.Summarize(res)
	find := func(metric string) bench.Row {
		for _, r := range rows {
			if r.Metric == metric {
				return r
			}
		}
		t.Fatalf("no row %q in %+v", metric, rows)
		return bench.Row{}
	}
	arith := find("arith loop")
	if arith.Do86.Median != 200 || arith.Do86.N != 3 || arith.Node.Median != 500 || arith.Node.Failed != 1 {
		t.Errorf("arith: do86 %+v, node %+v", arith.Do86, arith.Node)
	}
	if arith.Ratio == nil || math.Abs(*arith.Ratio-0.4) > 1e-9 || !arith.HigherIsBetter {
		t.Errorf("arith ratio %v, higher is better %v", arith.Ratio, arith.HigherIsBetter)
	}
	if arith.Do86NoJIT != nil || arith.RatioNoJIT != nil {
		t.Errorf("no-JIT column without no-JIT runs: %+v", arith.Do86NoJIT)
	}
	linux := find("Linux CD DO86-LINUX-READY")
	if *linux.Ratio != 0.5 || linux.HigherIsBetter {
		t.Errorf("linux ratio %v", *linux.Ratio)
	}
	total := find("  from process start")
	if total.Do86.Median != 11 || total.Node.Median != 21 {
		t.Errorf("from process start: %+v %+v", total.Do86, total.Node)
	}

	var b strings.Builder
	rep := &bench.Report{Runs: 3, Rows: rows}
	if err := rep.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"arith loop", "200", "500 (1 failed)", "0.40", "do86/v86"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}

// A figure no run measured (idle CPU when a reference picture ended the
// boots; guest speed of a warm start) gets no row.
func TestSummarizeLeavesOutUnmeasured(t *testing.T) {
	var results []bench.Result
	for _, name := range []string{"kolibri", "kolibri warm"} {
		for _, e := range []string{bench.EngineDo86, bench.EngineNode} {
			results = append(results, bench.Result{Engine: e, Workload: bench.WorkDesktop, Name: name, JIT: true, OK: true, Seconds: 1, GuestMIPS: 5})
		}
	}
	var metrics []string
	for _, r := range bench.Summarize(results) {
		metrics = append(metrics, r.Metric)
		if strings.Contains(r.Metric, "idling") {
			t.Errorf("row %q without a measurement", r.Metric)
		}
	}
	got := strings.Join(metrics, "|")
	if strings.Count(got, "guest speed") != 1 || !strings.Contains(got, "warm start") {
		t.Errorf("rows: %s", got)
	}
}

package bench

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"regexp"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/do86/do86/internal/core"
	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/emu"
	"github.com/do86/do86/pkg/pager"
)

// processStart approximates when this process started (package
// initialisation runs before main): StartupSeconds count from here.
var processStart = time.Now()

// sinceStart is seconds since processStart.
func sinceStart() float64 { return time.Since(processStart).Seconds() }

// ServeChild is the child side of the protocol: it reads a Spec as JSON from
// r, runs it in this process on a do86 machine, and writes the Result as one
// JSON line to w. Only a failure to read the Spec or write the Result is an
// error; a failed measurement is a Result with OK false.
func ServeChild(ctx context.Context, r io.Reader, w io.Writer) error {
	var spec Spec
	if err := json.NewDecoder(r).Decode(&spec); err != nil {
		return fmt.Errorf("bench child: reading the spec: %w", err)
	}
	res := RunInProcess(ctx, spec)
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// RunInProcess runs one measurement on a do86 machine in this process.
func RunInProcess(ctx context.Context, spec Spec) (res Result) {
	res = Result{Engine: EngineDo86, Workload: spec.Workload, Name: spec.Name, JIT: spec.JIT}
	if spec.CPUProfile != "" {
		f, err := os.Create(spec.CPUProfile)
		if err != nil {
			res.Error = err.Error()
			return res
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			res.Error = err.Error()
			return res
		}
		defer pprof.StopCPUProfile()
	}
	if err := runMachine(ctx, spec, &res); err != nil {
		res.OK, res.Error = false, err.Error()
	}
	return res
}

// run is the state of one measurement while its machine runs.
type run struct {
	spec   Spec
	res    *Result
	t0     float64 // sinceStart at the emulation's start
	cancel context.CancelCauseFunc

	mu   sync.Mutex // guards what follows and res once the machine runs
	done bool
	// seenT and seenInstr are when this side last saw the machine publish
	// its instruction count (once a second), and the count.
	seenT, seenInstr float64
}

// errDone ends a run whose measurement is complete.
var errDone = errors.New("measured")

// complete records the measurement and stops the machine.
func (r *run) complete(f func(res *Result)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return
	}
	r.done = true
	f(r.res)
	r.res.OK = true
	if r.seenT > r.t0 {
		r.res.GuestMIPS = r.seenInstr / (r.seenT - r.t0) / 1e6
	}
	r.cancel(errDone)
}

func runMachine(ctx context.Context, spec Spec, res *Result) error {
	cfg, err := emu.Resolve(ctx, emu.Request{
		Memory: uint64(spec.MemoryMiB) << 20, NoJIT: !spec.JIT,
		BIOS: spec.BIOS, VGABIOS: spec.VGABIOS,
		Floppy: [2]string{spec.FDA}, CDROM: spec.CDROM, Offline: true,
		Kernel: spec.Kernel, Initrd: spec.Initrd, Append: spec.Cmdline,
	})
	if err != nil {
		return err
	}
	if spec.CacheDir != "" {
		if cfg.Engine, err = core.LoadEngineWith(core.Find(), core.EngineOptions{CacheDir: spec.CacheDir}); err != nil {
			return err
		}
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r := &run{spec: spec, res: res, cancel: cancel}

	switch spec.Workload {
	case WorkLoop:
		cfg.Debugcon = &loopWatch{r: r}
	case WorkSerial:
	case WorkDesktop, WorkIdle:
	default:
		return fmt.Errorf("unknown workload %q", spec.Workload)
	}
	m, err := newMachine(cfg, spec, res)
	if err != nil {
		return err
	}
	defer m.Close()
	switch spec.Workload {
	case WorkSerial:
		// COM1 output is matched as the guest writes it.
		m.WatchSerial(regexp.MustCompile(regexp.QuoteMeta(spec.Marker)), func() {
			t := sinceStart()
			r.complete(func(res *Result) { res.Seconds = t - r.t0 })
		})
	case WorkDesktop:
		if err := r.watchDesktop(m); err != nil {
			return err
		}
	case WorkIdle:
		r.watchIdle(ctx, m)
	}
	r.watchStats(m)

	if spec.TimeoutSeconds > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeout(ctx, spec.timeout())
		defer stop()
	}
	r.t0 = sinceStart()
	res.StartupSeconds = r.t0
	runErr := m.Run(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done = true // late callbacks change nothing now
	jit := m.Stats().JIT
	res.JITModules, res.JITDropped = jit.Compiled, jit.Dropped
	res.JITCompileSeconds = jit.CompileTime.Seconds()
	res.JITMaxCompileMs = float64(jit.MaxCompile) / float64(time.Millisecond)
	switch {
	case res.OK && spec.WarmSave:
		return saveWarm(m, spec.WarmState)
	case res.OK:
		return nil
	case runErr != nil:
		return runErr
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("timeout after %s", spec.timeout())
	}
	return fmt.Errorf("stopped: %v", context.Cause(ctx))
}

// newMachine builds the machine of a measurement: a new one, or for a warm
// start (Spec.WarmState without WarmSave) one resumed from the snapshot.
func newMachine(cfg emu.Config, spec Spec, res *Result) (*emu.Machine, error) {
	if spec.WarmState == "" || spec.WarmSave {
		return emu.New(cfg)
	}
	if spec.Workload != WorkDesktop {
		return nil, fmt.Errorf("a warm start is measured for desktops only, not %q", spec.Workload)
	}
	s, err := pager.OpenReadOnly(spec.WarmState)
	if err != nil {
		return nil, fmt.Errorf("warm start: %w", err)
	}
	defer s.Close()
	m, err := emu.Resume(cfg, s, warmSnapshot)
	if err != nil {
		return nil, fmt.Errorf("warm start: %w", err)
	}
	res.Resumed = true
	return m, nil
}

// saveWarm saves m, stopped where its desktop was measured, as the warm
// start snapshot in the store at path.
func saveWarm(m *emu.Machine, path string) error {
	s, err := pager.Open(path)
	if err != nil {
		return fmt.Errorf("saving the warm start: %w", err)
	}
	if _, err := m.SaveSnapshot(context.Background(), s, warmSnapshot); err != nil {
		s.Close()
		return fmt.Errorf("saving the warm start: %w", err)
	}
	return s.Close()
}

// watchStats notes, after every frame, when the machine published a new
// instruction count, for Result.GuestMIPS (and the trace).
func (r *run) watchStats(m *emu.Machine) {
	m.OnFrame(func(*display.Frame, *display.TextScreen) {
		st := m.Stats()
		r.mu.Lock()
		if n := float64(st.Instructions); n != r.seenInstr {
			r.seenT, r.seenInstr = sinceStart(), n
			if r.spec.Trace && r.spec.Workload != WorkDesktop {
				fmt.Fprintf(os.Stderr, "bench: do86 %.2f s guest %.1f MIPS, halted %v\n", r.seenT-r.t0, st.MIPS, st.Halted)
			}
		}
		r.mu.Unlock()
	})
}

// loopWatch times the loop's markers on the debug console, which passes each
// byte on at once (COM1's output is buffered until the next frame).
type loopWatch struct {
	r              *run
	started, first float64
	chunks         int
}

func (w *loopWatch) Write(p []byte) (int, error) {
	spec := w.r.spec
	for _, b := range p {
		t := sinceStart()
		switch {
		case b == MarkStart && w.started == 0:
			w.started = t
		case b != MarkChunk || w.started == 0:
		case w.first == 0:
			if t-w.started >= spec.WarmupSeconds {
				w.first = t
			}
		default:
			w.chunks++
			if secs := t - w.first; secs >= spec.MeasureSeconds {
				w.r.complete(func(res *Result) {
					res.Chunks, res.Seconds = w.chunks, secs
					res.MIPS = float64(w.chunks) * float64(spec.InstrPerChunk) / secs / 1e6
				})
			}
		}
	}
	return len(p), nil
}

// watchDesktop samples the screen every SampleMillis on the emulation
// goroutine (from OnFrame) for the desktop's completion signal.
func (r *run) watchDesktop(m *emu.Machine) error {
	spec := r.spec
	var ref *image.RGBA
	if spec.ReferencePNG != "" {
		var err error
		if ref, err = LoadPNG(spec.ReferencePNG); err != nil {
			return err
		}
	}
	q := &QuietDetector{Window: spec.QuietSeconds, IdleMIPS: spec.IdleMIPS, MaxChanged: spec.MaxChangedPixels}
	var last float64
	m.OnFrame(func(f *display.Frame, _ *display.TextScreen) {
		t := sinceStart()
		if t-last < float64(spec.SampleMillis)/1000 || f.Width != spec.Width || f.Height != spec.Height {
			return
		}
		last = t
		if ref != nil {
			if d, err := display.MeanDifference(display.FrameImage(f), ref); err == nil && d <= spec.Tolerance {
				r.complete(func(res *Result) { res.Seconds = t - r.t0 })
			}
			return
		}
		// The machine publishes its instruction count once a second, so
		// the guest's rate here lags by up to a second; that delays only
		// when the run stops, not the time reported.
		drawn, cpu, ok := q.Sample(t, float64(m.Stats().Instructions), cpuSeconds(), f.Pix)
		if spec.Trace {
			fmt.Fprintf(os.Stderr, "bench: do86 %.2f s changed %d px, guest %.1f MIPS\n", t-r.t0, q.Changed, q.MIPS)
		}
		if ok {
			r.complete(func(res *Result) { res.Seconds, res.IdleCPU = drawn-r.t0, cpu })
		}
	})
	return nil
}

// QuietDetector decides when a graphical boot is done: the screen has not
// changed (beyond MaxChanged pixels between two samples) for Window seconds
// and over that window the guest executed at most IdleMIPS million
// instructions a second — it is mostly halted. The boot is then taken to
// have ended at the screen's last change. The Node harness applies the same
// rule.
type QuietDetector struct {
	Window, IdleMIPS float64
	MaxChanged       int

	// Changed is the number of pixels that changed at the last sample, MIPS
	// the guest's rate over the last window.
	Changed int
	MIPS    float64

	prev       []byte
	lastChange float64
	samples    []quietSample // those of the last window
}

type quietSample struct{ t, instr, cpu float64 }

// Sample takes the screen (RGBA, or any 4 bytes a pixel), the guest's
// instruction count and the process's CPU seconds at time t (seconds, in
// increasing order). Once the boot is done it reports when the screen last
// changed and the CPU seconds a second the process used in the quiet window.
func (q *QuietDetector) Sample(t, instr, cpu float64, pix []byte) (drawn, use float64, ok bool) {
	q.Changed = ChangedPixels(q.prev, pix)
	if q.prev == nil || q.Changed > q.MaxChanged {
		q.lastChange = t
	}
	q.prev = append(q.prev[:0], pix...)
	q.samples = append(q.samples, quietSample{t, instr, cpu})
	for len(q.samples) > 1 && q.samples[1].t <= t-q.Window {
		q.samples = q.samples[1:]
	}
	w := q.samples[0]
	if t-w.t <= 0 {
		return 0, 0, false
	}
	q.MIPS = (instr - w.instr) / (t - w.t) / 1e6
	if t-q.lastChange < q.Window || t-w.t < q.Window*0.9 || q.MIPS > q.IdleMIPS {
		return 0, 0, false
	}
	return q.lastChange, (cpu - w.cpu) / (t - w.t), true
}

// ChangedPixels counts the 4-byte pixels that differ between a and b (all
// of b's when the sizes differ).
func ChangedPixels(a, b []byte) int {
	if len(a) != len(b) {
		return len(b) / 4
	}
	n := 0
	for i := 0; i+8 <= len(a); i += 8 {
		x := binary.LittleEndian.Uint64(a[i:]) ^ binary.LittleEndian.Uint64(b[i:])
		if x == 0 {
			continue
		}
		if uint32(x) != 0 {
			n++
		}
		if x>>32 != 0 {
			n++
		}
	}
	return n
}

// watchIdle waits for the prompt on the text screen, then measures.
func (r *run) watchIdle(ctx context.Context, m *emu.Machine) {
	spec := r.spec
	seen := make(chan float64, 1)
	m.WatchText(regexp.MustCompile(regexp.QuoteMeta(spec.Prompt)), func() { seen <- sinceStart() })
	go func() {
		var t float64
		select {
		case t = <-seen:
		case <-ctx.Done():
			return
		}
		if !sleep(ctx, spec.SettleSeconds) {
			return
		}
		c0, w0 := cpuSeconds(), sinceStart()
		if !sleep(ctx, spec.IdleSeconds) {
			return
		}
		c1, w1 := cpuSeconds(), sinceStart()
		r.complete(func(res *Result) {
			res.Seconds = t - r.t0
			res.IdleCPU = (c1 - c0) / (w1 - w0)
		})
	}()
}

// sleep waits secs unless ctx ends first.
func sleep(ctx context.Context, secs float64) bool {
	t := time.NewTimer(time.Duration(secs * float64(time.Second)))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// LoadPNG reads a picture as RGBA.
func LoadPNG(path string) (*image.RGBA, error) { return display.LoadPNG(path) }

// Package bench measures do86: guest MIPS on fixed guest loops the package
// builds itself, seconds to a KolibriOS desktop and to Linux's ready marker,
// peak memory and idle CPU — and, for comparison, the same guests under v86
// in Node.js (scripts/v86-node/run.mjs).
//
// Each measurement runs in a child process of its own (do86 re-executed as
// `do86 bench child`, or node), so that peak RSS and CPU time are per boot
// and one boot's JIT cache or heap does not help the next. Parent and child
// speak JSON: a Spec on the child's stdin, a Result line on its stdout. The
// Node harness takes the same Spec and answers with the same Result.
package bench

import "time"

// Workloads a child runs.
const (
	// WorkLoop runs a guest loop (Spec.FDA is its floppy) and reports MIPS.
	WorkLoop = "loop"
	// WorkDesktop boots to a graphical desktop. It is done when the screen,
	// Width x Height, has not changed for QuietSeconds and the guest ran at
	// most IdleMIPS over that time (it is mostly halted); the time reported
	// is the screen's last change. With a reference picture it is done
	// instead when the screen comes within Tolerance of it.
	WorkDesktop = "desktop"
	// WorkSerial boots until COM1's output contains Marker.
	WorkSerial = "serial"
	// WorkIdle boots until the text screen contains Prompt, waits
	// SettleSeconds and reports the process's CPU use over IdleSeconds.
	WorkIdle = "idle"
)

// Spec is one measurement for a child process.
type Spec struct {
	Workload string `json:"workload"`
	// Name is the loop's or guest's name, for the report.
	Name string `json:"name"`

	FDA   string `json:"fda,omitempty"`
	CDROM string `json:"cdrom,omitempty"`
	// Kernel, Initrd and Cmdline boot Linux directly.
	Kernel  string `json:"kernel,omitempty"`
	Initrd  string `json:"initrd,omitempty"`
	Cmdline string `json:"cmdline,omitempty"`
	// CacheDir (do86 only), when set, holds the compilation cache instead
	// of the user's: an empty one measures a first boot ever.
	CacheDir  string `json:"cache_dir,omitempty"`
	MemoryMiB int    `json:"memory_mib"`
	JIT       bool   `json:"jit"`
	// ACPI turns on v86's ACPI tables in Node (do86 always has them).
	ACPI    bool   `json:"acpi"`
	BIOS    string `json:"bios"`
	VGABIOS string `json:"vga_bios"`
	// V86Lib and Wasm locate the npm package's libv86.mjs and v86.wasm (Node only).
	V86Lib string `json:"v86_lib,omitempty"`
	Wasm   string `json:"wasm,omitempty"`

	TimeoutSeconds float64 `json:"timeout_s"`
	SampleMillis   int     `json:"sample_ms,omitempty"`

	// WorkLoop.
	WarmupSeconds  float64 `json:"warmup_s,omitempty"`
	MeasureSeconds float64 `json:"measure_s,omitempty"`
	InstrPerChunk  uint64  `json:"instr_per_chunk,omitempty"`

	// WorkDesktop.
	Width        int     `json:"width,omitempty"`
	Height       int     `json:"height,omitempty"`
	QuietSeconds float64 `json:"quiet_s,omitempty"`
	IdleMIPS     float64 `json:"idle_mips,omitempty"`
	// MaxChangedPixels is the most pixels that may change between two
	// samples of a quiet screen (a blinking clock colon or cursor).
	MaxChangedPixels int `json:"max_changed_px,omitempty"`
	// ReferencePNG (do86) and ReferenceRaw (Node: the same picture as
	// Width*Height RGBA bytes) replace the idle signal by a comparison.
	ReferencePNG string  `json:"reference_png,omitempty"`
	ReferenceRaw string  `json:"reference_raw,omitempty"`
	Tolerance    float64 `json:"tolerance,omitempty"`
	// WarmState (WorkDesktop), when set, makes the boot a warm start: the
	// child resumes the snapshot kept there (do86: a page store holding
	// one called warmSnapshot; v86: a save_state file) instead of booting,
	// and a resume that fails is a failed run. With WarmSave the child
	// instead boots as usual and, once the desktop is up, saves the
	// snapshot there for later runs.
	WarmState string `json:"warm_state,omitempty"`
	WarmSave  bool   `json:"warm_save,omitempty"`

	// WorkSerial.
	Marker string `json:"marker,omitempty"`

	// WorkIdle.
	Prompt        string  `json:"prompt,omitempty"`
	SettleSeconds float64 `json:"settle_s,omitempty"`
	IdleSeconds   float64 `json:"idle_s,omitempty"`

	// Trace makes the child describe each sample on stderr.
	Trace bool `json:"trace,omitempty"`

	// CPUProfile, when set, makes a do86 child write a pprof CPU profile
	// of its whole run there.
	CPUProfile string `json:"cpuprofile,omitempty"`
}

// Result is what a child reports, completed by the parent.
type Result struct {
	Engine   string `json:"engine"` // "do86" or "v86-node"
	Workload string `json:"workload"`
	Name     string `json:"name"`
	JIT      bool   `json:"jit"`
	OK       bool   `json:"ok"`
	Error    string `json:"error,omitempty"`

	// StartupSeconds is from the child's start to the emulation's start
	// (core loaded, devices wired); Seconds from the emulation's start to
	// the completion signal (for loops: the measuring time).
	StartupSeconds float64 `json:"startup_s"`
	Seconds        float64 `json:"seconds"`

	// GuestMIPS is the guest's average speed from the emulation's start to
	// the completion signal (do86: to its last once-a-second count).
	GuestMIPS float64 `json:"guest_mips,omitempty"`

	Chunks int     `json:"chunks,omitempty"`
	MIPS   float64 `json:"mips,omitempty"`
	// IdleCPU is CPU seconds a second the process used while the guest
	// idled: at the prompt (WorkIdle), in the quiet window (WorkDesktop).
	IdleCPU float64 `json:"idle_cpu,omitempty"`

	// Resumed says the run started from Spec.WarmState's snapshot.
	Resumed bool `json:"resumed,omitempty"`

	// The JIT's pipeline in a do86 child, until the machine stopped.
	JITModules        uint64  `json:"jit_modules,omitempty"`
	JITDropped        uint64  `json:"jit_dropped,omitempty"`
	JITCompileSeconds float64 `json:"jit_compile_s,omitempty"`
	JITMaxCompileMs   float64 `json:"jit_max_compile_ms,omitempty"`

	// Filled in by the parent from the child's resource usage.
	PeakRSSMiB  float64 `json:"peak_rss_mib"`
	CPUSeconds  float64 `json:"cpu_s"`
	WallSeconds float64 `json:"wall_s"`
	Run         int     `json:"run"`
}

// Total is the time from the child's start to the completion signal.
func (r Result) Total() float64 { return r.StartupSeconds + r.Seconds }

// Defaults of the measurements.
const (
	defaultWarmup      = 0.5
	defaultMeasure     = 2.0
	defaultQuiet       = 2.0
	defaultIdleMIPS    = 2.0
	defaultMaxChanged  = 256
	defaultSampleMilli = 100
	defaultIdle        = 5.0
	defaultSettle      = 1.0
	loopMemoryMiB      = 32
	bootMemoryMiB      = 128
)

// warmSnapshot names the snapshot in a do86 child's WarmState store.
const warmSnapshot = "bench-warm"

// timeout is how long a child may take before it counts as failed.
func (s Spec) timeout() time.Duration {
	return time.Duration(s.TimeoutSeconds * float64(time.Second))
}

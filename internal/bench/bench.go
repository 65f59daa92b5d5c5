package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/do86/do86/pkg/images"
)

// Engines a measurement runs on.
const (
	EngineDo86 = "do86"
	EngineNode = "v86-node"
)

// Groups of measurements (--only).
const (
	GroupLoops   = "loops"
	GroupKolibri = "kolibri"
	GroupLinux   = "linux"
	GroupIdle    = "idle"
	GroupDirect  = "linux-direct"
)

// KolibriIdle, as Options.KolibriPNG, asks for the idle signal.
const KolibriIdle = "idle"

// Groups lists every group in report order.
var Groups = []string{GroupLoops, GroupKolibri, GroupLinux, GroupDirect, GroupIdle}

// Options configure Run.
type Options struct {
	// Runs is how many times each measurement runs (the report gives
	// medians); 0 means 3.
	Runs int
	// Only limits the groups measured (nil: all of Groups).
	Only []string
	// VsNode also runs every guest under v86 in Node.js, alternating with
	// do86, and reports the ratios.
	VsNode bool
	// NoJIT adds a column with the loops run with the JIT off.
	NoJIT bool

	// ImageDir is where kolibri.img, linux.iso and freedos722.img are looked
	// for ("": $DO86_IMAGE_DIR; KolibriOS also comes from the catalog).
	ImageDir string
	// KolibriPNG makes the desktop's completion signal the screen coming
	// within Tolerance (mean RGB difference) of this picture; "" takes
	// kolibri.png in the image directory when there is one (the idle signal
	// is less sure with builds that keep polling a while), and KolibriIdle
	// the idle signal.
	KolibriPNG string
	Tolerance  float64
	// BIOS and VGABIOS are the firmware files ("": Debian's SeaBIOS).
	BIOS, VGABIOS string

	// LoopSeconds is how long each loop is timed, after LoopWarmup seconds
	// (0: 2 s and 0.5 s).
	LoopSeconds, LoopWarmup float64
	// Timeout bounds each boot (0: 3 minutes).
	Timeout time.Duration
	// CPUProfile, when set, makes the first do86 run of each guest write a
	// CPU profile: FILE with the guest's name before the extension.
	CPUProfile string

	// Child is the command that runs one do86 measurement, reading a Spec
	// on stdin (default: this executable with "bench child").
	Child []string
	// Node is the node executable (default "node"); Harness the path of
	// scripts/v86-node/run.mjs (default: found above the working directory
	// or the executable).
	Node, Harness string
	// NodeACPI gives v86 ACPI tables as do86 has (v86's default is none).
	NodeACPI bool

	// Trace makes children describe their samples on stderr (debugging).
	Trace bool

	// Progress receives a line per measurement (nil: quiet).
	Progress io.Writer
}

// job is one measurement on one engine.
type job struct {
	group  string
	engine string
	spec   Spec
}

// Run measures and returns the report.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Runs <= 0 {
		o.Runs = 3
	}
	if o.Timeout <= 0 {
		o.Timeout = 3 * time.Minute
	}
	if o.LoopSeconds <= 0 {
		o.LoopSeconds = defaultMeasure
	}
	if o.LoopWarmup <= 0 {
		o.LoopWarmup = defaultWarmup
	}
	if o.Tolerance <= 0 {
		o.Tolerance = 0.5
	}
	if o.Node == "" {
		o.Node = "node"
	}
	only := o.Only
	if len(only) == 0 {
		only = Groups
	}
	for _, g := range only {
		if !contains(Groups, g) {
			return nil, fmt.Errorf("bench: unknown group %q (want %s)", g, strings.Join(Groups, ","))
		}
	}
	if len(o.Child) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		o.Child = []string{exe, "bench", "child"}
	}
	tmp, err := os.MkdirTemp("", "do86-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	rep := &Report{Date: time.Now().UTC().Format(time.RFC3339), Runs: o.Runs, VsNode: o.VsNode, Host: hostInfo(o)}
	base := Spec{TimeoutSeconds: o.Timeout.Seconds(), SampleMillis: defaultSampleMilli}
	if base.BIOS, err = firmware(o.BIOS, images.BIOSPaths, "BIOS"); err != nil {
		return nil, err
	}
	if base.VGABIOS, err = firmware(o.VGABIOS, images.VGABIOSPaths, "VGA BIOS"); err != nil {
		return nil, err
	}
	var node *nodeHarness
	if o.VsNode {
		if node, err = findNode(ctx, o); err != nil {
			return nil, err
		}
		base.V86Lib, base.Wasm = node.lib, node.wasm
	}
	imageDir := o.ImageDir
	if imageDir == "" {
		imageDir = os.Getenv(images.EnvImageDir)
	}

	// Every case, each with its variants, in the order they alternate;
	// warm holds the warm starts, whose snapshots are made first.
	var cases [][]job
	var warm []job
	add := func(group string, spec Spec, noJIT bool) {
		var c []job
		if spec.Workload != WorkLoop && spec.Workload != WorkIdle {
			// do86's first boot ever: an empty compilation cache.
			s := spec
			s.JIT, s.Name, s.CacheDir = true, spec.Name+" first boot", freshCache
			c = append(c, job{group, EngineDo86, s})
		}
		for _, e := range []string{EngineDo86, EngineNode} {
			if e == EngineNode && !o.VsNode {
				continue
			}
			s := spec
			s.JIT = true
			if e == EngineNode {
				s.ACPI = o.NodeACPI
			}
			c = append(c, job{group, e, s})
			if noJIT {
				s.JIT = false
				c = append(c, job{group, e, s})
			}
		}
		cases = append(cases, c)
	}
	for _, g := range only {
		switch g {
		case GroupLoops:
			for _, l := range Loops() {
				p := filepath.Join(tmp, l.Name+".img")
				if err := os.WriteFile(p, l.FloppyImage(), 0o644); err != nil {
					return nil, err
				}
				s := base
				s.Workload, s.Name, s.FDA, s.MemoryMiB = WorkLoop, l.Name, p, loopMemoryMiB
				s.WarmupSeconds, s.MeasureSeconds, s.InstrPerChunk = o.LoopWarmup, o.LoopSeconds, l.InstrPerChunk
				s.TimeoutSeconds = 60 + 20*(o.LoopWarmup+o.LoopSeconds)
				add(g, s, o.NoJIT)
			}
		case GroupKolibri:
			p, err := images.ResolveContext(ctx, "kolibri", images.ResolveOptions{ImageDir: imageDir, Progress: o.Progress})
			if err != nil {
				rep.Notes = append(rep.Notes, "kolibri skipped: "+err.Error())
				continue
			}
			s := base
			s.Workload, s.Name, s.FDA, s.MemoryMiB = WorkDesktop, "kolibri", p, bootMemoryMiB
			s.Width, s.Height, s.QuietSeconds, s.IdleMIPS = 1024, 768, defaultQuiet, defaultIdleMIPS
			s.MaxChangedPixels = defaultMaxChanged
			s.Trace = o.Trace
			png := o.KolibriPNG
			if p, ok := imageFile(imageDir, "kolibri.png"); ok && png == "" {
				png = p
			}
			if png != "" && png != KolibriIdle {
				ref, err := LoadPNG(png)
				if err != nil {
					return nil, err
				}
				s.Width, s.Height = ref.Rect.Dx(), ref.Rect.Dy()
				s.ReferencePNG, s.Tolerance = png, o.Tolerance
				s.ReferenceRaw = filepath.Join(tmp, "kolibri.rgba")
				if err := os.WriteFile(s.ReferenceRaw, ref.Pix, 0o644); err != nil {
					return nil, err
				}
			}
			add(g, s, false)
			// A warm start: the same desktop resumed from a snapshot the
			// preparation below saves once it is up (run --warm's second run).
			var c []job
			for _, e := range []string{EngineDo86, EngineNode} {
				if e == EngineNode && !o.VsNode {
					continue
				}
				w := s
				w.Name, w.JIT, w.WarmState = "kolibri warm", true, filepath.Join(tmp, e+"-kolibri.warm")
				if e == EngineNode {
					w.ACPI = o.NodeACPI
				}
				c = append(c, job{g, e, w})
			}
			warm = append(warm, c...)
			cases = append(cases, c)
		case GroupLinux:
			p, ok := imageFile(imageDir, "linux.iso")
			if !ok {
				rep.Notes = append(rep.Notes, "linux skipped: no linux.iso in the image directory (--image-dir or $"+images.EnvImageDir+")")
				continue
			}
			s := base
			s.Workload, s.Name, s.CDROM, s.MemoryMiB, s.Marker = WorkSerial, "linux", p, bootMemoryMiB, "DO86-LINUX-READY"
			add(g, s, false)
		case GroupDirect:
			k, ok1 := imageFile(imageDir, "linux-vmlinuz")
			i, ok2 := imageFile(imageDir, "linux-initrd.gz")
			if !ok1 || !ok2 {
				rep.Notes = append(rep.Notes, "linux-direct skipped: no linux-vmlinuz and linux-initrd.gz in the image directory (--image-dir or $"+images.EnvImageDir+")")
				continue
			}
			s := base
			s.Workload, s.Name, s.MemoryMiB, s.Marker = WorkSerial, "linux-direct", bootMemoryMiB, "DO86-LINUX-READY"
			s.Kernel, s.Initrd, s.Cmdline = k, i, "console=ttyS0,115200 console=tty0"
			add(g, s, false)
		case GroupIdle:
			p, ok := imageFile(imageDir, "freedos722.img")
			if !ok {
				rep.Notes = append(rep.Notes, "idle skipped: no freedos722.img in the image directory (--image-dir or $"+images.EnvImageDir+")")
				continue
			}
			s := base
			s.Workload, s.Name, s.FDA, s.MemoryMiB = WorkIdle, "freedos", p, bootMemoryMiB
			s.Prompt, s.SettleSeconds, s.IdleSeconds = `A:\>`, defaultSettle, defaultIdle
			add(g, s, false)
		}
	}

	argv := func(engine string) []string {
		if engine == EngineDo86 {
			return o.Child
		}
		return []string{o.Node, node.script}
	}
	for _, j := range warm {
		s := j.spec
		s.WarmSave = true
		res := spawn(ctx, argv(j.engine), s)
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "bench: preparing %s %s: booted and saved: %s\n", s.Name, j.engine, res.summary())
		}
		if !res.OK {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s %s: no snapshot to start from (%s)", s.Name, j.engine, res.Error))
		}
	}

	profiled := map[string]bool{}
	for r := 1; r <= o.Runs; r++ {
		for _, c := range cases {
			for _, j := range c {
				if ctx.Err() != nil {
					rep.Host.LoadAfter = loadAverage()
					rep.summarize()
					return rep, ctx.Err()
				}
				s := j.spec
				if s.CacheDir == freshCache {
					d, err := os.MkdirTemp(tmp, "cache")
					if err != nil {
						return nil, err
					}
					s.CacheDir = d
				}
				if j.engine == EngineDo86 && o.CPUProfile != "" && s.JIT && !profiled[s.Name] {
					profiled[s.Name] = true
					s.CPUProfile = profilePath(o.CPUProfile, s.Name)
					rep.Notes = append(rep.Notes, "CPU profile of "+s.Name+": "+s.CPUProfile)
				}
				res := spawn(ctx, argv(j.engine), s)
				if s.WarmState != "" && res.OK && !res.Resumed {
					res.OK, res.Error = false, "booted instead of resuming the warm start"
				}
				res.Run = r
				if res.Engine == "" {
					res.Engine = j.engine
				}
				if o.Progress != nil {
					fmt.Fprintf(o.Progress, "bench: run %d/%d %-8s %-8s %s\n", r, o.Runs, s.Name, variant(j.engine, s.JIT), res.summary())
				}
				rep.Results = append(rep.Results, res)
			}
		}
	}
	rep.Host.LoadAfter = loadAverage()
	rep.summarize()
	return rep, nil
}

// variant names an engine with the JIT on or off.
func variant(engine string, jit bool) string {
	if jit {
		return engine
	}
	return engine + " no-JIT"
}

func (r Result) summary() string {
	switch {
	case !r.OK:
		return "FAILED: " + r.Error
	case r.Workload == WorkLoop:
		return fmt.Sprintf("%.0f MIPS (%d chunks in %.2f s)", r.MIPS, r.Chunks, r.Seconds)
	case r.Workload == WorkIdle:
		return fmt.Sprintf("prompt at %.2f s, idle CPU %.1f%%, peak RSS %.0f MiB", r.Seconds, r.IdleCPU*100, r.PeakRSSMiB)
	}
	return fmt.Sprintf("%.2f s (+%.2f s start), CPU %.1f s, peak RSS %.0f MiB", r.Seconds, r.StartupSeconds, r.CPUSeconds, r.PeakRSSMiB)
}

// profilePath puts name before path's extension: cpu.pprof → cpu.kolibri.pprof.
func profilePath(path, name string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "." + name + ext
}

// firmware returns the path of the first firmware file that exists.
func firmware(flag string, paths []string, what string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fmt.Errorf("bench: no %s at %v (apt-get install seabios)", what, paths)
}

// imageFile returns dir/name when it exists.
func imageFile(dir, name string) (string, bool) {
	if dir == "" {
		return "", false
	}
	p := filepath.Join(dir, name)
	st, err := os.Stat(p)
	return p, err == nil && st.Mode().IsRegular()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// freshCache asks for an empty compilation cache of a run's own.
const freshCache = "\x00fresh"

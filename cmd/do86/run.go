package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/do86/do86/internal/core"
	"github.com/do86/do86/internal/disk"
	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/term"
	"github.com/do86/do86/pkg/display/vnc"
	"github.com/do86/do86/pkg/emu"
)

// runFlags are do86 run's flags (DESIGN.md lists them all).
type runFlags struct {
	fda, fdb      string
	hda, hdb      string
	cdrom         string
	overlay       string
	persist       bool
	memory        string
	bios, vgabios string
	jit           bool
	usb           bool
	debugcon      string
	traceIO       string
	displayKind   string
	serial        string
	timeout       time.Duration
	untilSerial   string
	untilText     string
	untilScreen   string
	screenshot    string
	boot          string
	imageDir      string
	kernel        string
	initrd        string
	appendLine    string
	multiboot     string
	modules       []string
	ahciDisk      string
	ahciDiskSize  string
	vnc           string
	vncPassword   string
	web           string
	store         string
	save          string
	resume        string
	force         bool
	access        webAccess // --web-token, --allow-host
	warm          bool
	clock         string
	cpuProfile    string
	jitThreshold  uint32
	jitPages      uint32
	jitBlocks     uint32
	stats         bool
	script        string
	report        string
	record        string
	net           netFlags // net.go
}

func newRunCmd() *cobra.Command {
	f := &runFlags{}
	cmd := &cobra.Command{
		Use:   "run [IMAGE|FILE] [flags]",
		Short: "Boot a PC from an image file",
		Long: `Boot a PC from an image: a catalog name (do86 images list) or a file. A file's
kind is detected from its content — a floppy (by its size), an ISO 9660 CD
(El Torito), a hard disk (MBR), a Multiboot kernel or a Linux bzImage — and
it goes to the drive that kind implies; --fda, --cdrom, --hda and the other
media flags say it explicitly. With no image and no media, the embedded demo
OS boots.

Guest writes to disks go to an overlay (in memory, or --overlay FILE) unless
--persist. --save NAME snapshots the VM when it stops (refused at start when
NAME exists, unless --force); --resume NAME continues one with the media it
was made with, found again by path or catalog name and checked by content.

--script FILE runs a test script (see README's "Testing your OS with do86"):
one step a line — wait serial|text|screen|poweroff, type, key, send, mouse
move|click|down|up, screenshot, save, restore, assert, sleep, timeout,
poweroff — each step's outcome and time printed as TAP on stdout as it ends,
the run ending with the script (the machine is then stopped). --report FILE
writes a JUnit XML report (a testcase a step; a failed step is a <failure>
naming its line); when a step fails, the screen and the COM1 output are kept
beside it (--report out/junit.xml: out/junit-screen.png, out/junit-serial.log). --timeout bounds the whole
script; save and restore steps use the snapshot --store. --record FILE.png
writes the screen as an animated PNG with the real timing (only the changed
parts of changed frames, at most 10 a second).

The pointer: VNC clients, the terminal and the browser point at positions. A
guest that drives the USB tablet (KolibriOS does; see README) puts its arrow
exactly there; others get the PS/2 mouse moved by the difference from the last
position, which their pointer acceleration can throw off.

Exit codes: 0 the VM stopped as asked (timeout, an --until matched, the guest
powered off, the user quit) or every step of the --script passed; 1 an error
(also a script step that could not be carried out); 3 an --until condition
was not met before --timeout, or a script step failed (a wait timed out, an
assertion did not hold); 4 the CPU core crashed.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVM(cmd.Context(), f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.fda, "fda", "", "floppy image for drive A:")
	fl.StringVar(&f.fdb, "fdb", "", "floppy image for drive B:")
	fl.StringVar(&f.hda, "hda", "", "hard disk image (primary master)")
	fl.StringVar(&f.hdb, "hdb", "", "hard disk image (primary slave)")
	fl.StringVar(&f.cdrom, "cdrom", "", "CD-ROM image, ISO 9660 (secondary master)")
	fl.StringVar(&f.overlay, "overlay", "", "keep --hda's guest writes in this overlay FILE (default: in memory, lost at exit)")
	fl.BoolVar(&f.persist, "persist", false, "write the guest's disk writes through to the image files (hard disks, the AHCI disk, floppies); default: an overlay")
	fl.StringVar(&f.kernel, "kernel", "", "boot this Linux kernel (bzImage) directly")
	fl.StringVar(&f.initrd, "initrd", "", "initial RAM disk for --kernel")
	fl.StringVar(&f.appendLine, "append", "", "kernel command line (--kernel or --multiboot)")
	fl.StringVar(&f.multiboot, "multiboot", "", "boot this Multiboot kernel directly")
	fl.StringArrayVar(&f.modules, "module", nil, "Multiboot module FILE[,ARGS] (repeatable)")
	fl.StringVar(&f.ahciDisk, "ahci-disk", "", "disk image on an AHCI (SATA) controller")
	fl.StringVar(&f.ahciDiskSize, "ahci-disk-size", "", "a blank AHCI disk of SIZE (e.g. 32M) when no --ahci-disk is given")
	fl.StringVar(&f.memory, "memory", "", "guest RAM, e.g. 64M or 1G (a bare number is MiB), at most 2047M (default: the catalog's, else 128M)")
	fl.StringVar(&f.bios, "bios", "", "BIOS image (default: Debian's SeaBIOS)")
	fl.StringVar(&f.vgabios, "vgabios", "", "VGA BIOS image (default: Debian's SeaVGABIOS for std VGA)")
	fl.BoolVar(&f.jit, "jit", true, "compile hot guest code to WebAssembly (--jit=false: interpret only)")
	fl.BoolVar(&f.usb, "usb", true, "a USB controller (UHCI) with a USB tablet, so that a guest with USB HID drivers puts its pointer where VNC, the terminal or the browser points (--usb=false: the PS/2 mouse alone)")
	fl.StringVar(&f.debugcon, "debugcon", "", "write the debug console (ports 0x402, 0xE9: SeaBIOS's log) to FILE (- for stderr)")
	fl.StringVar(&f.traceIO, "trace-io", "", "write every port access to FILE (slow)")
	fl.StringVar(&f.displayKind, "display", "", "term or none (default: term when stdout is a terminal)")
	fl.StringVar(&f.serial, "serial", "none", "COM1: stdio, FILE or none")
	fl.DurationVar(&f.timeout, "timeout", 0, "stop after this long (e.g. 60s) of real time, whatever the --clock")
	fl.StringVar(&f.untilSerial, "until-serial", "", "stop once COM1 output matches this regular expression")
	fl.StringVar(&f.untilText, "until-text", "", "stop once the text-mode screen matches this regular expression")
	fl.StringVar(&f.untilScreen, "until-screen", "", "stop once the screen matches PNG[,TOL]: mean RGB difference at most TOL (default 8)")
	fl.StringVar(&f.screenshot, "screenshot", "", "write a PNG of the screen to FILE when the VM stops")
	fl.StringVar(&f.boot, "boot", "", "boot order, a comma list of fda,cdrom,hda")
	fl.StringVar(&f.store, "store", "", "snapshot store FILE (default: the user cache's do86/store.db)")
	fl.StringVar(&f.save, "save", "", "save a snapshot NAME of the VM when it stops")
	fl.StringVar(&f.resume, "resume", "", "resume the snapshot NAME with the media it was made with (found again by path or catalog name and checked; media flags may name copies)")
	fl.StringVar(&f.clock, "clock", "", "guest clock: realtime, or warp to skip time the guest spends halted waiting for a timer (sleeps and countdowns cost nothing); default: warp when nobody watches (--display none, no --vnc, no --web, no interactive --serial stdio), else realtime")
	fl.Uint32Var(&f.jitThreshold, "jit-threshold", 0, "the heat at which the JIT compiles a page (tuning; 0: the default)")
	fl.MarkHidden("jit-threshold")
	fl.Uint32Var(&f.jitPages, "jit-pages", 0, "most x86 pages in one JIT module (tuning; 0: the default)")
	fl.MarkHidden("jit-pages")
	fl.Uint32Var(&f.jitBlocks, "jit-blocks", 0, "most extra basic blocks in one JIT module (tuning; 0: the default)")
	fl.MarkHidden("jit-blocks")
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to FILE (go tool pprof reads it)")
	fl.BoolVar(&f.warm, "warm", false, "start from a snapshot of the image booted: the first --warm run boots and saves one once the screen settles, later ones resume it (same image, core, firmware and memory)")
	fl.BoolVar(&f.force, "force", false, "let --save replace an existing snapshot of that name")
	fl.BoolVar(&f.stats, "stats", false, "print instructions, MIPS and JIT figures when the VM stops")
	fl.StringVar(&f.imageDir, "image-dir", "", "look for catalog images here first, by file name (or $DO86_IMAGE_DIR)")
	fl.StringVar(&f.vnc, "vnc", "", "also serve this VM over VNC at ADDR: \":N\" or HOST:N (N ≤ 99) is display N, port 5900+N (QEMU's convention); HOST:PORT and a bare PORT are TCP ports")
	fl.StringVar(&f.vncPassword, "vnc-password", "", "VNC password (or $DO86_VNC_PASSWORD); none: no authentication")
	addWebAccessFlags(fl, &f.access)
	fl.StringVar(&f.web, "web", "", "also serve this VM to browsers at ADDR (page at /, noVNC at /websockify)")
	fl.StringVar(&f.script, "script", "", "run the test script FILE (steps: see --help above), print TAP, exit 3 when a step fails")
	fl.StringVar(&f.report, "report", "", "write the --script run's JUnit XML report to FILE (a failure keeps FILE-screen.png and FILE-serial.log)")
	fl.StringVar(&f.record, "record", "", "record the screen to FILE as an animated PNG (APNG) with the real timing")
	addRunNetFlags(cmd, &f.net)
	return cmd
}

func fail(err error) error { return &exitCode{exitError, err} }

// parseMemory reads a size such as 128M, 1G, 65536K; a bare number is MiB.
func parseMemory(s string) (uint32, error) {
	t := strings.TrimSpace(s)
	if t != "" && strings.Trim(t, "0123456789") == "" {
		t += "M"
	}
	v, err := disk.ParseSize(t)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("--memory %q: want a size such as 128M or 1G", s)
	}
	if v > core.MaxMemory {
		return 0, fmt.Errorf("--memory %s is more than the CPU core supports (at most 2047M)", s)
	}
	return uint32(v), nil
}

func runVM(ctx context.Context, f *runFlags, args []string) error {
	if err := f.check(); err != nil {
		return fail(err)
	}
	if err := f.checkScript(); err != nil {
		return fail(err)
	}
	var cfg emu.Config
	var err error
	if f.resume != "" {
		cfg, err = resumeConfig(ctx, f, args)
	} else {
		cfg, err = buildConfig(ctx, f, args)
	}
	if err != nil {
		return fail(err)
	}
	var closers []io.Closer
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	openOut := func(name string) (io.Writer, error) {
		switch name {
		case "":
			return nil, nil
		case "-":
			return os.Stderr, nil
		}
		w, err := os.Create(name)
		if err != nil {
			return nil, err
		}
		closers = append(closers, w)
		return w, nil
	}
	if cfg.Debugcon, err = openOut(f.debugcon); err != nil {
		return fail(err)
	}
	if cfg.TraceIO, err = openOut(f.traceIO); err != nil {
		return fail(err)
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	errMatched := errors.New("matched")

	// COM1.
	var serialOut io.Writer
	switch f.serial {
	case "none", "":
	case "stdio":
		serialOut = os.Stdout
	default:
		if serialOut, err = openOut(f.serial); err != nil {
			return fail(err)
		}
	}
	cfg.Serial = serialOut
	webCon := webConsole(f, &cfg)
	if f.script != "" {
		return runScript(ctx, f, cfg, args, webCon)
	}

	displayKind := f.displayKind
	if displayKind == "" {
		displayKind = "none"
		if isTerminal(os.Stdout) && f.serial != "stdio" {
			displayKind = "term"
		}
	}
	cfg.Warp = f.warpClock(displayKind)
	cfg.JITThreshold, cfg.JITPages, cfg.JITBlocks = f.jitThreshold, f.jitPages, f.jitBlocks
	if f.cpuProfile != "" {
		stop, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			return fail(err)
		}
		defer stop()
	}

	var m *emu.Machine
	switch {
	case f.resume != "":
		m, err = resumeMachine(ctx, cfg, f.store, f.resume)
	case f.warm:
		if m = warmResume(cfg, f.store); m == nil {
			if m, err = emu.New(cfg); err == nil {
				warmSave(ctx, m, f.store)
			}
		}
	default:
		m, err = emu.New(cfg)
	}
	if err != nil {
		return fail(err)
	}
	defer m.Close()

	if f.serial == "stdio" {
		go func() {
			buf := make([]byte, 4096)
			for {
				n, err := os.Stdin.Read(buf)
				if n > 0 {
					m.SendSerial(append([]byte(nil), buf[:n]...))
				}
				if err != nil {
					return
				}
			}
		}()
	}
	if err := watchUntil(m, f, func() { cancel(errMatched) }); err != nil {
		return fail(err)
	}

	if f.timeout > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeout(ctx, f.timeout)
		defer stop()
	}
	defer cancelOnSignal(ctx, cancel)()

	if f.vnc != "" {
		stop, err := serveVNC(m, f)
		if err != nil {
			return fail(err)
		}
		defer stop()
	}
	if f.web != "" {
		stop, err := serveWeb(m, f, webCon, imageName(args, f))
		if err != nil {
			return fail(err)
		}
		defer stop()
	}
	if f.record != "" {
		stop, err := startRecording(m, f.record)
		if err != nil {
			return fail(err)
		}
		defer stop()
	}
	var runErr error
	switch displayKind {
	case "none":
		runErr = m.Run(ctx)
	case "term":
		if f.serial == "stdio" {
			return fail(errors.New("--serial stdio and --display term both want the terminal: use --display none, or --serial FILE"))
		}
		runErr = runWithTerminal(ctx, cancel, m, imageName(args, f), f)
	default:
		return fail(fmt.Errorf("--display %q: want term or none", displayKind))
	}
	if f.screenshot != "" {
		if err := m.Screenshot(f.screenshot); err != nil {
			fmt.Fprintln(os.Stderr, "do86: screenshot:", err)
		}
	}
	if f.stats {
		st := m.Stats()
		secs := st.Elapsed.Seconds()
		fmt.Fprintf(os.Stderr, "do86: %d instructions in %.2f s of guest time: %.0f MIPS on average; %d resets\n",
			st.Instructions, secs, float64(st.Instructions)/max((st.Elapsed-st.Warped).Seconds(), 1e-9)/1e6, st.Resets)
		if st.Warped > 0 {
			fmt.Fprintf(os.Stderr, "do86: the warp clock skipped %.2f s of halted guest time\n", st.Warped.Seconds())
		}
		j := st.JIT
		fmt.Fprintf(os.Stderr, "do86: JIT: %d modules compiled (%d failed, %d dropped) in %s, slowest %s; %d installed\n",
			j.Compiled, j.Failed, j.Dropped, j.CompileTime.Round(time.Millisecond), j.MaxCompile.Round(time.Millisecond), j.Instantiated)
	}
	if f.save != "" && !errors.Is(runErr, emu.ErrCrash) {
		if err := saveSnapshot(m, f.store, f.save); err != nil {
			return fail(err)
		}
	}
	switch {
	case errors.Is(runErr, emu.ErrCrash):
		return &exitCode{exitCrashed, runErr}
	case errors.Is(runErr, emu.ErrPowerOff):
		return nil
	case runErr != nil:
		return fail(runErr)
	}
	if errors.Is(context.Cause(ctx), errMatched) {
		return nil
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) && (f.untilSerial != "" || f.untilText != "" || f.untilScreen != "") {
		return &exitCode{exitUnmet, fmt.Errorf("timeout after %s: the --until condition was not met", f.timeout)}
	}
	return nil
}

// loadUntilScreen reads --until-screen's PNG[,TOL].
func loadUntilScreen(arg string) (*image.RGBA, float64, error) {
	path, tol := arg, 8.0
	if i := strings.LastIndexByte(arg, ','); i > 0 {
		t, ok := parseTolerance(arg[i+1:])
		if !ok {
			return nil, 0, fmt.Errorf("--until-screen %q: the tolerance after the comma must be a number ≥ 0", arg)
		}
		path, tol = arg[:i], t
	}
	rgba, err := display.LoadPNG(path)
	if err != nil {
		return nil, 0, fmt.Errorf("--until-screen: %w", err)
	}
	return rgba, tol, nil
}

// serveVNC starts the VNC server for --vnc; stop closes it.
func serveVNC(m *emu.Machine, f *runFlags) (stop func(), err error) {
	pw := f.vncPassword
	if pw == "" {
		pw = os.Getenv("DO86_VNC_PASSWORD")
	}
	l, err := vnc.Listen(f.vnc)
	if err != nil {
		return nil, fmt.Errorf("--vnc: %w", err)
	}
	s := vnc.New(m.Hub(), m, vnc.Options{Password: pw, Logf: logf})
	go s.Serve(l)
	logf("VNC server on %s", l.Addr())
	return func() { s.Close() }, nil
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// imageName is what the status line calls the machine.
func imageName(args []string, f *runFlags) string {
	switch {
	case len(args) > 0:
		return filepath.Base(args[0])
	case f.fda != "":
		return filepath.Base(f.fda)
	}
	return "do86"
}

// runWithTerminal runs the machine on this goroutine and the terminal sink
// beside it; either ending stops the other.
func runWithTerminal(ctx context.Context, cancel context.CancelCauseFunc, m *emu.Machine, name string, f *runFlags) error {
	quit := errors.New("quit")
	done := make(chan error, 1)
	go func() {
		msgs, untap := tapMessages()
		defer untap()
		err := term.Run(ctx, term.Options{
			Messages: msgs,
			Hub:      m.Hub(),
			Input:    m,
			Status: func() term.Status {
				st := m.Stats()
				return term.Status{Image: name, Phase: st.Phase, MIPS: st.MIPS, Halted: st.Halted, Paused: m.Paused()}
			},
			Quit: func() { cancel(quit) },
			Pause: func() bool {
				m.Pause(!m.Paused())
				return m.Paused()
			},
			Save: func() (string, error) {
				name := f.save
				if name == "" {
					name = time.Now().Format("term-20060102-150405")
				}
				return saveRunning(ctx, m, f.store, name)
			},
		})
		if err != nil {
			cancel(err)
		}
		done <- err
	}()
	runErr := m.Run(ctx)
	cancel(quit)
	if err := <-done; err != nil && runErr == nil {
		return err
	}
	return runErr
}

// watchUntil starts the watches of --until-serial, --until-text and
// --until-screen on m; matched is called when one fires.
func watchUntil(m *emu.Machine, f *runFlags, matched func()) error {
	if f.untilSerial != "" {
		re, err := regexp.Compile(f.untilSerial)
		if err != nil {
			return fmt.Errorf("--until-serial: %w", err)
		}
		m.WatchSerial(re, matched)
	}
	if f.untilText != "" {
		re, err := regexp.Compile(f.untilText)
		if err != nil {
			return fmt.Errorf("--until-text: %w", err)
		}
		m.WatchText(re, matched)
	}
	if f.untilScreen != "" {
		want, tol, err := loadUntilScreen(f.untilScreen)
		if err != nil {
			return err
		}
		m.WatchScreen(want, tol, image.Rectangle{}, matched)
	}
	return nil
}

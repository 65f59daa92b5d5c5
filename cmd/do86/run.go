package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/do86/do86/internal/core"
	"github.com/do86/do86/internal/disk"
	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/term"
	"github.com/do86/do86/pkg/display/vnc"
	"github.com/do86/do86/pkg/emu"
	"github.com/do86/do86/pkg/images"
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
	stats         bool
}

func newRunCmd() *cobra.Command {
	f := &runFlags{}
	cmd := &cobra.Command{
		Use:   "run [IMAGE|FILE] [flags]",
		Short: "Boot a PC from an image file",
		Long: `Boot a PC from an image file. A positional FILE is looked at to decide how it
boots (a floppy by its size, for now); --fda and the other media flags say it
explicitly.

The pointer: VNC clients, the terminal and the browser point at positions. A
guest that drives the USB tablet (KolibriOS does; see README) puts its arrow
exactly there; others get the PS/2 mouse moved by the difference from the last
position, which their pointer acceleration can throw off.

Exit codes: 0 the VM stopped as asked (timeout, an --until matched, the guest
powered off, the user quit); 1 an error; 3 an --until condition was not met
before --timeout; 4 the CPU core crashed.`,
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
	fl.BoolVar(&f.persist, "persist", false, "write guest disk writes through to the --hda/--hdb image files")
	fl.StringVar(&f.kernel, "kernel", "", "boot this Linux kernel (bzImage) directly")
	fl.StringVar(&f.initrd, "initrd", "", "initial RAM disk for --kernel")
	fl.StringVar(&f.appendLine, "append", "", "kernel command line (--kernel or --multiboot)")
	fl.StringVar(&f.multiboot, "multiboot", "", "boot this Multiboot kernel directly")
	fl.StringArrayVar(&f.modules, "module", nil, "Multiboot module FILE[,ARGS] (repeatable)")
	fl.StringVar(&f.ahciDisk, "ahci-disk", "", "disk image on an AHCI (SATA) controller")
	fl.StringVar(&f.ahciDiskSize, "ahci-disk-size", "", "a blank AHCI disk of SIZE (e.g. 32M) when no --ahci-disk is given")
	fl.StringVar(&f.memory, "memory", "", "guest RAM, e.g. 64M or 1024M, at most 2047M (default: the catalog's, else 128M)")
	fl.StringVar(&f.bios, "bios", "", "BIOS image (default: Debian's SeaBIOS)")
	fl.StringVar(&f.vgabios, "vgabios", "", "VGA BIOS image (default: Debian's SeaVGABIOS for std VGA)")
	fl.BoolVar(&f.jit, "jit", true, "compile hot guest code to WebAssembly (--jit=false: interpret only)")
	fl.BoolVar(&f.usb, "usb", true, "a USB controller (UHCI) with a USB tablet, so that a guest with USB HID drivers puts its pointer where VNC, the terminal or the browser points (--usb=false: the PS/2 mouse alone)")
	fl.StringVar(&f.debugcon, "debugcon", "", "write the debug console (ports 0x402, 0xE9: SeaBIOS's log) to FILE (- for stderr)")
	fl.StringVar(&f.traceIO, "trace-io", "", "write every port access to FILE (slow)")
	fl.StringVar(&f.displayKind, "display", "", "term or none (default: term when stdout is a terminal)")
	fl.StringVar(&f.serial, "serial", "none", "COM1: stdio, FILE or none")
	fl.DurationVar(&f.timeout, "timeout", 0, "stop after this long (e.g. 60s)")
	fl.StringVar(&f.untilSerial, "until-serial", "", "stop once COM1 output matches this regular expression")
	fl.StringVar(&f.untilText, "until-text", "", "stop once the text-mode screen matches this regular expression")
	fl.StringVar(&f.untilScreen, "until-screen", "", "stop once the screen matches PNG[,TOL]: mean RGB difference at most TOL (default 8)")
	fl.StringVar(&f.screenshot, "screenshot", "", "write a PNG of the screen to FILE when the VM stops")
	fl.StringVar(&f.boot, "boot", "", "boot order, a comma list of fda,cdrom,hda")
	fl.StringVar(&f.store, "store", "", "snapshot store FILE (default: the user cache's do86/store.db)")
	fl.StringVar(&f.save, "save", "", "save a snapshot NAME of the VM when it stops")
	fl.StringVar(&f.resume, "resume", "", "resume the snapshot NAME (give the same image and media it was made with)")
	fl.BoolVar(&f.stats, "stats", false, "print instructions, MIPS and JIT figures when the VM stops")
	fl.StringVar(&f.imageDir, "image-dir", "", "look for catalog images here first, by file name (or $DO86_IMAGE_DIR)")
	fl.StringVar(&f.vnc, "vnc", "", "also serve this VM over VNC at ADDR (\":N\" = 127.0.0.1:5900+N)")
	fl.StringVar(&f.vncPassword, "vnc-password", "", "VNC password (or $DO86_VNC_PASSWORD); none: no authentication")
	fl.StringVar(&f.web, "web", "", "also serve this VM to browsers at ADDR (page at /, noVNC at /websockify)")
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
	cfg, err := buildConfig(ctx, f, args)
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
	if f.untilSerial != "" {
		re, err := regexp.Compile(f.untilSerial)
		if err != nil {
			return fail(fmt.Errorf("--until-serial: %w", err))
		}
		serialOut = &matchWriter{w: serialOut, re: re, matched: func() { cancel(errMatched) }}
	}
	cfg.Serial = serialOut
	webCon := webConsole(f, &cfg)

	var m *emu.Machine
	if f.resume != "" {
		m, err = resumeMachine(cfg, f.store, f.resume)
	} else {
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
	var untilText *regexp.Regexp
	if f.untilText != "" {
		if untilText, err = regexp.Compile(f.untilText); err != nil {
			return fail(fmt.Errorf("--until-text: %w", err))
		}
	}
	var want *image.RGBA
	tol := 8.0
	if f.untilScreen != "" {
		if want, tol, err = loadUntilScreen(f.untilScreen); err != nil {
			return fail(err)
		}
	}
	var lastCompare time.Time
	m.OnFrame = func(fr *display.Frame, text *display.TextScreen) {
		if untilText != nil && text != nil && untilText.MatchString(text.String()) {
			cancel(errMatched)
		}
		// Comparing a whole screen costs a millisecond or two: four times a
		// second is plenty.
		if want != nil && time.Since(lastCompare) > 250*time.Millisecond {
			lastCompare = time.Now()
			if d, err := display.MeanDifference(display.FrameImage(fr), want); err == nil && d <= tol {
				cancel(errMatched)
			}
		}
	}

	if f.timeout > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeout(ctx, f.timeout)
		defer stop()
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	go func() {
		select {
		case <-sig:
			cancel(errors.New("interrupted"))
		case <-ctx.Done():
		}
	}()

	displayKind := f.displayKind
	if displayKind == "" {
		displayKind = "none"
		if isTerminal(os.Stdout) && f.serial != "stdio" {
			displayKind = "term"
		}
	}
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
			st.Instructions, secs, float64(st.Instructions)/max(secs, 1e-9)/1e6, st.Resets)
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
		t, err := strconv.ParseFloat(arg[i+1:], 64)
		if err != nil || t < 0 {
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

// resolveImage turns the positional argument into a file: an existing file
// as it is, else a catalog name (image directory, cache, download).
func resolveImage(ctx context.Context, arg, imageDir string) (string, *images.Entry, error) {
	if _, err := os.Stat(arg); err == nil {
		return arg, nil, nil
	}
	e, ok := images.Lookup(arg)
	if !ok {
		_, err := os.Stat(arg)
		return "", nil, fmt.Errorf("%w (and %q is not a catalog image: %s)", err, arg, strings.Join(images.Names(), ", "))
	}
	path, err := images.ResolveContext(ctx, arg, images.ResolveOptions{ImageDir: imageDir, Progress: images.StderrProgress()})
	if err != nil {
		return "", nil, err
	}
	return path, &e, nil
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
	s := vnc.New(m.Hub(), m, vnc.Options{Password: pw, Logf: func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "do86: vnc: "+format+"\n", a...)
	}})
	go s.Serve(l)
	fmt.Fprintf(os.Stderr, "do86: VNC server on %s\n", l.Addr())
	return func() { s.Close() }, nil
}

// bootOrder checks --boot, or derives the order from the media: the
// positional file first, then floppy, CD, hard disk.
func bootOrder(flag, first string, cfg emu.Config) ([]string, error) {
	if flag != "" {
		var out []string
		for _, b := range strings.Split(flag, ",") {
			b = strings.TrimSpace(b)
			switch b {
			case "fda", "fdb", "cdrom", "hda", "hdb":
				out = append(out, b)
			default:
				return nil, fmt.Errorf("--boot %q: %q is not one of fda, fdb, cdrom, hda, hdb", flag, b)
			}
		}
		return out, nil
	}
	var out []string
	if first != "" {
		out = append(out, first)
	}
	for _, b := range []struct {
		name string
		has  bool
	}{{"fda", cfg.Floppy[0] != ""}, {"fdb", cfg.Floppy[1] != ""}, {"cdrom", cfg.CDROM != ""}, {"hda", cfg.HDA != ""}, {"hdb", cfg.HDB != ""}} {
		if b.has && b.name != first {
			out = append(out, b.name)
		}
	}
	return out, nil
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
		err := term.Run(ctx, term.Options{
			Hub:   m.Hub(),
			Input: m,
			Status: func() term.Status {
				st := m.Stats()
				return term.Status{Image: name, Resolution: st.Mode, MIPS: st.MIPS, Halted: st.Halted, Paused: m.Paused()}
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

// matchWriter passes serial output on and watches it for a pattern.
type matchWriter struct {
	w       io.Writer
	re      *regexp.Regexp
	tail    []byte
	done    bool
	matched func()
}

func (m *matchWriter) Write(p []byte) (int, error) {
	if m.w != nil {
		m.w.Write(p)
	}
	if m.done {
		return len(p), nil
	}
	m.tail = append(m.tail, p...)
	if len(m.tail) > 8192 {
		m.tail = append(m.tail[:0], m.tail[len(m.tail)-4096:]...)
	}
	if m.re.Match(m.tail) {
		m.done = true
		m.matched()
	}
	return len(p), nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"syscall"

	"github.com/do86/do86/pkg/display/vnc"
)

// check refuses flag values that are accepted by their types but mean
// nothing, or would lose data, before anything starts: a run must not end
// with a surprise after the user waited for it.
func (f *runFlags) check() error {
	switch {
	case f.timeout < 0:
		return fmt.Errorf("--timeout %s is negative: give a duration such as 60s (or none to run until stopped)", f.timeout)
	case f.save != "" && f.persist:
		return errors.New("--save and --persist exclude each other: with --persist the guest writes into the disk images, which a snapshot could not bring back")
	case f.resume != "" && f.boot != "":
		return errors.New("--boot has no meaning with --resume: the snapshot continues where it was")
	case f.warm && f.resume != "":
		return errors.New("--warm and --resume exclude each other: --warm resumes its own snapshot of the image")
	case f.clock != "" && f.clock != "realtime" && f.clock != "warp":
		return fmt.Errorf("--clock %q: want realtime or warp", f.clock)
	}
	if f.save != "" {
		if err := f.checkSave(); err != nil {
			return err
		}
	}
	if f.vnc != "" {
		a, err := vnc.ParseAddr(f.vnc)
		if err != nil {
			return fmt.Errorf("--vnc: %w", err)
		}
		if _, port, _ := net.SplitHostPort(a); port != "" {
			if p, _ := strconv.Atoi(port); p < 1024 {
				cliLogger().Warn(fmt.Sprintf("--vnc %s is TCP port %d, a privileged port; a display number is :N (port 5900+N)", f.vnc, p))
			}
		}
	}
	if w := vnc.PasswordWarning(f.vncPassword); w != "" {
		cliLogger().Warn(w)
	}
	return nil
}

// checkSave refuses --save NAME when NAME exists, unless --force or it is
// the snapshot being resumed (continue and save back).
func (f *runFlags) checkSave() error {
	if f.force || f.save == f.resume {
		return nil
	}
	s, err := openStore(f.store)
	if err != nil {
		return err
	}
	defer s.Close()
	if hasSnapshot(s, f.save) {
		return fmt.Errorf("--save %s: a snapshot of that name exists: give another name, or --force to replace it", f.save)
	}
	return nil
}

// parseTolerance reads --until-screen's tolerance: a finite number ≥ 0.
func parseTolerance(s string) (float64, bool) {
	t, err := strconv.ParseFloat(s, 64)
	if err != nil || t < 0 || math.IsNaN(t) || math.IsInf(t, 0) {
		return 0, false
	}
	return t, true
}

// warpClock decides --clock: warp when asked, or by default when nobody
// watches the guest (no terminal display, VNC, web page or interactive
// serial console), since a person's guest must follow real time.
func (f *runFlags) warpClock(displayKind string) bool {
	switch f.clock {
	case "warp":
		return true
	case "realtime":
		return false
	}
	if f.warm {
		// A warm start's first run decides readiness by how long the guest
		// stays halted in real time.
		return false
	}
	interactive := f.serial == "stdio" && isTerminal(os.Stdin)
	return displayKind == "none" && f.vnc == "" && f.web == "" && !interactive
}

// startCPUProfile profiles the process into path until stop.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// cancelOnSignal cancels ctx (cause "interrupted") on SIGINT or SIGTERM
// until the returned function is called.
func cancelOnSignal(ctx context.Context, cancel context.CancelCauseFunc) (stop func()) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-sig:
			cancel(errors.New("interrupted"))
		case <-ctx.Done():
		}
	}()
	return func() { signal.Stop(sig) }
}

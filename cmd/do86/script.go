package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/do86/do86/pkg/display/record"
	"github.com/do86/do86/pkg/display/web"
	"github.com/do86/do86/pkg/emu"
	"github.com/do86/do86/pkg/images"
	"github.com/do86/do86/pkg/pager"
	"github.com/do86/do86/pkg/script"
)

// checkScript refuses flags that mean nothing with --script, and report
// and recording files that could not be written at the end.
func (f *runFlags) checkScript() error {
	for _, out := range []struct{ flag, path string }{{"--report", f.report}, {"--record", f.record}} {
		if out.path == "" {
			continue
		}
		if st, err := os.Stat(filepath.Dir(out.path)); err != nil || !st.IsDir() {
			return fmt.Errorf("%s %s: the directory %s does not exist", out.flag, out.path, filepath.Dir(out.path))
		}
	}
	if f.script == "" {
		if f.report != "" {
			return errors.New("--report is the report of a --script run: give a --script")
		}
		return nil
	}
	switch {
	case f.untilSerial != "" || f.untilText != "" || f.untilScreen != "":
		return errors.New("--until-serial, --until-text and --until-screen have no meaning with --script: wait for things with wait steps")
	case f.serial == "stdio":
		return errors.New("--serial stdio and --script both write to stdout: give --serial FILE")
	}
	return nil
}

// usesSnapshots reports whether a script saves or restores snapshots.
func usesSnapshots(sc *script.Script) bool {
	for _, st := range sc.Steps {
		switch st.Action.(type) {
		case script.Save, script.Restore:
			return true
		}
	}
	return false
}

// runScript runs --script on a machine built from cfg: each step's outcome
// on stdout as TAP, --report as JUnit XML with the screen and COM1 log of a
// failed run beside it, the exit code saying how it went.
func runScript(ctx context.Context, f *runFlags, cfg emu.Config, args []string, webCon *web.Console) error {
	sc, err := script.ParseFile(f.script)
	if err != nil {
		return fail(err)
	}
	var store *pager.Store
	if f.resume != "" || f.save != "" || usesSnapshots(sc) {
		if store, err = openStore(f.store); err != nil {
			return fail(fmt.Errorf("%w (the script's snapshots need it: give each parallel run a --store of its own)", err))
		}
		defer store.Close()
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	defer cancelOnSignal(ctx, cancel)()
	if f.timeout > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeout(ctx, f.timeout)
		defer stop()
	}
	displayKind := f.displayKind
	if displayKind == "" {
		displayKind = "none"
	}
	if displayKind != "none" && displayKind != "term" {
		return fail(fmt.Errorf("--display %q: want term or none", displayKind))
	}
	name := imageName(args, f)
	run := func(runCtx context.Context, m *emu.Machine) error {
		if f.vnc != "" {
			stop, err := serveVNC(m, f)
			if err != nil {
				return err
			}
			defer stop()
		}
		if f.web != "" {
			stop, err := serveWeb(m, f, webCon, name)
			if err != nil {
				return err
			}
			defer stop()
		}
		if f.record != "" {
			stop, err := startRecording(m, f.record)
			if err != nil {
				return err
			}
			defer stop()
		}
		if displayKind == "term" {
			return runWithTerminal(runCtx, cancel, m, name, f)
		}
		return m.Run(runCtx)
	}
	s, err := script.Start(cfg, script.Options{Store: store, Resume: f.resume, Dir: filepath.Dir(f.script), Run: run})
	if err != nil {
		return fail(err)
	}
	defer s.Close()

	tap := script.NewTAP(os.Stdout, sc)
	res := s.Run(ctx, sc, tap.Step)
	if res.Status() != script.Passed && f.report != "" {
		res.Artifacts = keepArtifacts(s, f.report)
	}
	if f.screenshot != "" {
		if err := s.Screenshot(context.Background(), absPath(f.screenshot)); err != nil {
			fmt.Fprintln(os.Stderr, "do86: screenshot:", err)
		}
	}
	s.PowerOff()
	runErr := s.Err()
	if errors.Is(runErr, emu.ErrPowerOff) {
		runErr = nil
	}
	if f.save != "" && !errors.Is(runErr, emu.ErrCrash) {
		if _, err := s.Machine().Snapshot(store, f.save); err != nil {
			fmt.Fprintf(os.Stderr, "do86: save %s: %v\n", f.save, err)
		}
	}
	tap.End(res)
	if f.report != "" {
		if err := writeReport(f.report, res); err != nil {
			return fail(err)
		}
	}
	switch {
	case res.Crashed() || errors.Is(runErr, emu.ErrCrash):
		return &exitCode{exitCrashed, fmt.Errorf("the CPU core crashed: %v", firstNonNil(runErr, problemErr(res)))}
	case res.Status() == script.Failed:
		p := res.FirstProblem()
		return &exitCode{exitUnmet, fmt.Errorf("%s:%d: %s failed", sc.Name, p.Step.Line, p.Step.Source)}
	case res.Status() == script.Errored:
		p := res.FirstProblem()
		return fail(fmt.Errorf("%s:%d: %v", sc.Name, p.Step.Line, p.Err))
	case runErr != nil:
		return fail(runErr)
	}
	return nil
}

func problemErr(res *script.Result) error {
	if p := res.FirstProblem(); p != nil {
		return p.Err
	}
	return nil
}

func firstNonNil(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// absPath makes a command-line path absolute, so that the script's
// directory does not apply to it.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// keepArtifacts writes the screen and the COM1 log of a failed run beside
// the report (REPORT-screen.png, REPORT-serial.log) and returns their
// paths.
func keepArtifacts(s *script.Session, report string) []string {
	base := strings.TrimSuffix(report, filepath.Ext(report))
	var kept []string
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	shot := absPath(base + "-screen.png")
	if err := s.Screenshot(ctx, shot); err != nil {
		fmt.Fprintln(os.Stderr, "do86: the failure's screenshot:", err)
	} else {
		kept = append(kept, shot)
	}
	serial := absPath(base + "-serial.log")
	if err := os.WriteFile(serial, s.SerialLog(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "do86: the failure's COM1 log:", err)
	} else {
		kept = append(kept, serial)
	}
	return kept
}

// writeReport writes the JUnit XML report.
func writeReport(path string, res *script.Result) error {
	w, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	if err := script.WriteJUnit(w, res); err != nil {
		w.Close()
		return fmt.Errorf("--report: %w", err)
	}
	return w.Close()
}

// startRecording records m's screen to path (--record); stop ends the
// recording, writes the file and says what it cost.
func startRecording(m *emu.Machine, path string) (stop func(), err error) {
	rec, err := record.Start(m.Hub(), path, record.Options{})
	if err != nil {
		return nil, fmt.Errorf("--record: %w", err)
	}
	return func() {
		if err := rec.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "do86:", err)
			return
		}
		st := rec.Stats()
		size := int64(0)
		if fi, err := os.Stat(path); err == nil {
			size = fi.Size()
		}
		fmt.Fprintf(os.Stderr, "do86: recorded %s: %d frames over %s, %s; %s spent encoding (%.1f%% of one core)\n",
			path, st.Frames, st.Duration.Round(100*time.Millisecond), images.HumanBytes(size),
			st.EncodeTime.Round(time.Millisecond), 100*st.EncodeTime.Seconds()/max(st.Duration.Seconds(), 1e-9))
	}, nil
}

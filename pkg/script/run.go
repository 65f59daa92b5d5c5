package script

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/do86/do86/pkg/emu"
)

// Status is the outcome of a step or a run.
type Status int

// Outcomes, from best to worst.
const (
	Passed  Status = iota
	Skipped        // not run: a step before it failed or erred
	Failed         // its condition was not met (a Failure)
	Errored        // it could not be carried out, or the machine crashed
)

func (s Status) String() string {
	switch s {
	case Passed:
		return "passed"
	case Skipped:
		return "skipped"
	case Failed:
		return "failed"
	}
	return "error"
}

// StepResult is how one step went.
type StepResult struct {
	Index    int // the step's index in the script
	Step     Step
	Status   Status
	Err      error // why it failed or erred
	Start    time.Time
	Duration time.Duration
}

// Result is how a run of a script went.
type Result struct {
	Script   *Script
	Steps    []StepResult // one a step, in order
	Start    time.Time
	Duration time.Duration
	// Artifacts are files kept for a failed run (a screenshot, the COM1
	// log), listed by reports; the front end fills it in.
	Artifacts []string
}

// Status is the worst outcome of the steps (Passed for none).
func (r *Result) Status() Status {
	worst := Passed
	for _, s := range r.Steps {
		if s.Status > worst {
			worst = s.Status
		}
	}
	return worst
}

// Count returns how many steps had status st.
func (r *Result) Count(st Status) int {
	n := 0
	for _, s := range r.Steps {
		if s.Status == st {
			n++
		}
	}
	return n
}

// FirstProblem returns the step that failed or erred, nil if none did.
func (r *Result) FirstProblem() *StepResult {
	for i := range r.Steps {
		if st := r.Steps[i].Status; st == Failed || st == Errored {
			return &r.Steps[i]
		}
	}
	return nil
}

// Crashed reports whether the CPU core crashed during the run.
func (r *Result) Crashed() bool {
	p := r.FirstProblem()
	return p != nil && errors.Is(p.Err, emu.ErrCrash)
}

// Run runs the script's steps in order, each bounded by its Timeout (the
// session's when 0). A step that fails or errs skips the rest of its test
// (Step.Test), and the next test runs; in the setup (the steps before the
// first test) it skips everything, as does a crash of the core or the end
// of ctx. progress, when not nil, is called with each step's result as it
// is known. ctx ending stops the run: the step that was running errs with
// ctx's error.
func (s *Session) Run(ctx context.Context, sc *Script, progress func(StepResult)) *Result {
	res := &Result{Script: sc, Start: time.Now()}
	stopAll := false
	skipTest, skipping := "", false
	for i, st := range sc.Steps {
		r := StepResult{Index: i, Step: st, Status: Skipped}
		if skipping && st.Test != skipTest {
			skipping = false // the next test
		}
		if !stopAll && !skipping {
			r.Start = time.Now()
			r.Err = s.step(ctx, st)
			r.Duration = time.Since(r.Start)
			switch {
			case r.Err == nil:
				r.Status = Passed
			case IsFailure(r.Err):
				r.Status = Failed
			default:
				r.Status = Errored
			}
			if r.Err != nil {
				skipTest, skipping = st.Test, true
				stopAll = st.Test == "" || errors.Is(r.Err, emu.ErrCrash) || ctx.Err() != nil
			}
		}
		res.Steps = append(res.Steps, r)
		if progress != nil {
			progress(r)
		}
	}
	res.Duration = time.Since(res.Start)
	return res
}

// step runs one step within its timeout.
func (s *Session) step(ctx context.Context, st Step) error {
	d := st.Timeout
	if d <= 0 {
		d = s.opts.Timeout
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	err := st.Action.Run(ctx, s)
	if err != nil && errors.Is(err, context.Canceled) {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
			return fmt.Errorf("stopped: %w", cause)
		}
	}
	if err != nil && !IsFailure(err) && errors.Is(err, context.DeadlineExceeded) {
		// A step that is no wait ran out of time (the machine did not take
		// the work): a failure of the step, not of the harness.
		return &Failure{Msg: "the step did not finish within " + roundDuration(d).String()}
	}
	return err
}

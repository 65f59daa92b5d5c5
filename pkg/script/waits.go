package script

import (
	"context"
	"errors"
	"fmt"
	"image"
	"regexp"
	"strings"
	"time"

	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/emu"
)

// A wait ends at its context's deadline when it has one, else after the
// session's Timeout; running out of time is a Failure, a cancelled context
// its error.

// WaitSerial waits until COM1 output matches re, searching from the end of
// the previous serial match (or the start, or the last Restore): output
// that came before the call counts, output a previous wait matched does
// not. It returns the match.
func (s *Session) WaitSerial(ctx context.Context, re *regexp.Regexp) (string, error) {
	ctx, cancel, d := s.within(ctx)
	defer cancel()
	l := s.serial
	for {
		l.mu.Lock()
		from := max(s.mark-l.dropped, 0)
		if loc := re.FindIndex(l.buf[from:]); loc != nil {
			match := string(l.buf[from+int64(loc[0]) : from+int64(loc[1])])
			s.mark = l.dropped + from + int64(loc[1])
			l.mu.Unlock()
			return match, nil
		}
		notify := l.notify
		l.mu.Unlock()
		select {
		case <-notify:
		case <-ctx.Done():
			return "", timedOut(ctx, d, fmt.Sprintf("COM1 output did not match /%s/", re), s.serialTail())
		case <-s.done:
			// Run flushed COM1 before it returned: look once more.
			l.mu.Lock()
			from := max(s.mark-l.dropped, 0)
			loc := re.FindIndex(l.buf[from:])
			l.mu.Unlock()
			if loc == nil {
				err := s.stopped()
				if IsFailure(err) {
					return "", failf("COM1 output did not match /%s/: %v%s", re, err, s.serialTail())
				}
				return "", err
			}
		}
	}
}

// serialTail is the end of the COM1 output since the last match, for a
// failure message.
func (s *Session) serialTail() string {
	l := s.serial
	l.mu.Lock()
	from := max(s.mark-l.dropped, 0)
	tail := string(l.buf[from:])
	l.mu.Unlock()
	if tail == "" {
		return "; no COM1 output since the last match"
	}
	return "; COM1 output since the last match ends:\n" + lastLines(tail, 8)
}

// WaitText waits until the text-mode screen matches re (see
// display.TextScreen.String); it returns the screen.
func (s *Session) WaitText(ctx context.Context, re *regexp.Regexp) (string, error) {
	ctx, cancel, d := s.within(ctx)
	defer cancel()
	var screen string
	err := s.m.Wait(ctx, func(matched func()) func() {
		return s.m.WatchText(re, func() {
			if t := s.m.Text(); t != nil {
				screen = t.String()
			}
			matched()
		})
	})
	switch {
	case err == nil:
		return screen, nil
	case errors.Is(err, emu.ErrStopped):
		if err := s.stopped(); !IsFailure(err) {
			return "", err
		} else {
			return "", failf("the text screen did not match /%s/: %v", re, err)
		}
	}
	return "", timedOut(ctx, d, fmt.Sprintf("the text screen did not match /%s/", re), s.screenNow())
}

// screenNow describes the screen for a failure message: the text screen's
// last lines, or the graphics mode's size.
func (s *Session) screenNow() string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var text, size string
	s.m.Exec(ctx, func() {
		if t := s.m.Text(); t != nil {
			text = t.String()
		} else if img := s.m.Image(); img != nil {
			size = fmt.Sprintf("%dx%d", img.Rect.Dx(), img.Rect.Dy())
		}
	})
	switch {
	case strings.TrimSpace(text) != "":
		return "; the screen ends:\n" + lastLines(strings.TrimRight(text, "\n "), 8)
	case size != "":
		return "; the screen is in a " + size + " graphics mode"
	}
	return ""
}

// Screen is a picture to wait for or assert: Want compared with the screen
// by display.MeanDifference (the mean difference of the RGB channels, 0 to
// 255, at most Tolerance), within Region when it is not empty. With Piece,
// Want is a piece of the screen (a window, a button) whose top-left corner
// is at At.
type Screen struct {
	Want      *image.RGBA
	Tolerance float64
	Region    image.Rectangle
	Piece     bool
	At        image.Point
	Name      string // for messages (the PNG's file name)
}

// difference compares img with the picture.
func (p Screen) difference(img *image.RGBA) (float64, error) {
	if img == nil {
		return 0, errors.New("nothing shown yet")
	}
	if p.Piece {
		r := p.Want.Rect.Sub(p.Want.Rect.Min).Add(p.At)
		if !r.In(img.Rect) {
			return 0, fmt.Errorf("the screen is %dx%d: %s at %d,%d does not fit on it", img.Rect.Dx(), img.Rect.Dy(), p.name(), p.At.X, p.At.Y)
		}
		return display.MeanDifference(img.SubImage(r), p.Want)
	}
	if img.Rect.Size() != p.Want.Rect.Size() {
		return 0, fmt.Errorf("the screen is %dx%d, %s is %dx%d", img.Rect.Dx(), img.Rect.Dy(), p.name(), p.Want.Rect.Dx(), p.Want.Rect.Dy())
	}
	var a, b image.Image = img, p.Want
	if !p.Region.Empty() {
		a, b = img.SubImage(p.Region), p.Want.SubImage(p.Region)
	}
	return display.MeanDifference(a, b)
}

func (p Screen) name() string {
	if p.Name == "" {
		return "the picture"
	}
	return p.Name
}

// WaitScreen waits until the screen matches p.
func (s *Session) WaitScreen(ctx context.Context, p Screen) error {
	if p.Want == nil {
		return errors.New("WaitScreen: no picture")
	}
	ctx, cancel, d := s.within(ctx)
	defer cancel()
	err := s.m.Wait(ctx, func(matched func()) func() { return s.watchScreen(p, matched) })
	switch {
	case err == nil:
		return nil
	case errors.Is(err, emu.ErrStopped):
		if err := s.stopped(); !IsFailure(err) {
			return err
		} else {
			return failf("the screen did not match %s: %v", p.name(), err)
		}
	}
	why := ""
	if img, ierr := s.Image(context.Background()); ierr == nil {
		if diff, derr := p.difference(img); derr != nil {
			why = ": " + derr.Error()
		} else {
			why = fmt.Sprintf(": it differs by %.2f (tolerance %.2f)", diff, p.Tolerance)
		}
	}
	return timedOut(ctx, d, "the screen did not match "+p.name(), why)
}

// screenCompareEvery is how often a screen wait compares pictures (a
// comparison of a whole screen costs a millisecond or two).
const screenCompareEvery = 200 * time.Millisecond

// watchScreen calls matched once, on the emulation goroutine, when the
// screen matches p.
func (s *Session) watchScreen(p Screen, matched func()) (stop func()) {
	var fired bool // emulation goroutine only
	var last time.Time
	return s.m.OnFrame(func(f *display.Frame, _ *display.TextScreen) {
		if fired || time.Since(last) < screenCompareEvery {
			return
		}
		last = time.Now()
		if d, err := p.difference(display.FrameImage(f)); err == nil && d <= p.Tolerance {
			fired = true
			matched()
		}
	})
}

// WaitPowerOff waits until the guest turns the machine off.
func (s *Session) WaitPowerOff(ctx context.Context) error {
	ctx, cancel, d := s.within(ctx)
	defer cancel()
	select {
	case <-s.done:
		switch err := s.runErr; {
		case errors.Is(err, emu.ErrPowerOff):
			return nil
		case err == nil:
			return failf("the machine was stopped, not powered off by the guest")
		default:
			return err
		}
	case <-ctx.Done():
		return timedOut(ctx, d, "the guest did not power off", "")
	}
}

// Sleep lets the guest run for d.
func (s *Session) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return s.running()
	case <-s.done:
		return s.stopped()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		lines[i] = "    " + strings.TrimRight(l, "\r")
	}
	return strings.Join(lines, "\n")
}

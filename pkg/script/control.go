package script

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"regexp"
	"time"

	"github.com/do86/do86/pkg/input"
)

// Type types text on a US keyboard (see input.TypeString: '\n' is Enter);
// it returns once the keys are queued for the guest, which takes them as
// its keyboard buffer empties.
func (s *Session) Type(text string) error {
	if err := s.running(); err != nil {
		return err
	}
	return input.TypeString(s.m, text)
}

// TypeSlowly types text a character at a time, each delay after the guest
// took the one before (the machine has handed it to the keyboard).
func (s *Session) TypeSlowly(ctx context.Context, text string, delay time.Duration) error {
	if err := s.running(); err != nil {
		return err
	}
	for _, r := range text {
		if err := input.TypeString(s.m, string(r)); err != nil {
			return err
		}
		if err := s.m.Exec(ctx, func() {}); err != nil {
			return err
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	return nil
}

// Key presses each combination in turn, as input.ParseCombo reads it
// ("ctrl+alt+del", "enter"): its keys pressed in order and released in
// reverse.
func (s *Session) Key(combos ...string) error {
	var all [][]input.Scancode
	for _, c := range combos {
		codes, err := input.ParseCombo(c)
		if err != nil {
			return err
		}
		all = append(all, codes)
	}
	return s.keys(all)
}

func (s *Session) keys(combos [][]input.Scancode) error {
	if err := s.running(); err != nil {
		return err
	}
	for _, codes := range combos {
		input.Chord(s.m, codes...)
	}
	return nil
}

// Send writes text to the guest's COM1 receiver.
func (s *Session) Send(text string) error {
	if err := s.running(); err != nil {
		return err
	}
	s.m.SendSerial([]byte(text))
	return nil
}

// Image returns the screen as last rendered.
func (s *Session) Image(ctx context.Context) (*image.RGBA, error) {
	var img *image.RGBA
	if err := s.m.Exec(ctx, func() { img = s.m.Image() }); err != nil {
		return nil, err
	}
	if img == nil {
		return nil, errors.New("nothing shown yet")
	}
	return img, nil
}

// Text returns the text screen as last rendered ("" in graphics modes).
func (s *Session) Text(ctx context.Context) (string, error) {
	var text string
	err := s.m.Exec(ctx, func() {
		if t := s.m.Text(); t != nil {
			text = t.String()
		}
	})
	return text, err
}

// Screenshot writes the screen to a PNG file (relative to Options.Dir).
func (s *Session) Screenshot(ctx context.Context, file string) error {
	img, err := s.Image(ctx)
	if err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	return writePNG(s.path(file), img)
}

func writePNG(path string, img image.Image) error {
	w, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(w, img); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// Save saves a snapshot of the running machine as name in the store.
func (s *Session) Save(ctx context.Context, name string) error {
	if s.opts.Store == nil {
		return errors.New("save: no snapshot store")
	}
	if err := s.running(); err != nil {
		return err
	}
	_, err := s.m.SaveSnapshot(ctx, s.opts.Store, name)
	return err
}

// Restore puts the running machine back to the snapshot name (see
// emu.Machine.RestoreSnapshot). COM1 output before it no longer counts for
// serial waits and assertions, and the pointer's position is unknown again.
func (s *Session) Restore(ctx context.Context, name string) error {
	if s.opts.Store == nil {
		return errors.New("restore: no snapshot store")
	}
	if err := s.running(); err != nil {
		return err
	}
	if err := s.m.RestoreSnapshot(ctx, s.opts.Store, name); err != nil {
		return err
	}
	s.mark = s.serial.end()
	s.epoch = s.mark
	s.pointer.Forget()
	return nil
}

// AssertSerial checks that the COM1 output since the start (or the last
// Restore) contains a match of re — or, with not, that it contains none.
func (s *Session) AssertSerial(re *regexp.Regexp, not bool) error {
	l := s.serial
	l.mu.Lock()
	from := max(s.epoch-l.dropped, 0)
	loc := re.FindIndex(l.buf[from:])
	var match string
	if loc != nil {
		match = string(l.buf[from+int64(loc[0]) : from+int64(loc[1])])
	}
	l.mu.Unlock()
	switch {
	case loc == nil && !not:
		return failf("COM1 output has no match of /%s/%s", re, s.serialTail())
	case loc != nil && not:
		return failf("COM1 output has %q, a match of /%s/", match, re)
	}
	return nil
}

// AssertText checks that the text screen matches re (or, with not, that
// it does not).
func (s *Session) AssertText(ctx context.Context, re *regexp.Regexp, not bool) error {
	text, err := s.Text(ctx)
	if err != nil {
		return err
	}
	m := re.FindString(text)
	switch ok := re.MatchString(text); {
	case !ok && !not:
		return failf("the text screen does not match /%s/%s", re, s.screenNow())
	case ok && not:
		return failf("the text screen has %q, a match of /%s/", m, re)
	}
	return nil
}

// AssertScreen checks that the screen matches p (or, with not, that it
// does not).
func (s *Session) AssertScreen(ctx context.Context, p Screen, not bool) error {
	img, err := s.Image(ctx)
	if err != nil {
		return err
	}
	d, derr := p.difference(img)
	switch ok := derr == nil && d <= p.Tolerance; {
	case !ok && !not && derr != nil:
		return failf("the screen does not match %s: %v", p.name(), derr)
	case !ok && !not:
		return failf("the screen does not match %s: it differs by %.2f (tolerance %.2f)", p.name(), d, p.Tolerance)
	case ok && not:
		return failf("the screen matches %s (difference %.2f, tolerance %.2f)", p.name(), d, p.Tolerance)
	}
	return nil
}

package script

import (
	"context"
	"fmt"

	"github.com/do86/do86/pkg/input"
)

// Button names a mouse button: "left", "right" or "middle".
func Button(name string) (uint8, error) {
	switch name {
	case "", "left":
		return input.ButtonLeft, nil
	case "right":
		return input.ButtonRight, nil
	case "middle":
		return input.ButtonMiddle, nil
	}
	return 0, fmt.Errorf("unknown mouse button %q: want left, right or middle", name)
}

// screenSize returns the size of the screen as last rendered.
func (s *Session) screenSize(ctx context.Context) (int, int, error) {
	img, err := s.Image(ctx)
	if err != nil {
		return 0, 0, err
	}
	return img.Rect.Dx(), img.Rect.Dy(), nil
}

// Move puts the pointer at x, y of the screen, with the buttons held as
// they are.
func (s *Session) Move(ctx context.Context, x, y int) error {
	return s.point(ctx, x, y, func(b uint8) uint8 { return b })
}

// Press presses button (input.ButtonLeft, ...) at x, y and holds it (a
// drag follows with Move, Release ends it).
func (s *Session) Press(ctx context.Context, x, y int, button uint8) error {
	return s.point(ctx, x, y, func(b uint8) uint8 { return b | button })
}

// Release releases button at x, y.
func (s *Session) Release(ctx context.Context, x, y int, button uint8) error {
	return s.point(ctx, x, y, func(b uint8) uint8 { return b &^ button })
}

// Click clicks button at x, y count times (2: a double click).
func (s *Session) Click(ctx context.Context, x, y int, button uint8, count int) error {
	for i := 0; i < max(count, 1); i++ {
		if err := s.Press(ctx, x, y, button); err != nil {
			return err
		}
		if err := s.Release(ctx, x, y, button); err != nil {
			return err
		}
	}
	return nil
}

// point moves the pointer to x, y with the buttons held changed by buttons.
func (s *Session) point(ctx context.Context, x, y int, buttons func(uint8) uint8) error {
	if err := s.running(); err != nil {
		return err
	}
	w, h, err := s.screenSize(ctx)
	if err != nil {
		return err
	}
	s.held = buttons(s.held)
	return s.pointer.PointAt(ctx, x, y, w, h, s.held)
}

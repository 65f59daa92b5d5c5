package emu

import (
	"fmt"
	"image"
	"image/png"
	"os"

	"github.com/do86/do86/pkg/display"
)

// render draws the guest's screen, publishes it to the hub and tells
// the frame hooks. An unchanged screen costs a render call that finds nothing dirty.
func (m *Machine) render() {
	if m.dev.vga == nil {
		return
	}
	f, dirty, text := m.dev.vga.Render(m.frame)
	if f == nil {
		return
	}
	m.frame, m.text = f, text
	m.hub.Publish(f, dirty, text)
	m.callFrameHooks(f, text)
}

// Image returns the screen as last rendered (nil before the first frame).
// Call it on the emulation goroutine, or after Run returned.
func (m *Machine) Image() *image.RGBA {
	if m.frame == nil {
		return nil
	}
	f := m.frame
	return &image.RGBA{Pix: append([]byte(nil), f.Pix...), Stride: f.Stride(), Rect: image.Rect(0, 0, f.Width, f.Height)}
}

// Text returns the text grid as last rendered, nil in graphics modes.
func (m *Machine) Text() *display.TextScreen { return m.text.Clone() }

// Screenshot renders the screen now and writes it as a PNG. Call it on the
// emulation goroutine, or after Run returned.
func (m *Machine) Screenshot(path string) error {
	m.render()
	img := m.Image()
	if img == nil {
		return fmt.Errorf("no picture yet")
	}
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

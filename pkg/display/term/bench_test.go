package term_test

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gdamore/tcell/v2"

	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/term"
)

// benchFrames are two 1024×768 pictures that differ in every pixel.
func benchFrames() [2]*display.Frame {
	return [2]*display.Frame{
		frameOf(1024, 768, func(x, y int) (byte, byte, byte) { return byte(x), byte(y), byte(x ^ y) }),
		frameOf(1024, 768, func(x, y int) (byte, byte, byte) { return byte(y), byte(x + 64), byte(x + y) }),
	}
}

// BenchmarkFullChange: every pixel of a 1024×768 frame changes, shown on a
// 200×60 terminal (tcell's simulation screen).
func BenchmarkFullChange(b *testing.B) {
	benchChange(b, newBenchSim(b), 0)
}

// BenchmarkTypicalChange: a 320×64 region changes (a line of text in a
// window, a pointer trail), the rest stays.
func BenchmarkTypicalChange(b *testing.B) {
	benchChange(b, newBenchSim(b), 320)
}

// The same on a real terminal screen (tcell's terminfo screen, xterm with
// truecolor) writing to a counting tty: bytes sent to the terminal a frame.
func BenchmarkFullChangeTTY(b *testing.B)    { benchChange(b, newBenchTTY(b), 0) }
func BenchmarkTypicalChangeTTY(b *testing.B) { benchChange(b, newBenchTTY(b), 320) }

type benchScreen struct {
	scr     tcell.Screen
	written func() int64
	cells   *countScreen
}

func newBenchSim(b *testing.B) benchScreen {
	sim := tcell.NewSimulationScreen("UTF-8")
	return benchScreen{scr: &countScreen{SimulationScreen: sim}}
}

func newBenchTTY(b *testing.B) benchScreen {
	ti, err := tcell.LookupTerminfo("xterm-truecolor")
	if err != nil {
		b.Skip("no terminfo:", err)
	}
	tty := &countTTY{w: 200, h: 60, stop: make(chan struct{})}
	scr, err := tcell.NewTerminfoScreenFromTtyTerminfo(tty, ti)
	if err != nil {
		b.Skip(err)
	}
	return benchScreen{scr: scr, written: tty.n.Load}
}

func benchChange(b *testing.B, bs benchScreen, region int) {
	frames := benchFrames()
	h := display.NewHub()
	s, err := term.New(term.Options{Screen: bs.scr, Hub: h, Input: &recorder{}, Colors: 1 << 24})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if sim, ok := bs.scr.(*countScreen); ok {
		sim.SimulationScreen.SetSize(200, 60)
	}
	h.Publish(frames[0], nil, nil)
	s.Redraw()
	var dirty *display.TileSet
	if region > 0 {
		dirty = display.NewTileSet(1024, 768)
		dirty.AddRect(352, 352, region, 64)
		// Only the region differs between the two pictures.
		for i := 1; i < 2; i++ {
			f := display.NewFrame(1024, 768)
			copy(f.Pix, frames[0].Pix)
			for y := 352; y < 416; y++ {
				o := (y*1024 + 352) * 4
				copy(f.Pix[o:o+region*4], frames[1].Pix[o:o+region*4])
			}
			frames[i] = f
		}
	}
	var before int64
	if bs.written != nil {
		before = bs.written()
	}
	if bs.scr != nil {
		if c, ok := bs.scr.(*countScreen); ok {
			c.painted(1 << 30)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.Publish(frames[(i+1)%2], dirty, nil)
		s.Redraw()
	}
	b.StopTimer()
	if c, ok := bs.scr.(*countScreen); ok {
		n := 0
		for _, v := range c.set {
			n += v
		}
		b.ReportMetric(float64(n)/float64(b.N), "cells/op")
	}
	if bs.written != nil {
		b.ReportMetric(float64(bs.written()-before)/float64(b.N), "ttybytes/op")
	}
}

// countTTY is a tcell.Tty of a fixed size that counts what is written to it
// and never has input.
type countTTY struct {
	w, h int
	n    atomic.Int64
	once sync.Once
	stop chan struct{}
}

func (t *countTTY) Start() error        { return nil }
func (t *countTTY) Stop() error         { t.once.Do(func() { close(t.stop) }); return nil }
func (t *countTTY) Drain() error        { t.once.Do(func() { close(t.stop) }); return nil }
func (t *countTTY) NotifyResize(func()) {}
func (t *countTTY) Close() error        { return t.Stop() }
func (t *countTTY) WindowSize() (tcell.WindowSize, error) {
	return tcell.WindowSize{Width: t.w, Height: t.h}, nil
}
func (t *countTTY) Write(p []byte) (int, error) { t.n.Add(int64(len(p))); return len(p), nil }
func (t *countTTY) Read(p []byte) (int, error) {
	<-t.stop
	return 0, io.EOF
}

var _ = context.Background

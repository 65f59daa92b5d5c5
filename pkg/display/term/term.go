// Package term shows a running machine in a terminal and drives it from
// there: graphics modes as truecolor half blocks (▀, two pixels a cell)
// scaled with area averaging, text modes as real characters in the 16 VGA
// colours, terminal keys turned into PC scancodes and the mouse into
// positions on the guest's screen, a status line, and a command bar behind
// an escape key (Ctrl-] by default). It is a display sink: it reads a display.Hub and writes to an
// input.Sink, and knows nothing else of the machine. Just enough terminal to
// work in a guest: no sound, no clipboard, no key releases (terminals report
// none, so every key is a press and release at once).
package term

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/input"
)

// Status is what the status line shows about the machine.
type Status struct {
	// Image names what the machine booted.
	Image string
	// Resolution is the guest's mode as the machine describes it ("80x25
	// text", "1024x768x32"); empty: the sink shows the frame's size.
	Resolution string
	// MIPS is the guest's speed in millions of instructions a second.
	MIPS float64
	// Halted is true while the guest's CPU is halted or stopped.
	Halted bool
	// Paused is true while the machine is paused.
	Paused bool
	// Phase says what the guest is doing ("BIOS", "real mode"); shown
	// while it is not an operating system in protected mode, so that a
	// long boot behind a still picture shows progress.
	Phase string
}

// Options configure a terminal sink. Hub and Input are required; every
// callback may be nil.
type Options struct {
	// Screen is the terminal; nil opens the process's own (tcell.NewScreen).
	// Tests pass tcell.NewSimulationScreen. The sink calls Init and, when it
	// closes, Fini.
	Screen tcell.Screen
	// Hub is where the machine publishes its screen.
	Hub *display.Hub
	// Input receives the keys and mouse.
	Input input.Sink
	// Status is asked for the status line, about once a second and with
	// every frame; it must not block.
	Status func() Status
	// Quit is called when the user quits from the command bar, before Run
	// returns.
	Quit func()
	// Screenshot saves a PNG of the guest's screen to path. nil: the sink
	// writes the last frame it read itself.
	Screenshot func(path string) error
	// Pause toggles the machine between paused and running and reports
	// whether it is now paused. nil: the command bar cannot pause.
	Pause func() (paused bool)
	// Save snapshots the machine and returns a line for the status bar.
	// nil: the command bar cannot save.
	Save func() (string, error)
	// EscapeKey opens the command bar; pressed twice it reaches the guest.
	// Zero means tcell.KeyCtrlRightSq (Ctrl-]).
	EscapeKey tcell.Key
	// MaxFPS caps the frame rate (default 30).
	MaxFPS int
	// Colors overrides the number of colours the terminal shows (1<<24
	// truecolor, 256, 16); zero asks the screen.
	Colors int
	// OneToOne starts with one guest pixel a half cell, cropped, instead of
	// scaling to fit.
	OneToOne bool
	// Messages are notes for the user (a server started, a snapshot
	// resumed, a warning): each shows on the status line for a few seconds
	// and stays in the history the command bar's m shows. nil: none.
	Messages <-chan string
}

// Sink is a terminal showing one machine. Run drives it from the terminal's
// events and the hub; Redraw and HandleEvent are the same steps for callers
// (tests) that drive it themselves. A Sink is not safe for concurrent use.
type Sink struct {
	o     Options
	scr   tcell.Screen
	sub   *display.Subscription
	pacer *display.Pacer
	pal   palette

	// The sink's copy of the hub's state, as of its last read.
	frame *display.Frame
	dirty *display.TileSet // tiles changed since the last draw
	text  *display.TextScreen

	w, h     int  // screen size laid out for
	full     bool // the next draw repaints every cell
	oneToOne bool
	lay      *layout
	drawn    []cellColors // graphics: what each output cell shows
	need     []bool       // graphics: scratch, cells to recompute
	txt      textView

	cursorX, cursorY int
	cursorOn         bool
	panX, panY       int // 1:1: the guest pixel at the picture's top-left corner

	paste   *strings.Builder // text of a bracketed paste in progress, else nil
	log     []string         // the last messages, oldest first (Options.Messages)
	showLog bool             // the message history covers the picture until a key

	bar    commandBar
	stat   statusLine
	paused bool
	closed bool
}

// New prepares the terminal (Init, mouse on) and subscribes to the hub.
// Close undoes both.
func New(o Options) (*Sink, error) {
	if o.Hub == nil || o.Input == nil {
		return nil, errors.New("term: Options.Hub and Options.Input are required")
	}
	if o.EscapeKey == 0 {
		o.EscapeKey = tcell.KeyCtrlRightSq
	}
	if o.MaxFPS <= 0 {
		o.MaxFPS = 30
	}
	scr := o.Screen
	if scr == nil {
		var err error
		if scr, err = tcell.NewScreen(); err != nil {
			return nil, fmt.Errorf("term: %w", err)
		}
	}
	if err := scr.Init(); err != nil {
		return nil, fmt.Errorf("term: %w", err)
	}
	scr.EnableMouse()
	scr.EnablePaste()
	scr.HideCursor()
	colors := o.Colors
	if colors == 0 {
		colors = scr.Colors()
	}
	s := &Sink{
		o:        o,
		scr:      scr,
		sub:      o.Hub.Subscribe(),
		pacer:    display.NewPacer(o.MaxFPS),
		pal:      paletteFor(colors),
		full:     true,
		oneToOne: o.OneToOne,
	}
	s.stat.lastTick = time.Now()
	return s, nil
}

// Close gives the terminal back as it was (Fini) and ends the subscription.
// It is safe to call more than once.
func (s *Sink) Close() {
	if s.closed {
		return
	}
	s.closed = true
	s.sub.Close()
	s.scr.Fini()
}

// Run shows the machine and passes the user's input on until ctx ends or
// the user quits from the command bar (then it calls Options.Quit first).
// It returns nil in both cases. Run does not Close the sink.
func (s *Sink) Run(ctx context.Context) error {
	events := make(chan tcell.Event, 16)
	stop := make(chan struct{})
	defer close(stop)
	go s.scr.ChannelEvents(events, stop)

	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	delay := time.NewTimer(time.Hour)
	delay.Stop()
	defer delay.Stop()
	var delayC <-chan time.Time
	pending := true // draw the first frame (or the empty screen) at once

	for {
		if pending && delayC == nil {
			if d := s.pacer.Due(); d > 0 {
				delay.Reset(d)
				delayC = delay.C
			} else {
				s.Redraw()
				s.pacer.Shown()
				pending = false
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			if s.HandleEvent(ev) {
				return nil
			}
			if pending && delayC != nil { // input may have lifted the idle rate
				delay.Stop()
				delayC = nil
			}
		case msg := <-s.o.Messages:
			s.Notify(msg)
		case <-s.sub.C():
			pending = true
		case <-delayC:
			delayC = nil
		case now := <-tick.C:
			s.Tick(now)
		}
	}
}

// Run shows a machine in a terminal until ctx ends or the user quits: New,
// Sink.Run, Close. The terminal is restored however Run ends, a panic
// included (which then goes on).
func Run(ctx context.Context, o Options) (err error) {
	s, err := New(o)
	if err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			s.Close()
			panic(r)
		}
		s.Close()
	}()
	return s.Run(ctx)
}

// HandleEvent acts on one terminal event: keys go to the guest (or the
// command bar), mouse events become pointer positions, a resize lays the screen
// out again at once. It returns true when the user quit.
func (s *Sink) HandleEvent(ev tcell.Event) (quit bool) {
	switch ev := ev.(type) {
	case *tcell.EventPaste:
		// The terminal brackets pasted text: it is typed into the guest as
		// keystrokes, never read as the escape key or bar commands.
		if ev.Start() {
			s.paste = &strings.Builder{}
		} else if s.paste != nil {
			input.TypeString(s.o.Input, s.paste.String())
			s.stat.say(fmt.Sprintf("pasted %d characters", s.paste.Len()))
			s.paste = nil
			s.drawBottom()
			s.scr.Show()
		}
	case *tcell.EventKey:
		if s.paste != nil {
			switch ev.Key() {
			case tcell.KeyRune:
				s.paste.WriteRune(ev.Rune())
			case tcell.KeyEnter, tcell.KeyLF:
				s.paste.WriteByte('\n')
			case tcell.KeyTab:
				s.paste.WriteByte('\t')
			}
			return false
		}
		s.pacer.Poke()
		quit = s.key(ev)
		if !quit {
			s.drawBottom()
			s.placeCursor()
			s.scr.Show()
		}
	case *tcell.EventMouse:
		s.pacer.Poke()
		if !s.bar.open {
			s.mouseEvent(ev)
		}
	case *tcell.EventResize:
		s.scr.Sync()
		s.full = true
		s.Redraw()
	}
	return quit
}

// maxLog is how many messages the history keeps.
const maxLog = 100

// Notify shows a message on the status line for a few seconds and keeps it
// in the history (the command bar's m). Run calls it for Options.Messages.
func (s *Sink) Notify(msg string) {
	s.log = append(s.log, time.Now().Format("15:04:05 ")+msg)
	if len(s.log) > maxLog {
		s.log = append(s.log[:0], s.log[len(s.log)-maxLog:]...)
	}
	s.stat.say(msg)
	s.drawBottom()
	s.scr.Show()
}

// Tick refreshes the status line (frame rate, MIPS); Run calls it every
// second.
func (s *Sink) Tick(now time.Time) {
	s.stat.tick(now)
	s.drawBottom()
	s.scr.Show()
}

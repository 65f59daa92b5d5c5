package emu

import (
	"context"
	"errors"
	"sync"

	"github.com/do86/do86/pkg/display"
)

// ErrStopped is what a machine's methods return when they need the
// emulation goroutine and there is none to come: Run has returned, or the
// machine is closed.
var ErrStopped = errors.New("the machine is stopped")

// runState is where a machine is in its life.
type runState int

const (
	stateNew     runState = iota // built; Run not called yet
	stateRunning                 // Run is running
	stateStopped                 // Run returned (it may be called again)
	stateClosed                  // Close was called
)

// life guards the machine's run state. Exec holds it while it runs a
// function on a machine nobody runs, so Run cannot start meanwhile.
type life struct {
	mu    sync.Mutex
	state runState
	// halt is closed when the machine stops running (Run returned or
	// Close): work still queued will not run.
	halt chan struct{}
}

// begin marks the machine running, or says why it cannot run.
func (m *Machine) begin() error {
	m.life.mu.Lock()
	defer m.life.mu.Unlock()
	switch m.life.state {
	case stateClosed:
		return ErrStopped
	case stateRunning:
		return errors.New("the machine is already running")
	case stateStopped:
		m.life.halt = make(chan struct{})
	}
	m.life.state = stateRunning
	return nil
}

// end marks the machine stopped (Run returned).
func (m *Machine) end() {
	m.life.mu.Lock()
	defer m.life.mu.Unlock()
	if m.life.state == stateRunning {
		m.life.state = stateStopped
		close(m.life.halt)
	}
}

// Do queues fn to run on the emulation goroutine between time slices;
// before the first Run, fn waits for it. Once Run has returned or the
// machine is closed, Do returns ErrStopped and fn never runs; work queued
// when Run returns is dropped. Safe from any goroutine.
func (m *Machine) Do(fn func()) error {
	m.life.mu.Lock()
	st, halt := m.life.state, m.life.halt
	m.life.mu.Unlock()
	if st == stateStopped || st == stateClosed {
		return ErrStopped
	}
	select {
	case m.work <- fn:
		return nil
	case <-halt:
		return ErrStopped
	}
}

// Exec runs fn with the machine to itself and waits for it: on the
// emulation goroutine while Run runs, at once on the caller's goroutine
// when nothing runs the machine (before Run, or after it returned). It
// returns ErrStopped when the machine is closed or stops before fn ran,
// and ctx's error when ctx ends first (fn may still run later).
func (m *Machine) Exec(ctx context.Context, fn func()) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.life.mu.Lock()
	switch m.life.state {
	case stateClosed:
		m.life.mu.Unlock()
		return ErrStopped
	case stateNew, stateStopped:
		defer m.life.mu.Unlock()
		fn()
		return nil
	}
	halt := m.life.halt
	m.life.mu.Unlock()
	done := make(chan struct{})
	queued := func() {
		fn()
		close(done)
	}
	select {
	case m.work <- queued:
	case <-halt:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-halt:
		// Run returned: fn ran just before, or never will.
		select {
		case <-done:
			return nil
		default:
			return ErrStopped
		}
	case <-ctx.Done():
		return ctx.Err()
	}
}

// FrameHook is called on the emulation goroutine after each rendered
// frame, with the frame and (in text modes) the text grid. It must be
// quick and must not keep f or text.
type FrameHook func(f *display.Frame, text *display.TextScreen)

// hooks are the frame hooks by registration number.
type hooks struct {
	mu   sync.Mutex
	next int
	fns  map[int]FrameHook
	list []FrameHook // a copy for the emulation goroutine, rebuilt on change
}

// OnFrame adds a frame hook and returns the function that removes it.
// Any number may be added, from any goroutine; sinks that only show the
// screen subscribe to the display hub (Hub) instead.
func (m *Machine) OnFrame(fn FrameHook) (remove func()) {
	h := &m.frameHooks
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fns == nil {
		h.fns = map[int]FrameHook{}
	}
	id := h.next
	h.next++
	h.fns[id] = fn
	h.rebuild()
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.fns, id)
		h.rebuild()
	}
}

func (h *hooks) rebuild() {
	l := make([]FrameHook, 0, len(h.fns))
	for i := 0; i < h.next; i++ {
		if fn, ok := h.fns[i]; ok {
			l = append(l, fn)
		}
	}
	h.list = l
}

// callFrameHooks runs the hooks (emulation goroutine).
func (m *Machine) callFrameHooks(f *display.Frame, text *display.TextScreen) {
	h := &m.frameHooks
	h.mu.Lock()
	l := h.list
	h.mu.Unlock()
	for _, fn := range l {
		fn(f, text)
	}
}

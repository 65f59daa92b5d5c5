package emu

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// frameInterval is how often the screen is rendered while the guest runs.
const frameInterval = time.Second / 30

// maxWarp is the longest jump of the warp clock, in ms: a guest halted with
// no timer due sooner waits for something else (input, a packet), and the
// run loop sleeps as usual.
const maxWarp = 60e3

// Run runs the machine until ctx is done (nil error), the guest powers off
// (ErrPowerOff) or the core crashes (an error wrapping ErrCrash). The caller's
// goroutine becomes the emulation goroutine. Run may be called again after
// it returned (the guest continues); on a closed machine it returns
// ErrStopped.
func (m *Machine) Run(ctx context.Context) (err error) {
	if err := m.begin(); err != nil {
		return err
	}
	defer m.end()
	defer func() {
		// A trap inside a device call from the core surfaces as a panic
		// carrying ErrCrash; anything else is a bug we report, not hide.
		if r := recover(); r != nil {
			if e, ok := r.(error); ok && errors.Is(e, ErrCrash) {
				err = e
				return
			}
			err = fmt.Errorf("%w: %v", ErrCrash, r)
		}
		m.clock.Pause()
		m.flushSerial()
		m.stats.Elapsed = time.Duration(m.clock.Now() * float64(time.Millisecond))
		m.stats.JIT = m.core.JITStats()
		st := m.stats
		m.published.Store(&st)
	}()
	m.clock.Resume()
	nextFrame := time.Now()
	lastCount := m.core.InstructionCounter()
	statT := time.Now()
	var statN uint64
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if ctx.Err() != nil {
			return nil
		}
		m.drainWork()
		if m.paused.Load() {
			if m.stats.MIPS != 0 || m.stats.Phase != "paused" {
				m.stats.MIPS, m.stats.Phase = 0, "paused" // no stale speed while paused
				st := m.stats
				m.published.Store(&st)
			}
			m.clock.Pause()
			select {
			case <-ctx.Done():
				return nil
			case fn := <-m.work:
				fn()
			}
			continue
		}
		m.clock.Resume()

		wait, err := m.core.MainLoop()
		if err != nil {
			return err
		}
		if len(m.keys) > 0 {
			m.pumpKeys()
		}
		c := m.core.InstructionCounter()
		d := uint64(c - lastCount)
		lastCount = c
		m.stats.Instructions += d
		statN += d

		if m.powerOff {
			m.render()
			return ErrPowerOff
		}
		now := time.Now()
		if now.Sub(statT) >= time.Second {
			m.stats.MIPS = float64(statN) / now.Sub(statT).Seconds() / 1e6
			m.stats.Phase = m.phase()
			statT, statN = now, 0
			st := m.stats
			m.published.Store(&st)
		}
		if !now.Before(nextFrame) {
			m.feedSerial()
			m.flushSerial()
			m.render()
			nextFrame = now.Add(frameInterval)
		}
		halted := m.core.InHLT()
		m.stats.Halted = halted
		if !halted || wait <= 0 {
			continue
		}
		if m.cfg.Warp && wait <= maxWarp {
			// Nothing but a timer can wake the guest before its deadline
			// (input arrives as work, drained above): skip to it.
			m.clock.Advance(wait)
			m.stats.Warped += time.Duration(wait * float64(time.Millisecond))
			continue
		}
		// Halted: sleep until the next timer event, the next frame or work.
		sleep := time.Duration(wait * float64(time.Millisecond))
		if untilFrame := time.Until(nextFrame); untilFrame < sleep {
			sleep = untilFrame
		}
		if sleep < 50*time.Microsecond {
			continue
		}
		timer.Reset(sleep)
		select {
		case <-ctx.Done():
			return nil
		case fn := <-m.work:
			fn()
		case <-timer.C:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

func (m *Machine) drainWork() {
	for {
		select {
		case fn := <-m.work:
			fn()
		default:
			return
		}
	}
}

// Pause stops (true) or resumes (false) the guest; the guest clock stops too.
func (m *Machine) Pause(p bool) {
	m.paused.Store(p)
	m.Do(func() {}) // wakes a halted run loop; nothing to wake once stopped
}

// Paused reports whether the guest is paused.
func (m *Machine) Paused() bool { return m.paused.Load() }

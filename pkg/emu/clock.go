package emu

import "time"

// Clock is the guest's virtual clock in milliseconds. It follows host time
// while running, stands still while paused, and can be set (a snapshot
// resume continues from the saved time).
type Clock struct {
	base    float64   // guest ms at start
	start   time.Time // host time when last resumed
	running bool
	// next is when a device timer is next due (guest ms): the machine's
	// last timer run found it, devices lower it (Due).
	next float64
}

// Due lowers the time the next device timer is due to at (bus.Waker).
func (c *Clock) Due(at float64) {
	if at < c.next {
		c.next = at
	}
}

// NewClock returns a stopped clock at 0.
func NewClock() *Clock { return &Clock{} }

// Now returns the guest time.
func (c *Clock) Now() float64 {
	if !c.running {
		return c.base
	}
	return c.base + float64(time.Since(c.start).Nanoseconds())/1e6
}

// Resume lets the clock follow host time again.
func (c *Clock) Resume() {
	if !c.running {
		c.start = time.Now()
		c.running = true
	}
}

// Pause stops the clock.
func (c *Clock) Pause() {
	if c.running {
		c.base = c.Now()
		c.running = false
	}
}

// Advance moves the guest time forward by ms at once (the warp clock
// skipping time the guest spends halted).
func (c *Clock) Advance(ms float64) { c.base += ms }

// Set sets the guest time.
func (c *Clock) Set(ms float64) {
	c.base = ms
	c.start = time.Now()
}

// Running reports whether the clock runs.
func (c *Clock) Running() bool { return c.running }

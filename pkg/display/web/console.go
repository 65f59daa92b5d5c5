package web

import "sync"

// Console is a machine's COM1 output as a session keeps it: a bounded
// scrollback every viewer reads from at its own pace. Write never blocks
// (the emulation goroutine calls it), so a viewer that reads too slowly
// misses the oldest bytes rather than slowing the guest.
type Console struct {
	mu    sync.Mutex
	buf   []byte // the newest bytes, at most max
	max   int
	total int64 // bytes ever written; buf ends here
	subs  map[chan struct{}]struct{}
}

// NewConsole returns a console keeping the last n bytes (at least 1).
func NewConsole(n int) *Console {
	return &Console{max: max(n, 1), subs: map[chan struct{}]struct{}{}}
}

// Write appends p and wakes the readers; it always succeeds.
func (c *Console) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf = append(c.buf, p...)
	if over := len(c.buf) - c.max; over > 0 {
		// Keep the buffer from creeping: move the tail down only when it
		// has grown by a quarter, so a copy is amortised.
		if over > c.max/4 || cap(c.buf) > 2*c.max {
			c.buf = append(c.buf[:0], c.buf[over:]...)
		} else {
			c.buf = c.buf[over:]
		}
	}
	c.total += int64(len(p))
	for ch := range c.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	return len(p), nil
}

// ReadFrom returns the bytes written since offset from (an earlier result's
// next; 0 for everything kept) and the offset to ask for next time. When
// from is older than the scrollback, what is kept is returned.
func (c *Console) ReadFrom(from int64) (data []byte, next int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	start := c.total - int64(len(c.buf))
	if from < start {
		from = start
	}
	if from >= c.total {
		return nil, c.total
	}
	return append([]byte(nil), c.buf[from-start:]...), c.total
}

// Notify returns a channel signalled (without blocking the writer) after
// each Write, and a function that stops the signals.
func (c *Console) Notify() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	c.mu.Lock()
	c.subs[ch] = struct{}{}
	c.mu.Unlock()
	return ch, func() {
		c.mu.Lock()
		delete(c.subs, ch)
		c.mu.Unlock()
	}
}

package display

import (
	"context"
	"time"
)

// Settle says when a booting guest counts as ready (WaitSettled).
type Settle struct {
	// Quiet is how long the screen must stay in one mode with at most a
	// tenth of its tiles changing (a clock, a cursor, a counter may).
	Quiet time.Duration
	// MIPS, when set, reports the guest's current speed in million
	// instructions a second; the guest must then also have run at most
	// IdleMIPS for the last Quiet — mostly halted, waiting for its user,
	// rather than computing behind a still screen — or the screen must stay
	// quiet for LongQuiet (a guest that polls instead of halting, as DOS).
	MIPS      func() float64
	IdleMIPS  float64
	LongQuiet time.Duration
}

// WaitSettled waits until the hub's screen has shown a first frame and
// then settled as s says: the guest has booted and waits for its user. A
// screen that redraws more than a tenth of itself (boot messages
// scrolling, a progress bar, a mode switch) starts the wait again. It
// returns nil when settled, or ctx's error. serve's and run's warm starts
// use it to decide when to take a snapshot.
func WaitSettled(ctx context.Context, h *Hub, s Settle) error {
	sub := h.Subscribe()
	defer sub.Close()
	tick := time.NewTicker(min(s.Quiet/4, 250*time.Millisecond))
	defer tick.Stop()
	var changed *TileSet // the tiles changed since since
	var since time.Time  // quiet since; zero before the first frame
	var idleSince time.Time
	for {
		select {
		case <-sub.C():
			sub.Read(func(u Update) {
				now := time.Now()
				if u.Resized || changed == nil || changed.Cols != u.Dirty.Cols || changed.Rows != u.Dirty.Rows {
					changed, since = NewTileSet(u.Frame.Width, u.Frame.Height), now
					return
				}
				changed.Union(u.Dirty)
				if 10*changed.Count() > changed.Cols*changed.Rows {
					changed.Clear()
					since = now
				}
			})
		case now := <-tick.C:
			if s.MIPS != nil && (idleSince.IsZero() || s.MIPS() > s.IdleMIPS) {
				idleSince = now
			}
			if since.IsZero() || now.Sub(since) < s.Quiet {
				continue
			}
			if s.MIPS == nil || now.Sub(idleSince) >= s.Quiet || s.LongQuiet > 0 && now.Sub(since) >= s.LongQuiet {
				return nil
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

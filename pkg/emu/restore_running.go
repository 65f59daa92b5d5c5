package emu

import (
	"context"

	"github.com/do86/do86/pkg/pager"
)

// RestoreSnapshot puts the machine back to the snapshot name, whether Run
// runs or not: the restore happens with the machine to itself (see Exec),
// so a test suite can start each test from one booted snapshot without
// building a machine again. The snapshot must be of a machine with the
// same media (checked by fingerprint, as Resume does) and configuration.
// COM1 output not yet written is flushed first, and keys still waiting for
// the keyboard are dropped: they were meant for the guest as it was. On
// error the machine may be half restored: restore another snapshot, reset
// or close it.
func (m *Machine) RestoreSnapshot(ctx context.Context, store *pager.Store, name string) error {
	snap, err := store.Load(name) // its media, checked before anything changes
	if err != nil {
		return err
	}
	var rerr error
	if err := m.Exec(ctx, func() {
		if m.core == nil {
			rerr = ErrStopped
			return
		}
		m.flushSerial()
		c := m.cfg
		c.media = m.media
		if rerr = checkMedia(name, snap, &c); rerr != nil {
			return
		}
		m.media = c.media
		m.keys = m.keys[:0]
		rerr = m.Restore(store, name)
	}); err != nil {
		return err
	}
	return rerr
}

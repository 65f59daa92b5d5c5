package emu

import (
	"bytes"
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/do86/do86/internal/core"
	"github.com/do86/do86/internal/snapstate"
	"github.com/do86/do86/pkg/pager"
)

// Snapshots: the whole machine into a pager.Store — the core's wasm memory
// as page hashes (guest RAM, framebuffer and the CPU's own state all live
// there), every device's state, the machine's own, the disks' changed
// sectors and the guest clock.
//
// A device's state is its package's State struct, which it hands over as a
// bus.Stateful. The snapshot keeps it under the device's instance name (the
// name attach gave it, attach.go) in an envelope with the state's kind and
// version (internal/snapstate). Restoring checks every device before
// loading any: a device the snapshot lacks, or one the machine lacks, means
// the snapshot was made of a machine configured differently; a state of
// another kind means the same; a state of another version was made by
// another do86 — a device's version is bumped whenever its State struct
// changes shape or meaning (internal/dev/states checks that) — and is
// refused naming the device. A snapshot is never decoded into a struct of
// another shape.

// snapshotFormat is the layout of a snapshot's device entries: 1 was each
// device's bare state under its Go type's name (do86 before per-device
// versions), 2 is an envelope per device under its instance name and the
// machine's record. A snapshot of another format is refused as a whole.
const snapshotFormat = 2

// machineStateKind and machineStateVersion name the machine's own state,
// kept in an envelope like a device's under machineStateName. Bump the
// version whenever machineState, or core.State in it, changes.
const (
	machineStateKind    = "machine"
	machineStateVersion = 1
)

// machineState is the machine's own part of a snapshot.
type machineState struct {
	Memory   uint32 // guest RAM
	Clock    float64
	Core     core.State
	SerialIn []byte
}

// machineRecord is what a snapshot keeps under machineStateName: its format
// and the machine's state. Format comes first and keeps its name because
// format 1 kept a struct there whose first field was Format too: gob matches
// fields by name, so an old snapshot decodes into a machineRecord with
// Format 1 and nothing else, and is refused for its format, never by a
// decode error.
type machineRecord struct {
	Format  int
	Machine snapstate.Envelope
}

// SnapshotStats tell what a snapshot cost.
type SnapshotStats struct {
	pager.Stats
	// Hashed counts the pages hashed afresh (the others kept the hash of
	// the previous snapshot, their content unchanged); HashTime is the time
	// spent on the pass over memory, StoreTime in the store.
	Hashed              int
	HashTime, StoreTime time.Duration
}

// Snapshot saves the whole machine in store under name (replacing any
// snapshot of that name). Call it on the emulation goroutine — between time
// slices, from a function given to Do — or while Run is not running. Only
// the pages that changed since this machine's previous snapshot are hashed,
// and only pages the store lacks are written.
func (m *Machine) Snapshot(store pager.SnapshotStore, name string) (SnapshotStats, error) {
	var st SnapshotStats
	if m.core == nil {
		return st, errors.New("snapshot: the machine is closed")
	}
	if m.cfg.Persist {
		return st, errors.New("snapshot: the disks write through to their images (persist), so a snapshot could not bring them back")
	}
	t0 := time.Now()
	conf, err := m.saveConfig()
	if err != nil {
		return st, fmt.Errorf("snapshot: media: %w", err)
	}
	snap := &pager.Snapshot{
		Info: pager.Info{
			CoreVersion: core.Version, CoreSHA256: core.WasmSHA256,
			Image: m.imageName(), RAM: uint64(m.cfg.Memory), Config: conf,
		},
		Devices: map[string][]byte{},
	}
	for _, d := range m.dev.reg.states {
		b, err := snapstate.Save(d.dev)
		if err != nil {
			return st, fmt.Errorf("snapshot: device %s: %w", d.name, err)
		}
		snap.Devices[d.name] = b
	}
	ms := machineState{Memory: m.cfg.Memory, Clock: m.clock.Now(), Core: m.core.SaveState(), SerialIn: m.serialIn}
	env, err := snapstate.Pack(machineStateKind, machineStateVersion, &ms)
	if err != nil {
		return st, fmt.Errorf("snapshot: %w", err)
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(machineRecord{Format: snapshotFormat, Machine: env}); err != nil {
		return st, fmt.Errorf("snapshot: %w", err)
	}
	snap.Devices[machineStateName] = b.Bytes()

	chunks := map[pager.Hash][]byte{}
	for _, nd := range m.machineDisks() {
		d, err := saveDisk(nd, chunks)
		if err != nil {
			return st, fmt.Errorf("snapshot: disk %s: %w", nd.name, err)
		}
		snap.Disks = append(snap.Disks, d)
	}

	mem := m.core.Memory()
	list, where, hashed := m.pages.hashPages(mem)
	snap.Memory = list
	snap.Data = func(h pager.Hash) []byte {
		if i, ok := where[h]; ok {
			return mem[i*pager.PageSize : (i+1)*pager.PageSize]
		}
		return chunks[h]
	}
	st.Hashed, st.HashTime = hashed, time.Since(t0)
	ps, err := store.Save(name, snap)
	if err != nil {
		m.pages = pageCache{} // the store may not have what the cache implies
		return st, err
	}
	st.Stats, st.StoreTime = ps, time.Since(t0)-st.HashTime
	return st, nil
}

// SaveSnapshot runs Snapshot with the machine to itself (see Exec) and
// waits for it: safe from any goroutine, whether Run runs or not. ctx
// bounds the wait; a ctx already done saves nothing.
func (m *Machine) SaveSnapshot(ctx context.Context, store pager.SnapshotStore, name string) (SnapshotStats, error) {
	var st SnapshotStats
	var err error
	if xerr := m.Exec(ctx, func() { st, err = m.Snapshot(store, name) }); xerr != nil {
		return SnapshotStats{}, xerr
	}
	return st, err
}

// Resume builds a machine from cfg — the same media and devices the
// snapshot was made with; its memory size is taken from the snapshot — and
// restores the snapshot name into it. Run continues the guest where it was.
// A snapshot this do86 cannot read (another format, core or machine state
// version) is refused before any machine is built; one with a device state
// of another kind or version, or made of a machine with other devices, is
// refused naming the device (see the top of this file).
func Resume(cfg Config, store pager.SnapshotStore, name string) (*Machine, error) {
	snap, err := store.Load(name)
	if err != nil {
		return nil, err
	}
	ms, err := checkSnapshot(name, snap)
	if err != nil {
		return nil, err
	}
	cfg.Memory = ms.Memory
	if err := checkMedia(name, snap, &cfg); err != nil {
		return nil, err
	}
	m, err := New(cfg)
	if err != nil {
		return nil, err
	}
	if err := m.restore(store, name, snap, ms); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// Restore replaces the machine's state by the snapshot name, made of a
// machine with the same configuration. Call it before Run or on the
// emulation goroutine. On error the machine is in an undefined state: reset
// or close it.
func (m *Machine) Restore(store pager.SnapshotStore, name string) error {
	snap, err := store.Load(name)
	if err != nil {
		return err
	}
	ms, err := checkSnapshot(name, snap)
	if err != nil {
		return err
	}
	return m.restore(store, name, snap, ms)
}

// checkSnapshot returns the machine's state in a snapshot after checking
// that this do86 can resume it: its format, the machine state's version and
// the core it was made with.
func checkSnapshot(name string, snap *pager.Snapshot) (*machineState, error) {
	b, ok := snap.Devices[machineStateName]
	if !ok {
		return nil, fmt.Errorf("snapshot %q has no machine state: it cannot be resumed", name)
	}
	var rec machineRecord
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&rec); err != nil {
		return nil, fmt.Errorf("snapshot %q: the machine state does not decode (%v): it cannot be resumed", name, err)
	}
	switch {
	case rec.Format < snapshotFormat:
		return nil, fmt.Errorf("snapshot %q was made by an older do86 (snapshot format %d, this do86 reads %d) and cannot be resumed: boot again and save a new snapshot",
			name, rec.Format, snapshotFormat)
	case rec.Format > snapshotFormat:
		return nil, fmt.Errorf("snapshot %q was made by a newer do86 (snapshot format %d, this do86 reads %d) and cannot be resumed",
			name, rec.Format, snapshotFormat)
	}
	ms := new(machineState)
	if err := rec.Machine.Unpack(machineStateName, machineStateKind, machineStateVersion, ms); err != nil {
		return nil, fmt.Errorf("snapshot %q: %w", name, err)
	}
	if i := snap.Info; i.CoreSHA256 != core.WasmSHA256 {
		return nil, fmt.Errorf("snapshot %q was made with v86 core %s (sha256 %.12s), this do86 runs %s (sha256 %.12s): it cannot be resumed",
			name, i.CoreVersion, i.CoreSHA256, core.Version, core.WasmSHA256)
	}
	return ms, nil
}

func (m *Machine) restore(store pager.SnapshotStore, name string, snap *pager.Snapshot, ms *machineState) error {
	if ms.Memory != m.cfg.Memory {
		return fmt.Errorf("snapshot %q has %d MiB of RAM, this machine %d MiB", name, ms.Memory>>20, m.cfg.Memory>>20)
	}
	// Every device's state is checked and decoded before any is loaded.
	devs := m.dev.reg.states
	want := map[string]bool{machineStateName: true}
	for _, d := range devs {
		want[d.name] = true
		if _, ok := snap.Devices[d.name]; !ok {
			kind, _ := d.dev.StateKind()
			return fmt.Errorf("snapshot %q has no device %s (%s): it was made of a machine configured differently", name, d.name, kind)
		}
	}
	for _, n := range slices.Sorted(maps.Keys(snap.Devices)) {
		if !want[n] {
			return fmt.Errorf("snapshot %q has a device %s this machine lacks: it was made of a machine configured differently", name, n)
		}
	}
	states := make([]any, len(devs))
	for i, d := range devs {
		s, err := snapstate.Decode(d.name, d.dev, snap.Devices[d.name])
		if err != nil {
			return fmt.Errorf("snapshot %q: %w", name, err)
		}
		states[i] = s
	}
	disks := map[string]namedDisk{}
	for _, nd := range m.machineDisks() {
		disks[nd.name] = nd
	}
	for _, sd := range snap.Disks {
		if _, ok := disks[sd.Name]; !ok {
			return fmt.Errorf("snapshot %q has changes to disk %s, which this machine lacks", name, sd.Name)
		}
	}

	// Devices first: loading drives their interrupt lines to the saved
	// levels, which calls into the core; the core's memory, restored after,
	// then holds the interrupt controllers exactly as saved.
	for i, d := range devs {
		if err := snapstate.Restore(d.name, d.dev, states[i]); err != nil {
			return fmt.Errorf("snapshot %q: %w", name, err)
		}
	}
	for _, sd := range snap.Disks {
		if err := restoreDisk(store, disks[sd.Name], sd); err != nil {
			return fmt.Errorf("snapshot %q: %w", name, err)
		}
	}
	m.clock.Set(ms.Clock)
	mem, err := m.core.RestoreMemory(ms.Core)
	if err != nil {
		return fmt.Errorf("snapshot %q: %w", name, err)
	}
	if uint64(len(snap.Memory))*pager.PageSize != ms.Core.MemoryBytes {
		return fmt.Errorf("snapshot %q: %d pages for %d bytes of memory", name, len(snap.Memory), ms.Core.MemoryBytes)
	}
	err = store.ReadPages(snap.Memory, func(i int, p []byte) error {
		if len(p) != pager.PageSize {
			return fmt.Errorf("page %d has %d bytes", i, len(p))
		}
		copy(mem[i*pager.PageSize:], p)
		return nil
	})
	if err != nil {
		return fmt.Errorf("snapshot %q: %w", name, err)
	}
	// Remember the pages as they are in the snapshot before RestoreState
	// writes to memory (it clears the JIT cache): a page it changes must not
	// keep the snapshot's hash, or the next snapshot would store it stale.
	m.pages.remember(mem, snap.Memory)
	if err := m.core.RestoreState(ms.Core); err != nil {
		return fmt.Errorf("snapshot %q: %w", name, err)
	}
	m.serialIn = ms.SerialIn
	m.powerOff = false
	return nil
}

// imageName names what the machine boots, for snapshot listings.
func (m *Machine) imageName() string {
	if m.cfg.Name != "" {
		return m.cfg.Name
	}
	return m.cfg.mediaName()
}

// checkMedia refuses to resume snapshot name on a configuration whose
// media are not the ones it was made with (by slot and fingerprint), and
// keeps the fingerprints in cfg for the next snapshot.
func checkMedia(name string, snap *pager.Snapshot, cfg *Config) error {
	if len(snap.Info.Config) == 0 {
		return nil // older snapshots recorded only disk sizes; devices check those
	}
	var sc savedConfig
	if err := json.Unmarshal(snap.Info.Config, &sc); err != nil {
		return fmt.Errorf("snapshot %q: its configuration record is damaged: %v", name, err)
	}
	have := cfg.media
	if have == nil {
		var err error
		if have, err = cfg.fingerprintMedia(); err != nil {
			return err
		}
	}
	bySlot := map[string]Medium{}
	for _, md := range have {
		bySlot[md.Slot] = md
	}
	for _, want := range sc.Media {
		got, ok := bySlot[want.Slot]
		switch {
		case !ok:
			return fmt.Errorf("snapshot %q was made with a %s (%s) that this machine lacks", name, slotWord(want.Slot), want.Path)
		case got.Fingerprint != want.Fingerprint:
			return fmt.Errorf("snapshot %q: its %s was %s; %s has other content: resuming onto it could damage it", name, slotWord(want.Slot), want.Path, got.Path)
		}
		delete(bySlot, want.Slot)
	}
	for _, md := range bySlot {
		return fmt.Errorf("snapshot %q was made without a %s; %s cannot be added to it", name, slotWord(md.Slot), md.Path)
	}
	cfg.media = have
	return nil
}

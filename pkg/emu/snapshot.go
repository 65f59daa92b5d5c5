package emu

import (
	"bytes"
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/do86/do86/internal/core"
	"github.com/do86/do86/pkg/pager"
)

// Snapshots: the whole machine into a pager.Store — the core's wasm memory
// as page hashes (guest RAM, framebuffer and the CPU's own state all live
// there), the core's State, every device's state, the disks' changed
// sectors and the guest clock.

// snapshotFormat is the version of the machine's part of a snapshot (the
// "machine" blob and the device list); a snapshot of another is refused.
const snapshotFormat = 1

// machineBlob is the device name under which the machine keeps its own state.
const machineBlob = "machine"

// machineState is the machine's own part of a snapshot.
type machineState struct {
	Format   int
	Memory   uint32 // guest RAM
	Clock    float64
	Core     core.State
	SerialIn []byte
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
func (m *Machine) Snapshot(store *pager.Store, name string) (SnapshotStats, error) {
	var st SnapshotStats
	if m.core == nil {
		return st, errors.New("snapshot: the machine is closed")
	}
	if m.cfg.Persist && len(m.machineDisks()) > 0 {
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
	for _, d := range m.stateDevices() {
		b, err := d.dev.Save()
		if err != nil {
			return st, fmt.Errorf("snapshot: %s: %w", d.name, err)
		}
		snap.Devices[d.name] = b
	}
	ms := machineState{Format: snapshotFormat, Memory: m.cfg.Memory, Clock: m.clock.Now(),
		Core: m.core.SaveState(), SerialIn: m.serialIn}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(ms); err != nil {
		return st, fmt.Errorf("snapshot: %w", err)
	}
	snap.Devices[machineBlob] = b.Bytes()

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
func (m *Machine) SaveSnapshot(ctx context.Context, store *pager.Store, name string) (SnapshotStats, error) {
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
func Resume(cfg Config, store *pager.Store, name string) (*Machine, error) {
	snap, err := store.Load(name)
	if err != nil {
		return nil, err
	}
	if err := checkVersion(name, snap); err != nil {
		return nil, err
	}
	cfg.Memory = uint32(snap.Info.RAM)
	if err := checkMedia(name, snap, &cfg); err != nil {
		return nil, err
	}
	m, err := New(cfg)
	if err != nil {
		return nil, err
	}
	if err := m.restore(store, name, snap); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// Restore replaces the machine's state by the snapshot name, made of a
// machine with the same configuration. Call it before Run or on the
// emulation goroutine. On error the machine is in an undefined state: reset
// or close it.
func (m *Machine) Restore(store *pager.Store, name string) error {
	snap, err := store.Load(name)
	if err != nil {
		return err
	}
	if err := checkVersion(name, snap); err != nil {
		return err
	}
	return m.restore(store, name, snap)
}

func checkVersion(name string, snap *pager.Snapshot) error {
	i := snap.Info
	if i.CoreSHA256 != core.WasmSHA256 {
		return fmt.Errorf("snapshot %q was made with v86 core %s (sha256 %.12s), this do86 runs %s (sha256 %.12s): it cannot be resumed",
			name, i.CoreVersion, i.CoreSHA256, core.Version, core.WasmSHA256)
	}
	return nil
}

func (m *Machine) restore(store *pager.Store, name string, snap *pager.Snapshot) error {
	var ms machineState
	if err := gob.NewDecoder(bytes.NewReader(snap.Devices[machineBlob])).Decode(&ms); err != nil {
		return fmt.Errorf("snapshot %q: machine state: %w", name, err)
	}
	if ms.Format != snapshotFormat {
		return fmt.Errorf("snapshot %q has machine format %d, this do86 reads %d", name, ms.Format, snapshotFormat)
	}
	if ms.Memory != m.cfg.Memory {
		return fmt.Errorf("snapshot %q has %d MiB of RAM, this machine %d MiB", name, ms.Memory>>20, m.cfg.Memory>>20)
	}
	devs := m.stateDevices()
	want := map[string]bool{machineBlob: true}
	for _, d := range devs {
		want[d.name] = true
		if _, ok := snap.Devices[d.name]; !ok {
			return fmt.Errorf("snapshot %q has no %s: it was made of a machine configured differently", name, d.name)
		}
	}
	for n := range snap.Devices {
		if !want[n] {
			return fmt.Errorf("snapshot %q has a %s this machine lacks: it was made of a machine configured differently", name, n)
		}
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
	for _, d := range devs {
		if err := d.dev.Load(snap.Devices[d.name]); err != nil {
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

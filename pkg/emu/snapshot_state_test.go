package emu

import (
	"bytes"
	"encoding/gob"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/do86/do86/internal/core"
	"github.com/do86/do86/internal/snapstate"
	"github.com/do86/do86/pkg/images"
	"github.com/do86/do86/pkg/pager"
)

var updateSchemas = flag.Bool("update", false, "record a new machine state version in testdata/machine-state.golden")

const (
	machineGolden = "testdata/machine-state.golden"
	// devicesGolden is the record of every device's State (internal/dev/states).
	devicesGolden = "../../internal/dev/states/testdata/states.golden"
)

func testStore(t *testing.T) *pager.Store {
	t.Helper()
	s, err := pager.Open(filepath.Join(t.TempDir(), "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// saveRecord stores a snapshot whose device entries are devices, made with
// this do86's core, and no memory.
func saveRecord(t *testing.T, store *pager.Store, name string, devices map[string][]byte) {
	t.Helper()
	snap := &pager.Snapshot{
		Info:    pager.Info{CoreVersion: core.Version, CoreSHA256: core.WasmSHA256, RAM: 32 << 20},
		Devices: devices,
		Data:    func(pager.Hash) []byte { return nil },
	}
	if _, err := store.Save(name, snap); err != nil {
		t.Fatal(err)
	}
}

func gobOf(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestResumeRefusesFormat1 resumes snapshots as do86 made them before
// per-device versions (format 1: the machine's state with its format first,
// each device's bare state under its Go type's name), and other machine
// records this do86 cannot read: each is refused with one line, before any
// machine is built.
func TestResumeRefusesFormat1(t *testing.T) {
	t.Parallel()
	// The machine state of format 1, as it was declared.
	type format1 struct {
		Format   int
		Memory   uint32
		Clock    float64
		Core     core.State
		SerialIn []byte
	}
	old := gobOf(t, format1{Format: 1, Memory: 32 << 20, Clock: 1234.5,
		Core: core.State{MemoryBytes: 64 << 20, RAMSize: 32 << 20, TSC: 99}, SerialIn: []byte("x")})
	pit := gobOf(t, struct {
		PortB    uint8
		IRQLevel bool
	}{3, true})
	newer := gobOf(t, machineRecord{Format: snapshotFormat + 1})
	env, err := snapstate.Pack(machineStateKind, machineStateVersion+1, &machineState{Memory: 32 << 20})
	if err != nil {
		t.Fatal(err)
	}
	bumped := gobOf(t, machineRecord{Format: snapshotFormat, Machine: env})

	store := testStore(t)
	saveRecord(t, store, "old", map[string][]byte{"machine": old, "i8254.PIT": pit})
	saveRecord(t, store, "garbage", map[string][]byte{"machine": []byte("not a record")})
	saveRecord(t, store, "none", map[string][]byte{"i8254.PIT": pit})
	saveRecord(t, store, "newer", map[string][]byte{"machine": newer})
	saveRecord(t, store, "bumped", map[string][]byte{"machine": bumped})
	for name, want := range map[string]string{
		"old":     `snapshot "old" was made by an older do86 (snapshot format 1, this do86 reads 2) and cannot be resumed: boot again and save a new snapshot`,
		"garbage": `snapshot "garbage": the machine state does not decode`,
		"none":    `snapshot "none" has no machine state: it cannot be resumed`,
		"newer":   `snapshot "newer" was made by a newer do86 (snapshot format 3, this do86 reads 2)`,
		"bumped":  `snapshot "bumped": device machine (machine) has state version 2, this do86 reads version 1: boot again and save a new snapshot`,
	} {
		// An empty Config: were a machine built, New would fail on the BIOS.
		_, err := Resume(Config{}, store, name)
		if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("resuming %s: %v\nwant one line starting %s", name, err, want)
		}
	}
}

// TestMachineStateSchema keeps the machine's own state to the same rule as
// a device's: its struct (core.State included) may not change shape without
// a bump of machineStateVersion.
func TestMachineStateSchema(t *testing.T) {
	t.Parallel()
	golden, err := snapstate.ReadSchemas(machineGolden)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := golden.Check(machineStateKind, machineStateVersion, &machineState{}, "`go test ./pkg/emu -run MachineStateSchema -update`")
	if err == nil {
		return
	}
	if !*updateSchemas || rec.Hash == "" || !snapstate.Bumpable(golden, machineStateKind, rec) {
		t.Fatal(err)
	}
	err = snapstate.WriteSchemas(machineGolden, "The machine's own state (machineState): kind, version, schema hash.",
		snapstate.Schemas{machineStateKind: rec})
	if err != nil {
		t.Fatal(err)
	}
}

// TestEveryDeviceStateRecorded wires a full machine (AHCI on) and checks
// every stateful device it has against the golden file of device states, so
// that a device cannot join the machine without its State being recorded
// and checked by internal/dev/states. Then it snapshots the fresh machine
// and checks what Resume refuses: a device of another state version, a
// device missing, a device too many.
func TestEveryDeviceStateRecorded(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the core and SeaBIOS")
	}
	t.Parallel()
	// A blank hard disk to boot from, and a blank AHCI disk.
	hda := filepath.Join(t.TempDir(), "hda.img")
	if err := os.WriteFile(hda, make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Memory: 16 << 20, HDA: hda, AHCIDiskSize: 4 << 20}
	var err error
	if cfg.BIOS, err = images.LoadBIOS("", images.BIOSPaths, "BIOS"); err != nil {
		t.Fatal(err)
	}
	if cfg.VGABIOS, err = images.LoadBIOS("", images.VGABIOSPaths, "VGA BIOS"); err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	golden, err := snapstate.ReadSchemas(devicesGolden)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, d := range m.dev.reg.states {
		names[d.name] = true
		kind, version := d.dev.StateKind()
		if _, err := golden.Check(kind, version, d.dev.SaveState(), "the device through internal/dev/states (add it to its table)"); err != nil {
			t.Errorf("device %s: %v", d.name, err)
		}
	}
	for _, n := range []string{"pit", "rtc", "dma", "fdc", "i8042", "pci", "i440fx", "piix3", "pirq", "vga", "ide", "ahci", "pm", "reset-control", "port92", "com1", "fw_cfg"} {
		if !names[n] {
			t.Errorf("no stateful device %s in the machine", n)
		}
	}

	store := testStore(t)
	if _, err := m.Snapshot(store, "fresh"); err != nil {
		t.Fatal(err)
	}
	snap, err := store.Load("fresh")
	if err != nil {
		t.Fatal(err)
	}
	resave := func(name string, edit func(map[string][]byte)) {
		s, err := store.Load("fresh")
		if err != nil {
			t.Fatal(err)
		}
		edit(s.Devices)
		s.Data = func(pager.Hash) []byte { return make([]byte, pager.PageSize) } // all stored already
		if _, err := store.Save(name, s); err != nil {
			t.Fatal(err)
		}
	}
	env, err := snapstate.Unmarshal("com1", snap.Devices["com1"])
	if err != nil {
		t.Fatal(err)
	}
	env.Version++
	bumped, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	resave("bumped", func(d map[string][]byte) { d["com1"] = bumped })
	resave("missing", func(d map[string][]byte) { delete(d, "ahci") })
	resave("extra", func(d map[string][]byte) { d["nic"] = snap.Devices["com1"] })
	resave("swapped", func(d map[string][]byte) { d["com1"] = snap.Devices["pit"] })
	for name, want := range map[string]string{
		"bumped":  `snapshot "bumped": device com1 (uart16550) has state version 2, this do86 reads version 1: boot again and save a new snapshot`,
		"missing": `snapshot "missing" has no device ahci (ahci): it was made of a machine configured differently`,
		"extra":   `snapshot "extra" has a device nic this machine lacks: it was made of a machine configured differently`,
		"swapped": `snapshot "swapped": device com1 is of kind uart16550, the snapshot's com1 of kind i8254: it was made of a machine configured differently`,
	} {
		_, err := Resume(cfg, store, name)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("resuming %s: %v\nwant %s", name, err, want)
		}
	}
	r, err := Resume(cfg, store, "fresh")
	if err != nil {
		t.Fatalf("resuming the untouched snapshot: %v", err)
	}
	r.Close()
}

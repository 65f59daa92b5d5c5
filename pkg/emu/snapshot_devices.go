package emu

import (
	"crypto/sha256"
	"fmt"
	"reflect"

	"github.com/do86/do86/internal/disk"
	"github.com/do86/do86/pkg/pager"
)

// stateful is a device a snapshot saves: every device package has these.
type stateful interface {
	Save() ([]byte, error)
	Load([]byte) error
}

type namedDevice struct {
	name string
	dev  stateful
}

// stateDevices lists the machine's stateful devices under stable names:
// the type's name, numbered from the second of a type on. The order is the
// wiring order, the same for the same configuration.
func (m *Machine) stateDevices() []namedDevice {
	d := &m.dev
	cands := []any{m.fw, d.pci, d.router, d.pit, d.rtc, d.dma, d.fdc, d.kbc, d.vga, d.ide, d.pm, d.com1}
	if d.ahci != nil {
		cands = append(cands, d.ahci)
	}
	for _, r := range m.resetters {
		cands = append(cands, r)
	}
	for _, t := range m.timers {
		cands = append(cands, t)
	}
	seen := map[any]bool{}
	count := map[string]int{}
	var l []namedDevice
	for _, c := range cands {
		s, ok := c.(stateful)
		if !ok || seen[c] || reflect.ValueOf(c).IsNil() {
			continue
		}
		seen[c] = true
		name := reflect.TypeOf(c).Elem().String()
		count[name]++
		if n := count[name]; n > 1 {
			name = fmt.Sprintf("%s#%d", name, n)
		}
		l = append(l, namedDevice{name, s})
	}
	return append(l, m.usbStateDevices()...)
}

// machineDisks are the writable disks whose changed sectors a snapshot
// keeps, by drive name.
func (m *Machine) machineDisks() []namedDisk {
	var l []namedDisk
	for i, name := range []string{"hda", "hdb"} {
		if dk := m.dev.ide.Disk(0, i); dk != nil && !dk.ReadOnly() {
			l = append(l, namedDisk{name, dk})
		}
	}
	if m.dev.ahci != nil {
		if dk := m.dev.ahci.Disk(0); dk != nil && !dk.ReadOnly() {
			l = append(l, namedDisk{"sata0", dk})
		}
	}
	return l
}

type namedDisk struct {
	name string
	d    *disk.Disk
}

// saveDisk collects a disk's changed sectors in chunks of an aligned group
// of 8 sectors, adding their bytes to data.
func saveDisk(nd namedDisk, data map[pager.Hash][]byte) (pager.Disk, error) {
	out := pager.Disk{Name: nd.name, Sectors: nd.d.Sectors()}
	changed := nd.d.Changed()
	sector := make([]byte, disk.SectorSize)
	for i := 0; i < len(changed); {
		group := changed[i] / 8
		var mask uint8
		var buf []byte
		for ; i < len(changed) && changed[i]/8 == group; i++ {
			if err := nd.d.ReadSectors(changed[i], sector); err != nil {
				return out, err
			}
			mask |= 1 << (changed[i] % 8)
			buf = append(buf, sector...)
		}
		// Chunks are never Zero: zero sectors the guest wrote differ from
		// the image and must be stored.
		h := pager.Hash(sha256.Sum256(buf))
		data[h] = buf
		out.Chunks = append(out.Chunks, pager.Chunk{Group: group, Mask: mask, Hash: h})
	}
	return out, nil
}

// restoreDisk writes a snapshot's chunks back into the disk's overlay.
func restoreDisk(store *pager.Store, nd namedDisk, sd pager.Disk) error {
	if sd.Sectors != nd.d.Sectors() {
		return fmt.Errorf("snapshot: disk %s has %d sectors, the snapshot's %d", nd.name, nd.d.Sectors(), sd.Sectors)
	}
	hashes := make([]pager.Hash, len(sd.Chunks))
	for i, c := range sd.Chunks {
		hashes[i] = c.Hash
	}
	return store.ReadPages(hashes, func(i int, p []byte) error {
		c := sd.Chunks[i]
		for s := uint64(0); s < 8; s++ {
			if c.Mask&(1<<s) == 0 {
				continue
			}
			if len(p) < disk.SectorSize {
				return fmt.Errorf("snapshot: disk %s: chunk %d is short", nd.name, c.Group)
			}
			if err := nd.d.WriteSectors(c.Group*8+s, p[:disk.SectorSize]); err != nil {
				return err
			}
			p = p[disk.SectorSize:]
		}
		return nil
	})
}

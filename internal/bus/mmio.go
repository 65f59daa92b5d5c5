package bus

import (
	"fmt"
	"sort"
)

// MMIO is the memory-mapped I/O bus: the physical ranges the core hands to
// the host (the VGA window, and addresses at or above the end of RAM).
// Ranges may be moved (PCI BARs) with Move.
type MMIO struct {
	ranges []mmioRange

	// Unhandled counts accesses no device claimed.
	Unhandled uint64
}

type mmioRange struct {
	base, size uint32
	dev        MMIODevice
	name       string
}

// Register maps dev at base..base+size-1. It fails on overlap.
func (m *MMIO) Register(base, size uint32, dev MMIODevice, name string) error {
	if size == 0 || uint64(base)+uint64(size) > 1<<32 {
		return fmt.Errorf("bus: %s: bad MMIO range %#x+%#x", name, base, size)
	}
	for _, r := range m.ranges {
		if overlaps(base, size, r.base, r.size) {
			return fmt.Errorf("bus: %s at %#x overlaps %s", name, base, r.name)
		}
	}
	m.ranges = append(m.ranges, mmioRange{base, size, dev, name})
	sort.Slice(m.ranges, func(i, j int) bool { return m.ranges[i].base < m.ranges[j].base })
	return nil
}

func overlaps(a, an, b, bn uint32) bool {
	return uint64(a) < uint64(b)+uint64(bn) && uint64(b) < uint64(a)+uint64(an)
}

// Unregister removes dev's range, if mapped.
func (m *MMIO) Unregister(dev MMIODevice) {
	for i, r := range m.ranges {
		if r.dev == dev {
			m.ranges = append(m.ranges[:i], m.ranges[i+1:]...)
			return
		}
	}
}

// Move remaps dev to a new base (a PCI BAR the guest reprogrammed). A move
// that would overlap another device unmaps dev instead.
func (m *MMIO) Move(dev MMIODevice, base uint32) {
	for _, r := range m.ranges {
		if r.dev == dev {
			m.Unregister(dev)
			_ = m.Register(base, r.size, dev, r.name)
			return
		}
	}
}

func (m *MMIO) find(addr uint32) *mmioRange {
	// Few ranges: a linear scan beats anything cleverer.
	for i := range m.ranges {
		r := &m.ranges[i]
		if addr >= r.base && addr-r.base < r.size {
			return r
		}
	}
	return nil
}

// Read serves a read of size bytes at physical address addr.
func (m *MMIO) Read(addr uint32, size int) uint32 {
	if r := m.find(addr); r != nil {
		return r.dev.ReadMMIO(addr-r.base, size)
	}
	m.Unhandled++
	return Ones(size)
}

// Write serves a write of size bytes at physical address addr.
func (m *MMIO) Write(addr uint32, size int, v uint32) {
	if r := m.find(addr); r != nil {
		r.dev.WriteMMIO(addr-r.base, size, v)
		return
	}
	m.Unhandled++
}

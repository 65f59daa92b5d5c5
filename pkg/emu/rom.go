package emu

import "github.com/do86/do86/internal/bus"

// rom serves a read-only image on the MMIO bus: the pristine BIOS file at
// the top of the 4 GiB address space, where SeaBIOS copies itself from on
// reboot.
type rom struct{ data []byte }

func (r *rom) ReadMMIO(off uint32, size int) uint32 {
	var v uint32
	for i := 0; i < size; i++ {
		if int(off)+i < len(r.data) {
			v |= uint32(r.data[int(off)+i]) << (8 * i)
		}
	}
	return v
}

func (r *rom) WriteMMIO(off uint32, size int, v uint32) {}

var _ bus.MMIODevice = (*rom)(nil)

// unbacked serves physical addresses nothing backs, as a PC does: reads are
// all ones, writes are dropped. It holds the window PAE mappings above
// 4 GiB are redirected to, so that no device can be mapped there.
type unbacked struct{}

func (unbacked) ReadMMIO(off uint32, size int) uint32 { return bus.Ones(size) }

func (unbacked) WriteMMIO(off uint32, size int, v uint32) {}

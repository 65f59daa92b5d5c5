package fwcfg

import (
	"encoding/binary"
	"fmt"
)

// Save returns the device's state for a snapshot: the selected item and the
// read offset into it. The items themselves are the machine's configuration.
func (d *Device) Save() ([]byte, error) {
	b := binary.LittleEndian.AppendUint16(nil, d.sel)
	return binary.LittleEndian.AppendUint64(b, uint64(d.off)), nil
}

// Load restores a state from Save; the items stay as set up.
func (d *Device) Load(b []byte) error {
	if len(b) != 10 {
		return fmt.Errorf("fwcfg: snapshot of %d bytes", len(b))
	}
	d.sel = binary.LittleEndian.Uint16(b)
	d.off = int(binary.LittleEndian.Uint64(b[2:]))
	d.cur = d.items[d.sel&^0x4000]
	return nil
}

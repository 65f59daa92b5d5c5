package acpi

// SMBus host registers (offsets from SMBBA).
const (
	SMBHSTSTS = 0x00 // host status
	SMBHSTCNT = 0x02 // host control
)

// SMBHSTSTS bits.
const (
	smbHostBusy = 1 << 0
	smbDevErr   = 1 << 2 // no device acknowledged the address
	smbStsW1C   = 0x1E   // INTR, DEV_ERR, BUS_ERR, FAILED
	smbStart    = 1 << 6 // SMBHSTCNT: start the transaction
)

// smbus is a host controller with nothing on its bus: every transaction the
// guest starts ends at once with DEV_ERR, so SMBus drivers give up quickly
// instead of timing out.
type smbus struct{ p *PM }

// ReadPort reads the host registers.
func (s *smbus) ReadPort(off uint16, size int) uint32 {
	var v uint32
	for i := 0; i < size; i++ {
		o := int(off) + i
		b := uint8(0xFF)
		if o < smbusIOSize {
			b = s.p.SMB[o]
		}
		v |= uint32(b) << (8 * i)
	}
	return v
}

// WritePort writes the host registers; starting a transaction fails it.
func (s *smbus) WritePort(off uint16, size int, v uint32) {
	for i := 0; i < size; i++ {
		o := int(off) + i
		b := uint8(v >> (8 * i))
		switch {
		case o == SMBHSTSTS:
			s.p.SMB[o] &^= b & smbStsW1C // the guest acknowledges the status
		case o == SMBHSTCNT:
			s.p.SMB[o] = b &^ smbStart
			if b&smbStart != 0 {
				s.p.SMB[SMBHSTSTS] = s.p.SMB[SMBHSTSTS]&^smbHostBusy | smbDevErr
			}
		case o < smbusIOSize:
			s.p.SMB[o] = b
		}
	}
}

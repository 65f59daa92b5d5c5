package ahci

// abar is the register block at BAR5 as the MMIO bus sees it. Registers are
// 32 bits wide; narrower accesses see or change their bytes.
type abar struct{ c *Controller }

// ReadMMIO serves a read of the ABAR.
func (a *abar) ReadMMIO(off uint32, size int) uint32 {
	v := a.c.readReg(off &^ 3)
	v >>= 8 * (off & 3)
	switch size {
	case 1:
		v &= 0xFF
	case 2:
		v &= 0xFFFF
	}
	return v
}

// WriteMMIO serves a write of the ABAR. mask has the bits of the register
// the access covers, so that a byte write to a write-one-to-clear register
// clears only bits of that byte.
func (a *abar) WriteMMIO(off uint32, size int, v uint32) {
	sh := 8 * (off & 3)
	mask := uint32(0xFFFFFFFF)
	switch size {
	case 1:
		mask = 0xFF
	case 2:
		mask = 0xFFFF
	}
	a.c.writeReg(off&^3, (v&mask)<<sh, mask<<sh)
}

// cap returns the host capabilities: the ports, 32 command slots, NCQ,
// command list override, 3 Gb/s, AHCI mode only.
func (c *Controller) cap() uint32 {
	return uint32(len(c.Ports)-1)<<capNP | (numSlots-1)<<capNCS |
		capSNCQ | capSCLO | capSAM | issGen2<<capISS
}

// readReg reads the dword register at off.
func (c *Controller) readReg(off uint32) uint32 {
	if off >= portBase {
		n := int(off-portBase) / portLen
		if n >= len(c.Ports) {
			return 0 // a port that is not implemented: reserved space
		}
		return c.Ports[n].readReg((off - portBase) % portLen)
	}
	switch off {
	case regCAP:
		return c.cap()
	case regGHC:
		return c.GHC
	case regIS:
		return c.IS
	case regPI:
		return 1<<len(c.Ports) - 1
	case regVS:
		return vs10
	}
	// Coalescing, enclosure management, CAP2, BOHC, reserved and vendor
	// registers: none implemented.
	return 0
}

// writeReg writes the bits in mask of the dword register at off.
func (c *Controller) writeReg(off, v, mask uint32) {
	if off >= portBase {
		n := int(off-portBase) / portLen
		if n < len(c.Ports) {
			c.Ports[n].writeReg((off-portBase)%portLen, v, mask)
		}
		return
	}
	switch off {
	case regGHC:
		if v&mask&ghcHR != 0 {
			// The guest resets the HBA; HR reads 0 again at once.
			c.hbaReset()
			return
		}
		// AE is fixed at 1 (AHCI mode only); IE is the guest's.
		c.GHC = c.GHC&^(mask&ghcIE) | v&mask&ghcIE | ghcAE
		c.updateIRQ()
	case regIS:
		// The guest acknowledges ports' interrupts (write one to clear);
		// a port still asserting an enabled interrupt sets its bit again.
		c.IS &^= v & mask
		c.updateIRQ()
	}
}

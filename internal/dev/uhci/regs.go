package uhci

import "github.com/do86/do86/internal/bus"

// registers is the I/O register block at BAR4.
type registers struct{ c *Controller }

// access brings the schedule up to now before the guest looks or changes;
// the CPU runs, so the schedule in memory may be changing too: what a look
// ahead found no longer holds.
func (c *Controller) access() {
	c.catchUp(c.clock.Now())
	c.fresh = false
}

// ReadPort reads registers; any width reads the bytes it covers. Offsets
// beyond the second port read all ones (how software finds the port count).
func (r *registers) ReadPort(off uint16, size int) uint32 {
	c := r.c
	c.access()
	return bus.ReadSplit(c.readByte, off, size)
}

func (c *Controller) readByte(off uint16) uint8 {
	var v uint32
	switch off &^ 1 {
	case RegUSBCMD:
		v = uint32(c.s.Cmd)
	case RegUSBSTS:
		v = uint32(c.s.Sts)
	case RegUSBINTR:
		v = uint32(c.s.Intr)
	case RegFRNUM:
		v = uint32(c.s.Frnum)
	case RegFRBASEADD, RegFRBASEADD + 2:
		return uint8(c.s.FlBase >> (8 * (off - RegFRBASEADD)))
	case RegSOFMOD:
		if off == RegSOFMOD {
			return c.s.SOF
		}
		return 0xFF
	case RegPORTSC1, RegPORTSC2:
		v = uint32(c.portStatus(int(off-RegPORTSC1) / 2))
	default:
		return 0xFF
	}
	return uint8(v >> (8 * (off & 1)))
}

// portStatus is PORTSC as read: the stored bits, the reserved bit that
// always reads 1, and the line state (a full-speed device idles with D+
// high; reset signalling drives both low).
func (c *Controller) portStatus(i int) uint16 {
	sc := c.s.PortSC[i] | PortOne
	if sc&PortCCS != 0 && sc&PortPR == 0 {
		sc |= PortDPlus
	}
	return sc
}

// WritePort writes registers. An access may be narrower or wider than the
// registers it touches: each gets the bytes written to it, and bytes not
// written leave its bits alone (write-1-to-clear bits too).
func (r *registers) WritePort(off uint16, size int, v uint32) {
	c := r.c
	c.access()
	for i := 0; i < size; {
		o := off + uint16(i)
		reg, width := register(o)
		if width == 0 {
			i++
			continue
		}
		// Collect the bytes of this access that fall in reg.
		var val, mask uint32
		for ; i < size && off+uint16(i) < reg+uint16(width); i++ {
			sh := 8 * uint32(off+uint16(i)-reg)
			val |= (v >> (8 * uint32(i)) & 0xFF) << sh
			mask |= 0xFF << sh
		}
		c.writeReg(reg, val, mask)
	}
	c.epoch++
	c.catchUp(c.clock.Now()) // a frame may be due now (run just set)
	c.updateIRQ()
}

// register returns the register holding offset o and its width in bytes
// (0 for none).
func register(o uint16) (uint16, int) {
	switch {
	case o < RegFRBASEADD:
		return o &^ 1, 2
	case o < RegSOFMOD:
		return RegFRBASEADD, 4
	case o == RegSOFMOD:
		return RegSOFMOD, 1
	case o >= RegPORTSC1 && o < RegPORTSC1+2*NumPorts:
		return o &^ 1, 2
	}
	return 0, 0
}

// merge replaces the bits of old that mask selects.
func merge(old, v, mask uint32) uint32 { return old&^mask | v&mask }

func (c *Controller) writeReg(reg uint16, v, mask uint32) {
	switch reg {
	case RegUSBCMD:
		c.writeCommand(uint16(merge(uint32(c.s.Cmd), v, mask) & 0xFF))
	case RegUSBSTS:
		clr := uint16(v & mask & (StsUSBINT | StsERROR | StsRD | StsHSE | StsHCPE))
		c.s.Sts &^= clr
		if clr&StsUSBINT != 0 {
			c.s.IOCCause, c.s.SPCause = false, false
		}
	case RegUSBINTR:
		c.s.Intr = uint16(merge(uint32(c.s.Intr), v, mask) & 0x0F)
	case RegFRNUM:
		// The frame number may be written only while halted (§2.1.4).
		if c.s.Sts&StsHCH != 0 {
			c.s.Frnum = uint16(merge(uint32(c.s.Frnum), v, mask) & 0x7FF)
		}
	case RegFRBASEADD:
		c.s.FlBase = merge(c.s.FlBase, v, mask) &^ 0xFFF
	case RegSOFMOD:
		c.s.SOF = uint8(v & 0x7F)
	case RegPORTSC1, RegPORTSC2:
		c.writePort(int(reg-RegPORTSC1)/2, uint16(v), uint16(mask))
	}
}

// writeCommand applies a new USBCMD value.
func (c *Controller) writeCommand(v uint16) {
	old := c.s.Cmd
	switch {
	case v&CmdHCRESET != 0:
		// The reset completes at once; the bit reads 0 again.
		c.resetRegisters()
		return
	case v&CmdGRESET != 0 && old&CmdGRESET == 0:
		// Global reset: reset signalling on every port and the whole
		// controller reset; the bit stays set until software clears it.
		c.resetRegisters()
		for _, d := range c.devs {
			if d != nil {
				d.Reset()
			}
		}
		c.s.Cmd = CmdGRESET
		return
	}
	c.s.Cmd = v
	switch {
	case v&CmdRS != 0 && c.s.Sts&StsHCH != 0:
		// Run: the frame in FRNUM starts now.
		c.s.Sts &^= StsHCH
		c.s.Frnum = (c.s.Frnum - 1) & 0x7FF
		c.s.Next = c.clock.Now()
	case v&CmdRS == 0 && c.s.Sts&StsHCH == 0:
		// Stop: the current frame has run (frames run as they start).
		c.s.Sts |= StsHCH
	}
	c.fresh = false
}

// writePort applies a PORTSC write: the change bits clear on 1, reset
// signalling starts and ends with PR, and the port can be enabled only
// while a device is connected and not being reset.
func (c *Controller) writePort(i int, v, mask uint16) {
	sc := c.s.PortSC[i]
	sc &^= v & mask & (PortCSC | PortPEC)
	rw := uint16(PortPE | PortRD | PortPR | PortSUSP)
	nv := sc&^(rw&mask) | v&rw&mask
	if nv&PortPR != 0 && sc&PortPR == 0 {
		// Reset signalling begins: the device goes to its Default state
		// and the port is disabled until software enables it.
		if d := c.devs[i]; d != nil {
			d.Reset()
		}
		nv &^= PortPE | PortSUSP
	}
	if nv&PortCCS == 0 || nv&PortPR != 0 {
		nv &^= PortPE
	}
	c.s.PortSC[i] = nv
	c.fresh = false
}

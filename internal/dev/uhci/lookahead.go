package uhci

import "encoding/binary"

// lookAhead walks every frame list entry once without running anything,
// in the order the coming frames will use them, and notes the first frame
// that would change something (a transaction a device would not NAK, a
// TD's status that would change, an interrupt): wakeAt is when it starts.
// quiet says none would, so that until something changes — a register
// access, a device's news, the CPU running — frames can be counted
// without being run. Nodes found idle are remembered across entries, so a
// schedule shared by every entry is walked once.
func (c *Controller) lookAhead() {
	c.fresh, c.quiet = true, true
	if !c.Running() || c.fn.Command()&cmdMaster == 0 {
		return
	}
	c.mem.ReadPhys(c.s.FlBase, c.list[:])
	clear(c.idle)
	c.dry = true
	defer func() { c.dry = false }()
	for k := 0; k < len(c.list)/4; k++ {
		idx := (uint32(c.s.Frnum) + 1 + uint32(k)) & 0x3FF
		if c.walk(binary.LittleEndian.Uint32(c.list[4*idx:])) {
			c.quiet = false
			c.wakeAt = c.s.Next + float64(k)*FrameMS
			return
		}
	}
}

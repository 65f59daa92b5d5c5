package ne2k

// Remote DMA: the host reads and writes the card's memory through the data
// port, from the address in RSAR, for RBCR bytes.

// transferLen is how many bytes one data port access of size bytes moves:
// in word mode (DCR.WTS) at least a word, as the card's 16-bit side always
// moves words; a 32-bit access (the RTL8029AS on PCI) moves a doubleword;
// in byte mode, one byte per byte of the access.
func (c *Card) transferLen(size int) int {
	if c.DCR&DCRWTS != 0 && size < 2 {
		return 2
	}
	return size
}

// dataRead serves an IN from the data port.
func (c *Card) dataRead(size int) uint32 {
	n := c.transferLen(size)
	var v uint32
	for i := 0; i < n; i++ {
		v |= uint32(c.memRead(c.RSAR)) << (8 * i)
		c.advance(true)
	}
	return c.order(v)
}

// dataWrite serves an OUT to the data port.
func (c *Card) dataWrite(size int, v uint32) {
	v = c.order(v)
	n := c.transferLen(size)
	for i := 0; i < n; i++ {
		c.memWrite(c.RSAR, uint8(v>>(8*i)))
		c.advance(false)
	}
}

// order swaps the bytes of each word in word mode with DCR.BOS (a
// big-endian host's byte order).
func (c *Card) order(v uint32) uint32 {
	if c.DCR&(DCRWTS|DCRBOS) != DCRWTS|DCRBOS {
		return v
	}
	return v&0xFF00FF00>>8 | v&0x00FF00FF<<8
}

// advance steps the remote DMA past one byte: the address moves on (a
// remote read wraps from the ring's end to its start, as the DP8390's
// remote DMA does) and the byte count runs down; at zero the transfer is
// complete.
func (c *Card) advance(read bool) {
	c.RSAR++
	if read && c.PSTOP > c.PSTART && c.RSAR == uint16(c.PSTOP)<<8 {
		c.RSAR = uint16(c.PSTART) << 8
	}
	if c.RBCR == 0 {
		return
	}
	c.RBCR--
	if c.RBCR != 0 {
		return
	}
	c.ISR |= ISRRDC
	if c.CR&CRRD == CRRDSend {
		// Send Packet removes the packet it read: the boundary moves
		// to the next one.
		c.CR = c.CR&^CRRD | CRRDAbort
		c.writePage0(BNRY, c.RNPP)
	}
	c.update()
}

// sendPacket starts the Send Packet command: a remote read of the packet
// at the boundary, its length taken from its ring header.
func (c *Card) sendPacket() {
	a := uint16(c.BNRY) << 8
	c.RNPP = c.memRead(a + 1)
	c.RBCR = uint16(c.memRead(a+2)) | uint16(c.memRead(a+3))<<8
	c.RSAR = a
	if c.RBCR == 0 {
		c.ISR |= ISRRDC
	}
}

// memRead reads the card's address space: the PROM (repeated) below the
// buffer memory, all ones above it.
func (c *Card) memRead(a uint16) uint8 {
	switch {
	case a < MemStart:
		return c.prom[a&31]
	case int(a) < MemStart+MemSize:
		return c.Mem[a-MemStart]
	}
	return 0xFF
}

// memWrite writes the buffer memory; elsewhere writes are lost.
func (c *Card) memWrite(a uint16, v uint8) {
	if a >= MemStart && int(a) < MemStart+MemSize {
		c.Mem[a-MemStart] = v
	}
}

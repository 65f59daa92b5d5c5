package ne2k

import "hash/crc32"

// Receive and transmit.

// receiving reports whether frames from the wire may come in now: the card
// is started and not in loopback (where the receiver hears only the card's
// own transmissions).
func (c *Card) receiving() bool {
	return c.CR&CRSTP == 0 && c.CR&CRSTA != 0 && c.TCR&TCRLB == 0
}

// Poll moves the frames waiting on the wire into the receive ring. Call it
// on the emulation goroutine. A frame the card would keep waits on the
// wire while the ring has no room for it. Frames come in as a batch, as
// many as fit, once the guest has acknowledged the ones it was told of or
// has emptied the ring — not one by one as a driver's pass over the ring
// frees pages.
func (c *Card) Poll() {
	if c.wire == nil {
		return
	}
	if c.ISR&ISRPRX != 0 && !c.ringEmpty() {
		return
	}
	for c.receiving() {
		f := c.wire.Peek()
		if f == nil {
			return
		}
		if _, keep := c.accepts(f); keep && c.RCR&RCRMON == 0 && c.ringValid() && !c.fits(len(f)) {
			return
		}
		c.Receive(f)
		c.wire.Pop()
	}
}

// ringEmpty reports whether the guest has read every frame in the ring,
// under either convention drivers keep the boundary by: one page behind
// the next frame to read (Linux) or at it.
func (c *Card) ringEmpty() bool {
	next := c.BNRY + 1
	if next >= c.PSTOP {
		next = c.PSTART
	}
	return c.BNRY == c.CURR || next == c.CURR
}

// Receive is a frame arriving from the wire now (without its FCS). It is
// kept in the ring — the card then reports true — or dropped: the card
// stopped, a runt (unless RCR.AR) or longer than MaxFrame, not for this
// station, monitor mode, or no room in the ring (which is an overflow).
func (c *Card) Receive(frame []byte) bool {
	if c.CR&CRSTP != 0 || c.CR&CRSTA == 0 {
		c.Dropped++
		return false
	}
	status, keep := c.accepts(frame)
	if !keep {
		c.Dropped++
		return false
	}
	if c.RCR&RCRMON != 0 {
		// Monitor mode checks the address and keeps nothing; the frame
		// counts as missed.
		c.RSR = RSRDIS | status
		c.miss()
		return false
	}
	if !c.ringValid() || !c.fits(len(frame)) {
		c.RSR = RSRMPA | status
		c.ISR |= ISROVW | ISRRST
		c.miss()
		return false
	}
	c.store(frame, RSRPRX|status)
	c.RSR = RSRPRX | status
	c.ISR |= ISRPRX
	c.update()
	return true
}

// accepts applies the address filter to a frame's destination: this
// station's address (or any physical address with RCR.PRO), broadcast with
// RCR.AB, multicast with RCR.AM when its hash bit is set in MAR. status is
// RSR.PHY for a group address. Runts and oversized frames are refused.
func (c *Card) accepts(f []byte) (status uint8, keep bool) {
	if len(f) > MaxFrame || len(f) < 6 || len(f) < MinFrame && c.RCR&RCRAR == 0 {
		return 0, false
	}
	dst := f[:6]
	if dst[0]&1 == 0 {
		return 0, c.RCR&RCRPRO != 0 || [6]byte(dst) == c.PAR
	}
	if [6]byte(dst) == [6]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF} {
		return RSRPHY, c.RCR&RCRAB != 0
	}
	h := HashIndex(dst)
	return RSRPHY, c.RCR&RCRAM != 0 && c.MAR[h>>3]&(1<<(h&7)) != 0
}

// HashIndex is the multicast filter bit (0-63) of a destination address:
// the 6 most significant bits of the Ethernet CRC generator after the
// address has gone through it, bit 0 of each byte first. The bit is bit
// (index & 7) of MAR[index >> 3].
func HashIndex(addr []byte) uint8 {
	crc := uint32(0xFFFFFFFF)
	for _, b := range addr {
		for i := 0; i < 8; i++ {
			fb := crc>>31 ^ uint32(b>>i)&1
			crc <<= 1
			if fb != 0 {
				crc ^= 0x04C11DB7
			}
		}
	}
	return uint8(crc >> 26)
}

// ringValid reports whether the guest has set up a receive ring.
func (c *Card) ringValid() bool {
	return c.PSTART < c.PSTOP && c.PSTART >= MemStart>>8
}

// pages is how many ring pages a frame of n bytes takes: the header, the
// frame and its FCS, which the DP8390 stores after it (the header's byte
// count leaves the FCS out).
func pages(n int) int { return (n + headerLen + fcsLen + pageSize - 1) / pageSize }

// fits reports whether a frame of n bytes fits between the current page
// and the boundary. Linking the frame's pages must never reach the
// boundary page; a current page equal to the boundary is an empty ring.
func (c *Card) fits(n int) bool {
	pages := pages(n)
	ring := int(c.PSTOP) - int(c.PSTART)
	free := int(c.BNRY) - int(c.CURR)
	if free <= 0 {
		free += ring
	}
	return pages < free
}

// store writes a frame, its header and its FCS at the current page,
// linking pages with the wrap from PSTOP to PSTART, and moves the current
// page past it.
func (c *Card) store(f []byte, status uint8) {
	n := len(f) + headerLen
	next := c.CURR
	for i := pages(len(f)); i > 0; i-- {
		if next++; next >= c.PSTOP {
			next = c.PSTART
		}
	}
	a := uint16(c.CURR) << 8
	put := func(b uint8) {
		c.memWrite(a, b)
		if a++; a == uint16(c.PSTOP)<<8 {
			a = uint16(c.PSTART) << 8
		}
	}
	put(status)
	put(next)
	put(uint8(n))
	put(uint8(n >> 8))
	for _, b := range f {
		put(b)
	}
	fcs := crc32.ChecksumIEEE(f)
	for i := 0; i < fcsLen; i++ {
		put(uint8(fcs >> (8 * i)))
	}
	c.CLDA = a
	c.CURR = next
}

// miss counts a missed packet in CNTR2.
func (c *Card) miss() {
	c.Dropped++
	c.tally(2)
	c.update()
}

// tally counts in a tally counter; the ISR's CNT bit is set once its MSB is.
func (c *Card) tally(i int) {
	if c.CNTR[i] < 0xFF {
		c.CNTR[i]++
	}
	if c.CNTR[i]&0x80 != 0 {
		c.ISR |= ISRCNT
	}
}

// transmit sends TBCR bytes from the page TPSR: onto the wire, or back to
// the card's own receiver in loopback. The transmission completes at once.
func (c *Card) transmit() {
	n := int(c.TBCR)
	if n <= MaxFrame {
		a := uint16(c.TPSR) << 8
		f := c.txBuf[:n]
		for i := range f {
			f[i] = c.memRead(a)
			a++
		}
		switch {
		case c.TCR&TCRLB != 0:
			c.loopback(f)
		case c.wire != nil && n > 0:
			c.wire.Transmit(f)
		}
	} else {
		c.Dropped++ // too long for any receiver on the wire
	}
	c.TSR = TSRPTX
	c.ISR |= ISRPTX
	c.update()
}

// loopback receives a frame the card itself sent, when it is started.
func (c *Card) loopback(f []byte) {
	if c.CR&CRSTA == 0 || c.CR&CRSTP != 0 {
		return
	}
	c.Receive(f)
}

package ahci

import (
	"encoding/binary"

	"github.com/do86/do86/internal/bus"
)

// prdCursor walks a command's physical region descriptor table: the guest
// memory regions its data is scattered over, in order.
type prdCursor struct {
	mem   bus.Memory
	table uint32 // the command table (the PRDT is at tblPRDT)
	n     int    // entries (the header's PRDTL)

	i    int    // the next entry to load
	addr uint32 // where the current region continues
	left uint32 // bytes left in the current region
	intr bool   // the current region has its I bit

	// Done counts the bytes moved (the header's PRDBC); Interrupt says a
	// region with the I bit was completed.
	Done      uint32
	Interrupt bool
}

// load moves to the next region with room; false when the table is spent.
func (c *prdCursor) load() bool {
	for c.left == 0 {
		if c.i >= c.n {
			return false
		}
		var e [prdLen]byte
		c.mem.ReadPhys(c.table+tblPRDT+uint32(c.i)*prdLen, e[:])
		c.i++
		dw3 := binary.LittleEndian.Uint32(e[12:])
		c.addr = binary.LittleEndian.Uint32(e[0:]) &^ 1 // word aligned
		c.left = dw3&prdDBCMask + 1
		c.intr = dw3&prdI != 0
	}
	return true
}

// advance accounts for n bytes moved in the current region.
func (c *prdCursor) advance(n int) {
	c.addr += uint32(n)
	c.left -= uint32(n)
	c.Done += uint32(n)
	if c.left == 0 && c.intr {
		c.Interrupt = true
	}
}

// toMemory scatters p over the regions and returns the bytes it placed
// (fewer than len(p) when the table is too short).
func (c *prdCursor) toMemory(p []byte) int {
	moved := 0
	for moved < len(p) && c.load() {
		n := min(int(c.left), len(p)-moved)
		c.mem.WritePhys(c.addr, p[moved:moved+n])
		c.advance(n)
		moved += n
	}
	return moved
}

// fromMemory gathers p from the regions and returns the bytes it got.
func (c *prdCursor) fromMemory(p []byte) int {
	moved := 0
	for moved < len(p) && c.load() {
		n := min(int(c.left), len(p)-moved)
		c.mem.ReadPhys(c.addr, p[moved:moved+n])
		c.advance(n)
		moved += n
	}
	return moved
}

package ne2k_test

import (
	"bytes"
	"testing"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/bus/bustest"
	"github.com/do86/do86/internal/dev/ne2k"
)

var testMAC = [6]byte{0x02, 0xD0, 0x86, 0x12, 0x34, 0x56}

// wire is a network a test controls: what the card sent, and frames waiting
// for the card.
type wire struct {
	sent [][]byte
	in   [][]byte
}

func (w *wire) Transmit(f []byte) { w.sent = append(w.sent, append([]byte(nil), f...)) }
func (w *wire) Peek() []byte {
	if len(w.in) == 0 {
		return nil
	}
	return w.in[0]
}
func (w *wire) Pop() { w.in = w.in[1:] }

// rig is a card on a port bus, driven the way its drivers drive it.
type rig struct {
	t     *testing.T
	c     *ne2k.Card
	irq   *bustest.IRQ
	w     *wire
	ports *bus.Ports
	base  uint16
}

func newISA(t *testing.T) *rig {
	t.Helper()
	r := &rig{t: t, irq: &bustest.IRQ{}, w: &wire{}, ports: bus.NewPorts(), base: ne2k.ISABase}
	r.c = ne2k.NewISA(r.irq, testMAC, r.w)
	if err := r.c.Register(r.ports, ne2k.ISABase); err != nil {
		t.Fatal(err)
	}
	return r
}

// newPCI returns an RTL8029AS whose BAR0 the "BIOS" put at 0xC100.
func newPCI(t *testing.T) *rig {
	t.Helper()
	r := &rig{t: t, irq: &bustest.IRQ{}, w: &wire{}, ports: bus.NewPorts(), base: 0xC100}
	r.c = ne2k.NewRTL8029(r.ports, r.irq, testMAC, r.w)
	r.c.PCI().ConfigWrite(0x10, 4, 0xC100)
	r.c.PCI().ConfigWrite(0x04, 2, 0x0005)
	return r
}

func (r *rig) outb(reg uint16, v uint8) { r.ports.Write(r.base+reg, 1, uint32(v)) }
func (r *rig) inb(reg uint16) uint8     { return uint8(r.ports.Read(r.base+reg, 1)) }

// page selects a register page, keeping the card running or stopped.
func (r *rig) page(p uint8) {
	r.outb(ne2k.CR, r.inb(ne2k.CR)&(ne2k.CRSTP|ne2k.CRSTA)|ne2k.CRRDAbort|p<<6)
}

// Ring layout the tests use, as Linux's ne2k-pci lays it out: a transmit
// buffer of 6 pages at 0x40, the ring after it up to 0x80.
const (
	txStart   = 0x40
	ringStart = 0x46
	ringStop  = 0x80
)

// init programs the card as Linux's NS8390_init does and starts it: word or
// byte mode, broadcasts accepted, the ring empty (boundary one page behind
// the current page), every interrupt but RDC unmasked.
func (r *rig) init(word bool, start, stop uint8) {
	dcr := uint8(ne2k.DCRLS | 0x40)
	if word {
		dcr |= ne2k.DCRWTS
	}
	r.outb(ne2k.CR, ne2k.CRSTP|ne2k.CRRDAbort)
	r.outb(ne2k.DCR, dcr)
	r.outb(ne2k.RBCR0, 0)
	r.outb(ne2k.RBCR1, 0)
	r.outb(ne2k.RCR, ne2k.RCRAB)
	r.outb(ne2k.TCR, 0x02) // internal loopback while setting up
	r.outb(ne2k.TPSR, txStart)
	r.outb(ne2k.PSTART, start)
	r.outb(ne2k.BNRY, stop-1)
	r.outb(ne2k.PSTOP, stop)
	r.outb(ne2k.ISR, 0xFF)
	r.outb(ne2k.IMR, 0x3F)
	r.outb(ne2k.CR, ne2k.CRSTP|ne2k.CRRDAbort|0x40)
	for i, b := range testMAC {
		r.outb(ne2k.PAR0+uint16(i), b)
	}
	for i := 0; i < 8; i++ {
		r.outb(ne2k.MAR0+uint16(i), 0)
	}
	r.outb(ne2k.CURR, start)
	r.outb(ne2k.CR, ne2k.CRSTA|ne2k.CRRDAbort)
	r.outb(ne2k.TCR, 0)
}

// dmaSetup programs a remote DMA of n bytes at addr and issues cmd.
func (r *rig) dmaSetup(addr uint16, n int, cmd uint8) {
	r.outb(ne2k.RBCR0, uint8(n))
	r.outb(ne2k.RBCR1, uint8(n>>8))
	r.outb(ne2k.RSAR0, uint8(addr))
	r.outb(ne2k.RSAR1, uint8(addr>>8))
	r.outb(ne2k.CR, r.inb(ne2k.CR)&(ne2k.CRSTP|ne2k.CRSTA)|cmd)
}

// read reads n bytes of card memory at addr with accesses of width bytes
// (a trailing odd part with narrower ones, as ne2k-pci does).
func (r *rig) read(addr uint16, n, width int) []byte {
	r.dmaSetup(addr, n, ne2k.CRRDRead)
	var out []byte
	for len(out) < n {
		w := width
		for w > n-len(out) && w > 1 {
			w /= 2
		}
		v := r.ports.Read(r.base+ne2k.DataPort, w)
		for i := 0; i < w; i++ {
			out = append(out, uint8(v>>(8*i)))
		}
	}
	return out
}

// write writes data into card memory at addr with accesses of width bytes.
func (r *rig) write(addr uint16, data []byte, width int) {
	n := len(data)
	r.dmaSetup(addr, n, ne2k.CRRDWrite)
	for i := 0; i < n; {
		w := width
		for w > n-i && w > 1 {
			w /= 2
		}
		var v uint32
		for k := 0; k < w; k++ {
			v |= uint32(data[i+k]) << (8 * k)
		}
		r.ports.Write(r.base+ne2k.DataPort, w, v)
		i += w
	}
}

// send transmits a frame the way ei_start_xmit does.
func (r *rig) send(f []byte, width int) {
	r.write(txStart<<8, f, width)
	r.outb(ne2k.TPSR, txStart)
	r.outb(ne2k.TBCR0, uint8(len(f)))
	r.outb(ne2k.TBCR1, uint8(len(f)>>8))
	r.outb(ne2k.CR, ne2k.CRSTA|ne2k.CRRDAbort|ne2k.CRTXP)
}

// rxFrame is one frame read out of the ring with its header.
type rxFrame struct {
	status, next uint8
	count        int
	data         []byte
}

// receive empties the ring as Linux's ei_receive does: from the page after
// the boundary up to the current page, moving the boundary behind each
// frame read. Reads use the remote DMA's wrap at the ring's end.
func (r *rig) receive(width int) []rxFrame {
	r.t.Helper()
	var out []rxFrame
	for i := 0; i < 100000; i++ {
		r.page(1)
		curr := r.inb(ne2k.CURR)
		r.page(0)
		start, stop := r.ringBounds()
		this := r.inb(ne2k.BNRY) + 1
		if this >= stop {
			this = start
		}
		if this == curr {
			return out
		}
		h := r.read(uint16(this)<<8, 4, width)
		f := rxFrame{status: h[0], next: h[1], count: int(h[2]) | int(h[3])<<8}
		if f.count < 4 || f.count > 1518 || f.next < start || f.next >= stop {
			r.t.Fatalf("bad ring header at page %#x: % x", this, h)
		}
		f.data = r.read(uint16(this)<<8+4, f.count-4, width)
		out = append(out, f)
		b := f.next - 1
		if f.next == start {
			b = stop - 1
		}
		r.outb(ne2k.BNRY, b)
	}
	r.t.Fatal("the ring never emptied")
	return nil
}

// ringBounds reads PSTART and PSTOP from page 2.
func (r *rig) ringBounds() (uint8, uint8) {
	r.page(2)
	s, e := r.inb(ne2k.PSTART), r.inb(ne2k.PSTOP)
	r.page(0)
	return s, e
}

// frame builds an Ethernet frame of n bytes (without FCS) to dst, with a
// recognisable payload seeded by seq.
func frame(dst [6]byte, n int, seq int) []byte {
	f := make([]byte, max(n, 12))
	copy(f, dst[:])
	copy(f[6:], []byte{0x52, 0x55, 0x0A, 0x00, 0x02, 0x02})
	f = f[:n]
	if n >= 14 {
		f[12], f[13] = 0x08, 0x00
	}
	for i := 14; i < n; i++ {
		f[i] = uint8(seq*7 + i)
	}
	return f
}

func eq(a, b []byte) bool { return bytes.Equal(a, b) }

package ne2k_test

import (
	"bytes"
	"hash/crc32"
	"math/bits"
	"testing"

	"github.com/do86/do86/internal/dev/ne2k"
)

// TestPROM reads the station address PROM the ways the drivers do: Linux's
// ne probe in byte mode (32 bytes, each doubled, 0x57 0x57 marking a 16-bit
// card), ne2k-pci with byte reads in word mode (each read moves a word).
func TestPROM(t *testing.T) {
	t.Parallel()
	r := newISA(t)
	r.outb(ne2k.CR, ne2k.CRSTP|ne2k.CRRDAbort)
	r.outb(ne2k.DCR, 0x48)
	p := r.read(0, 32, 1)
	for i := 0; i < 32; i += 2 {
		if p[i] != p[i+1] {
			t.Fatalf("PROM byte %d not doubled: % x", i, p)
		}
	}
	if !eq(p[0:12:12], []byte{0x02, 0x02, 0xD0, 0xD0, 0x86, 0x86, 0x12, 0x12, 0x34, 0x34, 0x56, 0x56}) || p[28] != 0x57 || p[30] != 0x57 {
		t.Fatalf("PROM in byte mode: % x", p)
	}

	r.outb(ne2k.DCR, 0x49)
	r.dmaSetup(0, 32, ne2k.CRRDRead)
	var sa []byte
	for i := 0; i < 32; i++ {
		sa = append(sa, r.inb(ne2k.DataPort))
	}
	if !eq(sa[:6], testMAC[:]) {
		t.Fatalf("ne2k-pci's PROM read (inb in word mode) gave % x, want the MAC % x", sa[:6], testMAC)
	}
	if r.c.StationAddress() != testMAC {
		t.Fatal("StationAddress")
	}
}

// TestIdentity: the RTL8029AS answers its ID bytes and the PCI identity;
// the ISA NE2000 has neither.
func TestIdentity(t *testing.T) {
	t.Parallel()
	p := newPCI(t)
	if a, b := p.inb(ne2k.ID0), p.inb(ne2k.ID1); a != 'P' || b != 'C' {
		t.Errorf("RTL8029AS 8029ID0/1 = %#x %#x, want 'P' 'C'", a, b)
	}
	p.page(3)
	if a, b := p.inb(ne2k.ASID0), p.inb(ne2k.ASID1); a != 0x29 || b != 0x80 {
		t.Errorf("8029ASID0/1 = %#x %#x", a, b)
	}
	fn := p.c.PCI()
	if v := fn.ConfigRead(0, 4); v != 0x802910EC {
		t.Errorf("vendor/device %#x", v)
	}
	if v := fn.ConfigRead(0x08, 4) >> 8; v != 0x020000 {
		t.Errorf("class %#x, want an Ethernet controller", v)
	}
	if v := fn.ConfigRead(0x3D, 1); v != 1 {
		t.Errorf("interrupt pin %d, want INTA", v)
	}
	fn.ConfigWrite(0x10, 4, 0xFFFFFFFF)
	if v := fn.ConfigRead(0x10, 4); v != 0xFFFFFFE1 {
		t.Errorf("BAR0 size probe %#x, want an I/O BAR of 32 bytes", v)
	}
	fn.ConfigWrite(0x10, 4, 0xD000)
	if p.ports.Name(0xD000) != "rtl8029" || p.ports.Name(0xD01F) != "rtl8029" || p.ports.Name(0xC100) != "" {
		t.Errorf("after moving BAR0 to 0xD000: %q %q %q", p.ports.Name(0xD000), p.ports.Name(0xD01F), p.ports.Name(0xC100))
	}

	i := newISA(t)
	if a := i.inb(ne2k.ID0); a != 0xFF {
		t.Errorf("NE2000 offset 0x0A reads %#x", a)
	}
	if i.c.PCI() != nil {
		t.Error("the ISA card has a PCI function")
	}
	if i.ports.Name(0x300) != "ne2k" || i.ports.Name(0x31F) != "ne2k" {
		t.Error("the ISA card is not at 0x300-0x31F")
	}
}

// TestRemoteDMA writes and reads the buffer memory with 8-, 16- and 32-bit
// accesses in byte and word mode, checks the running address and count and
// that RDC comes when the count runs out.
func TestRemoteDMA(t *testing.T) {
	t.Parallel()
	data := make([]byte, 301)
	for i := range data {
		data[i] = uint8(i*13 + 5)
	}
	for _, c := range []struct {
		name         string
		word         bool
		wWidth, rWid int
	}{
		{"byte mode, 8-bit", false, 1, 1},
		{"word mode, 16-bit", true, 2, 2},
		{"word mode, 32-bit (PCI)", true, 4, 4},
		{"written 16-bit, read 32-bit", true, 2, 4},
		{"written 8-bit (byte mode), read 16-bit (word mode)", false, 1, 2},
	} {
		r := newPCI(t)
		r.init(c.word, ringStart, ringStop)
		r.write(0x5000, data, c.wWidth)
		if r.inb(ne2k.ISR)&ne2k.ISRRDC == 0 {
			t.Errorf("%s: no RDC after the write", c.name)
		}
		if a := uint16(r.inb(ne2k.CRDA0)) | uint16(r.inb(ne2k.CRDA1))<<8; a != 0x5000+uint16(len(data)) && !(c.word && a == 0x5000+uint16(len(data))+1) {
			t.Errorf("%s: CRDA %#x after the write", c.name, a)
		}
		r.outb(ne2k.ISR, ne2k.ISRRDC)
		if c.name == "written 8-bit (byte mode), read 16-bit (word mode)" {
			r.outb(ne2k.DCR, 0x49)
		}
		got := r.read(0x5000, len(data), c.rWid)
		if !bytes.Equal(got, data) {
			t.Errorf("%s: read back differs:\n got % x\nwant % x", c.name, got[:32], data[:32])
		}
		if r.inb(ne2k.ISR)&ne2k.ISRRDC == 0 {
			t.Errorf("%s: no RDC after the read", c.name)
		}
		if r.irq.Level {
			t.Errorf("%s: RDC interrupted with its mask bit clear", c.name)
		}
	}
	// With RDC unmasked, completion interrupts; acknowledging it lowers the line.
	r := newISA(t)
	r.init(true, ringStart, ringStop)
	r.outb(ne2k.IMR, ne2k.ISRRDC)
	r.write(0x4000, data[:64], 2)
	if !r.irq.Level {
		t.Fatal("RDC with IMR.RDC set raised no interrupt")
	}
	r.outb(ne2k.ISR, ne2k.ISRRDC)
	if r.irq.Level || r.inb(ne2k.ISR)&ne2k.ISRRDC != 0 {
		t.Fatal("writing RDC to ISR did not clear it and the line")
	}
	// Memory outside the buffer: writes are lost, reads are all ones.
	r.write(0xC000, []byte{1, 2}, 2)
	if got := r.read(0xC000, 2, 2); !eq(got, []byte{0xFF, 0xFF}) {
		t.Errorf("beyond the buffer: % x", got)
	}
}

// TestTransmit: a frame written to the transmit buffer goes out whole on
// TXP, with PTX in TSR and ISR and an interrupt.
func TestTransmit(t *testing.T) {
	t.Parallel()
	r := newISA(t)
	r.init(true, ringStart, ringStop)
	f := frame([6]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, 1514, 3)
	r.send(f, 2)
	if len(r.w.sent) != 1 || !bytes.Equal(r.w.sent[0], f) {
		t.Fatalf("the wire got %d frames, want the one sent", len(r.w.sent))
	}
	if r.inb(ne2k.TSR)&ne2k.TSRPTX == 0 || r.inb(ne2k.ISR)&ne2k.ISRPTX == 0 {
		t.Fatal("no PTX after the transmission")
	}
	if !r.irq.Level {
		t.Fatal("PTX raised no interrupt")
	}
	if r.inb(ne2k.CR)&ne2k.CRTXP != 0 {
		t.Fatal("TXP still set after the transmission completed")
	}
	r.outb(ne2k.ISR, ne2k.ISRPTX)
	if r.irq.Level {
		t.Fatal("acknowledging PTX left the line up")
	}
	// An odd-length short frame with 8-bit accesses in byte mode.
	r.outb(ne2k.DCR, 0x48)
	g := frame(testMAC, 61, 9)
	r.send(g, 1)
	if len(r.w.sent) != 2 || !bytes.Equal(r.w.sent[1], g) {
		t.Fatal("the 61-byte frame did not go out whole")
	}
	// Too long for any receiver: completes, but nothing goes on the wire.
	r.outb(ne2k.TBCR0, 0xEB)
	r.outb(ne2k.TBCR1, 0x05) // 1515
	r.outb(ne2k.CR, ne2k.CRSTA|ne2k.CRRDAbort|ne2k.CRTXP)
	if len(r.w.sent) != 2 {
		t.Fatal("a 1515-byte frame went out")
	}
	// Stopped: TXP does nothing.
	r.outb(ne2k.CR, ne2k.CRSTP|ne2k.CRRDAbort)
	r.outb(ne2k.TBCR0, 60)
	r.outb(ne2k.TBCR1, 0)
	r.outb(ne2k.CR, ne2k.CRSTP|ne2k.CRRDAbort|ne2k.CRTXP)
	if len(r.w.sent) != 2 {
		t.Fatal("a stopped card transmitted")
	}
}

// TestLoopback: in internal loopback the card hears its own frame and the
// wire hears nothing.
func TestLoopback(t *testing.T) {
	t.Parallel()
	r := newISA(t)
	r.init(true, ringStart, ringStop)
	r.outb(ne2k.TCR, 0x02)
	f := frame(testMAC, 100, 1)
	r.send(f, 2)
	if len(r.w.sent) != 0 {
		t.Fatal("a loopback frame reached the wire")
	}
	got := r.receive(2)
	if len(got) != 1 || !bytes.Equal(got[0].data, f) {
		t.Fatalf("loopback: received %d frames", len(got))
	}
}

// TestHashIndex checks the multicast hash against the CRC-32 of the
// standard library: the generator's top 6 bits are the reflected
// checksum's low 6 bits, inverted and reversed.
func TestHashIndex(t *testing.T) {
	t.Parallel()
	for _, a := range [][]byte{
		{0x01, 0x00, 0x5E, 0x00, 0x00, 0x01},
		{0x01, 0x00, 0x5E, 0x7F, 0xFF, 0xFA},
		{0x33, 0x33, 0x00, 0x00, 0x00, 0x01},
		{0x01, 0x80, 0xC2, 0x00, 0x00, 0x00},
	} {
		want := uint8(bits.Reverse32(^crc32.ChecksumIEEE(a)) >> 26)
		if got := ne2k.HashIndex(a); got != want {
			t.Errorf("HashIndex(% x) = %d, want %d", a, got, want)
		}
	}
}

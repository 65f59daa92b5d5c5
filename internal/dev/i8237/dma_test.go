package i8237_test

import (
	"bytes"
	"testing"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/bus/bustest"
	"github.com/do86/do86/internal/dev/i8237"
)

type rig struct {
	dma   *i8237.DMA
	ports *bus.Ports
	mem   *bustest.Memory
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{mem: bustest.NewMemory(1 << 20), ports: bus.NewPorts()}
	r.dma = i8237.New(r.mem)
	if err := r.dma.Register(r.ports); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rig) out(port uint16, v uint8) { r.ports.Write(port, 1, uint32(v)) }
func (r *rig) in(port uint16) uint8     { return uint8(r.ports.Read(port, 1)) }

// chanPorts are the ports a guest uses for one channel.
type chanPorts struct {
	addr, count, page, mask, mode, flipflop, status, allMask uint16
}

var portsOf = map[int]chanPorts{
	0: {0x00, 0x01, 0x87, 0x0A, 0x0B, 0x0C, 0x08, 0x0F},
	1: {0x02, 0x03, 0x83, 0x0A, 0x0B, 0x0C, 0x08, 0x0F},
	2: {0x04, 0x05, 0x81, 0x0A, 0x0B, 0x0C, 0x08, 0x0F},
	3: {0x06, 0x07, 0x82, 0x0A, 0x0B, 0x0C, 0x08, 0x0F},
	5: {0xC4, 0xC6, 0x8B, 0xD4, 0xD6, 0xD8, 0xD0, 0xDE},
	6: {0xC8, 0xCA, 0x89, 0xD4, 0xD6, 0xD8, 0xD0, 0xDE},
	7: {0xCC, 0xCE, 0x8A, 0xD4, 0xD6, 0xD8, 0xD0, 0xDE},
}

// program sets up a channel the way a floppy driver does: mask, clear the
// flip-flop, mode, address, page, count, unmask.
func (r *rig) program(ch int, mode uint8, addr uint16, page uint8, count uint16) {
	p := portsOf[ch]
	sel := uint8(ch % 4)
	r.out(p.mask, 0x04|sel)
	r.out(p.flipflop, 0)
	r.out(p.mode, mode|sel)
	r.out(p.addr, uint8(addr))
	r.out(p.addr, uint8(addr>>8))
	r.out(p.page, page)
	r.out(p.flipflop, 0)
	r.out(p.count, uint8(count))
	r.out(p.count, uint8(count>>8))
	r.out(p.mask, sel)
}

// reg16 reads a channel's current address or count register.
func (r *rig) reg16(ch int, count bool) uint16 {
	p := portsOf[ch]
	port := p.addr
	if count {
		port = p.count
	}
	r.out(p.flipflop, 0)
	lo := r.in(port)
	return uint16(lo) | uint16(r.in(port))<<8
}

func pattern(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7 + 1)
	}
	return p
}

func TestWriteTransfers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		ch        int
		mode      uint8
		addr      uint16
		page      uint8
		count     uint16
		data      int
		wantN     int
		wantTC    bool
		wantAt    uint32 // physical address of the first byte
		wantAddr  uint16 // current address afterwards
		wantCount uint16
	}{
		{"floppy sector on channel 2", 2, 0x46, 0x1000, 0x02, 511, 512, 512, true, 0x21000, 0x1200, 0xFFFF},
		{"partial, no TC", 2, 0x46, 0x1000, 0x02, 1023, 512, 512, false, 0x21000, 0x1200, 511},
		{"device offers more than the count", 1, 0x44, 0x0000, 0x05, 99, 512, 100, true, 0x50000, 100, 0xFFFF},
		{"channel 0 page 0x87", 0, 0x44, 0x8000, 0x0F, 15, 16, 16, true, 0xF8000, 0x8010, 0xFFFF},
		{"channel 3 page 0x82", 3, 0x44, 0x0010, 0x00, 3, 4, 4, true, 0x00010, 0x0014, 0xFFFF},
		{"16-bit channel 5, page bit 0 ignored", 5, 0x44, 0x0800, 0x03, 3, 8, 8, true, 0x21000, 0x0804, 0xFFFF},
		{"16-bit channel 6 odd byte left", 6, 0x44, 0x0001, 0x04, 9, 7, 6, false, 0x40002, 0x0004, 6},
		{"16-bit channel 7", 7, 0x44, 0x8000, 0x0E, 255, 512, 512, true, 0xF0000, 0x8100, 0xFFFF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.program(tc.ch, tc.mode, tc.addr, tc.page, tc.count)
			data := pattern(tc.data)
			n, done := r.dma.WriteMemory(tc.ch, data)
			if n != tc.wantN || done != tc.wantTC {
				t.Fatalf("moved %d tc %v, want %d %v", n, done, tc.wantN, tc.wantTC)
			}
			if got := r.mem.RAM[tc.wantAt : tc.wantAt+uint32(n)]; !bytes.Equal(got, data[:n]) {
				t.Fatalf("memory at %#x = % x..., want % x...", tc.wantAt, got[:4], data[:4])
			}
			if r.mem.RAM[tc.wantAt-1] != 0 || r.mem.RAM[tc.wantAt+uint32(n)] != 0 {
				t.Fatalf("bytes written outside the transfer")
			}
			if len(r.mem.Dirty) == 0 {
				t.Fatalf("no WritePhys reported")
			}
			if a, c := r.reg16(tc.ch, false), r.reg16(tc.ch, true); a != tc.wantAddr || c != tc.wantCount {
				t.Fatalf("address %#x count %#x, want %#x %#x", a, c, tc.wantAddr, tc.wantCount)
			}
			p := portsOf[tc.ch]
			bit := uint8(1) << (tc.ch % 4)
			status := r.in(p.status)
			if (status&bit != 0) != tc.wantTC {
				t.Fatalf("status %#x: TC bit for channel %d should be %v", status, tc.ch, tc.wantTC)
			}
			if r.in(p.status)&0x0F != 0 {
				t.Fatalf("reading status did not clear the TC bits")
			}
			// Without auto-init, terminal count masks the channel.
			if masked := r.in(p.allMask)&bit != 0; masked != tc.wantTC {
				t.Fatalf("mask bit after transfer %v, want %v", masked, tc.wantTC)
			}
			if tc.wantTC {
				if n, _ := r.dma.WriteMemory(tc.ch, data); n != 0 {
					t.Fatalf("moved %d bytes after terminal count", n)
				}
			}
		})
	}
}

func TestTransferContinues(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.program(2, 0x46, 0x4000, 0x01, 1023)
	a, b := pattern(512), pattern(512)
	for i := range b {
		b[i] ^= 0xFF
	}
	if n, tc := r.dma.WriteMemory(2, a); n != 512 || tc {
		t.Fatalf("first half: %d %v", n, tc)
	}
	if n, tc := r.dma.WriteMemory(2, b); n != 512 || !tc {
		t.Fatalf("second half: %d %v", n, tc)
	}
	if !bytes.Equal(r.mem.RAM[0x14000:0x14200], a) || !bytes.Equal(r.mem.RAM[0x14200:0x14400], b) {
		t.Fatalf("halves not contiguous")
	}
}

func TestAutoInit(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.program(2, 0x56, 0x2000, 0x00, 99) // write, auto-init
	for round := 0; round < 3; round++ {
		data := pattern(150)
		data[0] = byte(round + 1)
		n, tc := r.dma.WriteMemory(2, data)
		if n != 100 || !tc {
			t.Fatalf("round %d: %d %v, want 100 true", round, n, tc)
		}
		if r.mem.RAM[0x2000] != byte(round+1) {
			t.Fatalf("round %d did not start over at the base address", round)
		}
		if a, c := r.reg16(2, false), r.reg16(2, true); a != 0x2000 || c != 99 {
			t.Fatalf("round %d: address %#x count %d after reload", round, a, c)
		}
	}
	if r.dma.Masked(2) {
		t.Fatalf("auto-init channel masked at terminal count")
	}
}

func TestDecrement(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.program(1, 0x64, 0x1001, 0x00, 3) // write, decrement
	n, tc := r.dma.WriteMemory(1, []byte{1, 2, 3, 4})
	if n != 4 || !tc {
		t.Fatalf("%d %v", n, tc)
	}
	if got := r.mem.RAM[0x0FFE:0x1002]; !bytes.Equal(got, []byte{4, 3, 2, 1}) {
		t.Fatalf("memory % x, want 04 03 02 01", got)
	}
	if a := r.reg16(1, false); a != 0x0FFD {
		t.Fatalf("address %#x, want 0xffd", a)
	}

	// A decrementing read on a 16-bit channel keeps each word's byte order.
	copy(r.mem.RAM[0x20000:], []byte{0xA0, 0xA1, 0xB0, 0xB1})
	r.program(5, 0x68, 0x0001, 0x02, 1) // read, decrement
	p := make([]byte, 4)
	if n, tc := r.dma.ReadMemory(5, p); n != 4 || !tc {
		t.Fatalf("16-bit read: %d %v", n, tc)
	}
	if !bytes.Equal(p, []byte{0xB0, 0xB1, 0xA0, 0xA1}) {
		t.Fatalf("16-bit decrementing read % x", p)
	}
}

func TestAddressWrapsWithinPage(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.program(3, 0x44, 0xFFFE, 0x01, 3)
	if n, tc := r.dma.WriteMemory(3, []byte{1, 2, 3, 4}); n != 4 || !tc {
		t.Fatalf("%d %v", n, tc)
	}
	if !bytes.Equal(r.mem.RAM[0x1FFFE:0x20000], []byte{1, 2}) || !bytes.Equal(r.mem.RAM[0x10000:0x10002], []byte{3, 4}) {
		t.Fatalf("wrap: % x / % x", r.mem.RAM[0x1FFFE:0x20000], r.mem.RAM[0x10000:0x10002])
	}
	if r.mem.RAM[0x20000] != 0 {
		t.Fatalf("transfer crossed into the next page")
	}
}

func TestReadTransfer(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	want := pattern(512)
	copy(r.mem.RAM[0x31000:], want)
	r.program(2, 0x4A, 0x1000, 0x03, 511) // read (memory to device)
	p := make([]byte, 512)
	if n, tc := r.dma.ReadMemory(2, p); n != 512 || !tc {
		t.Fatalf("%d %v", n, tc)
	}
	if !bytes.Equal(p, want) {
		t.Fatalf("read % x..., want % x...", p[:4], want[:4])
	}
	if len(r.mem.Dirty) != 0 {
		t.Fatalf("a read transfer wrote memory")
	}
}

func TestVerifyTouchesNoMemory(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.program(2, 0x40, 0x1000, 0x00, 9) // verify
	if n, tc := r.dma.WriteMemory(2, pattern(10)); n != 10 || !tc {
		t.Fatalf("%d %v", n, tc)
	}
	if len(r.mem.Dirty) != 0 || r.mem.RAM[0x1000] != 0 {
		t.Fatalf("verify wrote memory")
	}
}

func TestMasks(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	// Power-on: every channel masked.
	if n, _ := r.dma.WriteMemory(2, []byte{1}); n != 0 {
		t.Fatalf("masked channel moved %d bytes", n)
	}
	if got := r.in(0x0F) & 0x0F; got != 0x0F {
		t.Fatalf("mask register %#x, want all masked", got)
	}
	r.program(2, 0x44, 0, 0, 9)
	r.out(0x0F, 0x04) // all-mask register: mask channel 2 only
	if !r.dma.Masked(2) || r.dma.Masked(1) {
		t.Fatalf("all-mask register: masks wrong")
	}
	r.out(0x0E, 0) // clear all masks
	if r.dma.Masked(2) || r.in(0x0F)&0x0F != 0 {
		t.Fatalf("clear mask register did not unmask")
	}
	r.out(0x0A, 0x06) // single mask: set channel 2
	if n, _ := r.dma.WriteMemory(2, []byte{1}); n != 0 {
		t.Fatalf("single-masked channel moved %d bytes", n)
	}
	r.out(0x0A, 0x02)
	r.out(0x08, i8237.CommandDisable)
	if n, _ := r.dma.WriteMemory(2, []byte{1}); n != 0 {
		t.Fatalf("disabled controller moved %d bytes", n)
	}
	r.out(0x08, 0)
	if n, _ := r.dma.WriteMemory(2, []byte{1}); n != 1 {
		t.Fatalf("enabled channel moved %d bytes", n)
	}
	// The second controller has its own masks.
	r.out(0xDE, 0x0E)
	if !r.dma.Masked(5) || r.dma.Masked(4) || r.dma.Masked(2) {
		t.Fatalf("16-bit controller masks wrong")
	}
	// Master clear masks everything on that controller only.
	r.out(0x0D, 0)
	if !r.dma.Masked(2) || !r.dma.Masked(0) || r.dma.Masked(4) {
		t.Fatalf("master clear")
	}
}

func TestRequestAndStatus(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.out(0x09, 0x05) // software request on channel 1
	if got := r.in(0x08); got != 0x20 {
		t.Fatalf("status %#x, want request bit for channel 1", got)
	}
	r.program(1, 0x44, 0, 0, 0)
	r.dma.WriteMemory(1, []byte{9})
	if got := r.in(0x08); got != 0x02 {
		t.Fatalf("status after TC %#x, want TC 1, request cleared", got)
	}
	r.out(0xD2, 0x06) // request on channel 6
	if got := r.in(0xD0); got != 0x40 {
		t.Fatalf("16-bit status %#x", got)
	}
}

func TestFlipFlopAndPages(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.out(0x0C, 0)
	r.out(0x02, 0x34)
	r.out(0x02, 0x12)
	// Address and count share the flip-flop: it is now back at the LSB.
	r.out(0x03, 0x78)
	r.out(0x03, 0x56)
	if a, c := r.reg16(1, false), r.reg16(1, true); a != 0x1234 || c != 0x5678 {
		t.Fatalf("address %#x count %#x", a, c)
	}
	for p := uint16(0x80); p <= 0x8F; p++ {
		r.out(p, uint8(p)^0x5A)
	}
	for p := uint16(0x80); p <= 0x8F; p++ {
		if got := r.in(p); got != uint8(p)^0x5A {
			t.Fatalf("page port %#x = %#x", p, got)
		}
	}
	if got := r.in(0x0B); got != 0xFF {
		t.Fatalf("write-only mode register read %#x, want 0xff", got)
	}
}

func TestReset(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.program(2, 0x44, 0x1000, 0x01, 9)
	r.dma.Reset()
	if !r.dma.Masked(2) {
		t.Fatalf("channel unmasked after reset")
	}
	if r.in(0x81) != 0 || r.reg16(2, false) != 0 {
		t.Fatalf("registers survive reset")
	}
}

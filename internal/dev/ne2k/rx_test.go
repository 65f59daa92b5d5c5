package ne2k_test

import (
	"bytes"
	"testing"

	"github.com/do86/do86/internal/dev/ne2k"
)

// TestReceiveRing: frames come into the ring with their headers, the ring
// wraps from PSTOP to PSTART (a frame split across the end reads back whole
// through the remote DMA's wrap), and an interrupt announces them.
func TestReceiveRing(t *testing.T) {
	t.Parallel()
	r := newPCI(t)
	// A small ring of 10 pages, so that frames wrap soon.
	const start, stop = 0x46, 0x50
	r.init(true, start, stop)
	total := 0
	for round := 0; round < 8; round++ {
		var sent [][]byte
		for i := 0; i < 2; i++ {
			f := frame(testMAC, 200+round*90+i*40, round*2+i)
			if !r.c.Receive(f) {
				t.Fatalf("round %d: frame %d refused with room in the ring", round, i)
			}
			sent = append(sent, f)
		}
		if !r.irq.Level || r.inb(ne2k.ISR)&ne2k.ISRPRX == 0 {
			t.Fatalf("round %d: no PRX interrupt", round)
		}
		if r.inb(ne2k.RSR) != ne2k.RSRPRX {
			t.Fatalf("round %d: RSR %#x", round, r.inb(ne2k.RSR))
		}
		r.outb(ne2k.ISR, ne2k.ISRPRX)
		got := r.receive(4)
		if len(got) != len(sent) {
			t.Fatalf("round %d: read %d frames, want %d", round, len(got), len(sent))
		}
		for i := range got {
			if got[i].status != ne2k.RSRPRX || got[i].count != len(sent[i])+4 || !bytes.Equal(got[i].data, sent[i]) {
				t.Fatalf("round %d frame %d: status %#x count %d, data equal %v", round, i, got[i].status, got[i].count, bytes.Equal(got[i].data, sent[i]))
			}
		}
		total += len(got)
	}
	r.page(1)
	curr := r.inb(ne2k.CURR)
	r.page(0)
	if total != 16 || curr < start || curr >= stop {
		t.Fatalf("%d frames, CURR %#x", total, curr)
	}
}

// TestOverflow: frames that do not fit are dropped with OVW, the missed
// packet tally and the reset status; what was stored reads back intact, and
// once the guest has emptied the ring (Linux's overrun recovery: stop,
// loopback, start, read, acknowledge) frames come in again.
func TestOverflow(t *testing.T) {
	t.Parallel()
	r := newISA(t)
	r.init(true, ringStart, ringStop) // 58 pages
	var kept [][]byte
	missed := 0
	for i := 0; i < 40; i++ {
		f := frame(testMAC, 1000, i) // 4 pages each
		if r.c.Receive(f) {
			if missed > 0 {
				t.Fatal("a frame was kept after one was missed, with nothing read")
			}
			kept = append(kept, f)
		} else {
			missed++
		}
	}
	if len(kept) != 14 || missed != 26 {
		t.Fatalf("kept %d, missed %d; want 14 (57 usable pages / 4) and 26", len(kept), missed)
	}
	isr := r.inb(ne2k.ISR)
	if isr&ne2k.ISROVW == 0 || isr&ne2k.ISRRST == 0 || !r.irq.Level {
		t.Fatalf("ISR %#x after the overflow", isr)
	}
	if r.inb(ne2k.RSR)&ne2k.RSRMPA == 0 {
		t.Fatal("RSR lacks MPA")
	}
	if n := r.inb(ne2k.CNTR2); n != 26 {
		t.Fatalf("CNTR2 = %d, want 26", n)
	}
	if n := r.inb(ne2k.CNTR2); n != 0 {
		t.Fatalf("CNTR2 not cleared by its read: %d", n)
	}
	// The recovery of ei_rx_overrun.
	r.outb(ne2k.CR, ne2k.CRSTP|ne2k.CRRDAbort)
	r.outb(ne2k.RBCR0, 0)
	r.outb(ne2k.RBCR1, 0)
	r.outb(ne2k.TCR, 0x02)
	r.outb(ne2k.CR, ne2k.CRSTA|ne2k.CRRDAbort)
	got := r.receive(2)
	r.outb(ne2k.ISR, ne2k.ISROVW)
	r.outb(ne2k.TCR, 0)
	if len(got) != len(kept) {
		t.Fatalf("read %d frames after the overflow, want %d", len(got), len(kept))
	}
	for i := range got {
		if !bytes.Equal(got[i].data, kept[i]) {
			t.Fatalf("frame %d damaged by the overflow", i)
		}
	}
	if r.inb(ne2k.ISR)&ne2k.ISRRST != 0 {
		t.Fatal("RST still set after packets were removed")
	}
	f := frame(testMAC, 64, 99)
	if !r.c.Receive(f) {
		t.Fatal("no frame kept after the recovery")
	}
	if g := r.receive(2); len(g) != 1 || !bytes.Equal(g[0].data, f) {
		t.Fatal("the frame after the recovery did not read back")
	}
}

// TestInterruptMask: the line follows ISR & IMR; ISR bits clear by writing
// ones; RST never interrupts and cannot be cleared by a write.
func TestInterruptMask(t *testing.T) {
	t.Parallel()
	r := newISA(t)
	if r.inb(ne2k.ISR) != ne2k.ISRRST || r.inb(ne2k.CR) != ne2k.CRSTP|ne2k.CRRDAbort {
		t.Fatalf("power-on ISR %#x CR %#x", r.inb(ne2k.ISR), r.inb(ne2k.CR))
	}
	r.outb(ne2k.IMR, 0x7F)
	if r.irq.Level {
		t.Fatal("RST interrupted")
	}
	r.outb(ne2k.ISR, 0xFF)
	if r.inb(ne2k.ISR) != ne2k.ISRRST {
		t.Fatal("writing ISR cleared RST")
	}
	r.init(true, ringStart, ringStop)
	r.outb(ne2k.IMR, 0)
	r.c.Receive(frame(testMAC, 60, 0))
	if r.irq.Level {
		t.Fatal("PRX interrupted while masked")
	}
	r.outb(ne2k.IMR, ne2k.ISRPRX)
	if !r.irq.Level {
		t.Fatal("unmasking a pending PRX raised nothing")
	}
	r.page(2)
	if r.inb(ne2k.IMR) != ne2k.ISRPRX {
		t.Fatal("IMR does not read back in page 2")
	}
	r.page(0)
	r.outb(ne2k.IMR, 0)
	if r.irq.Level {
		t.Fatal("masking left the line up")
	}
	r.outb(ne2k.IMR, ne2k.ISRPRX)
	r.outb(ne2k.ISR, ne2k.ISRPTX) // another bit: PRX stays
	if !r.irq.Level {
		t.Fatal("acknowledging PTX dropped a pending PRX")
	}
	r.receive(2)
	r.outb(ne2k.ISR, ne2k.ISRPRX|ne2k.ISRRDC)
	if r.irq.Level || r.inb(ne2k.ISR)&0x7F != 0 {
		t.Fatalf("ISR %#x after acknowledging", r.inb(ne2k.ISR))
	}
	// The reset port: stopped, RST set, everything masked.
	r.outb(ne2k.IMR, 0x7F)
	r.c.Receive(frame(testMAC, 60, 1))
	r.inb(ne2k.ResetPort)
	r.outb(ne2k.ResetPort, 0)
	if r.inb(ne2k.ISR)&ne2k.ISRRST == 0 || r.inb(ne2k.CR)&ne2k.CRSTP == 0 || r.irq.Level {
		t.Fatalf("after the reset port: ISR %#x CR %#x line %v", r.inb(ne2k.ISR), r.inb(ne2k.CR), r.irq.Level)
	}
}

// TestAddressFilter: which destinations the card keeps under which RCR.
func TestAddressFilter(t *testing.T) {
	t.Parallel()
	bcast := [6]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}
	other := [6]byte{0x02, 0, 0, 0, 0, 1}
	mcast := [6]byte{0x01, 0x00, 0x5E, 0x00, 0x00, 0xFB}
	mcast2 := [6]byte{0x01, 0x00, 0x5E, 0x00, 0x00, 0x01}
	if ne2k.HashIndex(mcast[:]) == ne2k.HashIndex(mcast2[:]) {
		t.Fatal("test addresses share a hash bit")
	}
	for _, c := range []struct {
		name   string
		rcr    uint8
		dst    [6]byte
		keep   bool
		status uint8
	}{
		{"ours", 0, testMAC, true, ne2k.RSRPRX},
		{"another station's", 0, other, false, 0},
		{"another station's, promiscuous", ne2k.RCRPRO, other, true, ne2k.RSRPRX},
		{"broadcast without AB", 0, bcast, false, 0},
		{"broadcast with AB", ne2k.RCRAB, bcast, true, ne2k.RSRPRX | ne2k.RSRPHY},
		{"broadcast, promiscuous without AB", ne2k.RCRPRO, bcast, false, 0},
		{"multicast without AM", 0, mcast, false, 0},
		{"multicast with AM, hash bit set", ne2k.RCRAM, mcast, true, ne2k.RSRPRX | ne2k.RSRPHY},
		{"multicast with AM, hash bit clear", ne2k.RCRAM, mcast2, false, 0},
	} {
		r := newISA(t)
		r.init(true, ringStart, ringStop)
		r.outb(ne2k.RCR, c.rcr)
		h := ne2k.HashIndex(mcast[:])
		r.page(1)
		r.outb(ne2k.MAR0+uint16(h>>3), 1<<(h&7))
		r.page(0)
		f := frame(c.dst, 80, 0)
		if got := r.c.Receive(f); got != c.keep {
			t.Errorf("%s: kept %v, want %v", c.name, got, c.keep)
			continue
		}
		if !c.keep {
			continue
		}
		got := r.receive(2)
		if len(got) != 1 || got[0].status != c.status || !bytes.Equal(got[0].data, f) {
			t.Errorf("%s: read %d frames, status %#x (want %#x)", c.name, len(got), got[0].status, c.status)
		}
	}
	// Monitor mode keeps nothing and counts the frame as missed.
	r := newISA(t)
	r.init(true, ringStart, ringStop)
	r.outb(ne2k.RCR, ne2k.RCRMON)
	if r.c.Receive(frame(testMAC, 80, 0)) || len(r.receive(2)) != 0 || r.inb(ne2k.CNTR2) != 1 {
		t.Error("monitor mode kept a frame or did not count it")
	}
}

// TestRuntAndOversized: frames shorter than 60 bytes are dropped unless
// RCR.AR; longer than 1514 always.
func TestRuntAndOversized(t *testing.T) {
	t.Parallel()
	r := newISA(t)
	r.init(true, ringStart, ringStop)
	for _, n := range []int{0, 5, 14, 59, 1515, 9000} {
		if r.c.Receive(frame(testMAC, n, 0)) {
			t.Errorf("a %d-byte frame was kept", n)
		}
	}
	for _, n := range []int{60, 1514} {
		if !r.c.Receive(frame(testMAC, n, 0)) {
			t.Errorf("a %d-byte frame was dropped", n)
		}
	}
	if got := r.receive(2); len(got) != 2 || len(got[0].data) != 60 || len(got[1].data) != 1514 {
		t.Fatalf("read %d frames", len(got))
	}
	r.outb(ne2k.RCR, ne2k.RCRAR)
	runt := frame(testMAC, 42, 0)
	if !r.c.Receive(runt) {
		t.Fatal("a runt was dropped with RCR.AR")
	}
	if got := r.receive(2); len(got) != 1 || !bytes.Equal(got[0].data, runt) {
		t.Fatal("the runt did not read back")
	}
	if r.c.Dropped != 6 {
		t.Errorf("Dropped = %d, want 6", r.c.Dropped)
	}
}

// TestFlood: a flood of frames on the wire never blocks or panics: frames
// that do not fit wait on the wire (none is lost there), the card takes
// them as the guest reads the ring; a flood pushed straight at the card
// overflows it and it keeps working.
func TestFlood(t *testing.T) {
	t.Parallel()
	r := newPCI(t)
	r.init(true, ringStart, ringStop)
	const n = 5000
	for i := 0; i < n; i++ {
		dst := testMAC
		if i%5 == 0 {
			dst = [6]byte{0x02, 0, 0, 0, 0, 9} // not ours: dropped by the filter
		}
		r.w.in = append(r.w.in, frame(dst, 60+i%1455, i))
	}
	r.c.Poll()
	if len(r.w.in) == n || len(r.w.in) == 0 {
		t.Fatalf("%d of %d frames left on the wire after the first poll", len(r.w.in), n)
	}
	if r.inb(ne2k.ISR)&ne2k.ISROVW != 0 {
		t.Fatal("frames waiting on the wire overflowed the ring")
	}
	got := 0
	for rounds := 0; len(r.w.in) > 0 || got < n*4/5; rounds++ {
		if rounds > n {
			t.Fatalf("stuck: %d frames read, %d waiting", got, len(r.w.in))
		}
		for _, f := range r.receive(4) {
			if len(f.data) < 60 || f.data[0] != testMAC[0] || f.data[5] != testMAC[5] {
				t.Fatalf("frame %d: not ours", got)
			}
			got++
		}
		r.outb(ne2k.ISR, 0xFF)
	}
	if got != n*4/5 {
		t.Fatalf("read %d frames, want %d", got, n*4/5)
	}
	// Pushed at the card with nobody reading.
	for i := 0; i < n; i++ {
		r.c.Receive(frame(testMAC, 60+i%2000, i))
	}
	if r.inb(ne2k.ISR)&ne2k.ISROVW == 0 {
		t.Fatal("no overflow")
	}
	if len(r.receive(2)) == 0 {
		t.Fatal("nothing readable after the flood")
	}
	r.send(frame(testMAC, 60, 0), 4)
	if len(r.w.sent) != 1 {
		t.Fatal("the card cannot transmit after the flood")
	}
}

// TestSendPacket: the Send Packet command reads the frame at the boundary
// and moves the boundary past it.
func TestSendPacket(t *testing.T) {
	t.Parallel()
	r := newISA(t)
	r.init(true, ringStart, ringStop)
	r.outb(ne2k.BNRY, ringStart) // this driver keeps BNRY at the next frame
	f := frame(testMAC, 200, 4)
	r.c.Receive(f)
	r.outb(ne2k.CR, ne2k.CRSTA|ne2k.CRRDSend)
	b := make([]byte, 0, 204)
	for len(b) < 204 {
		v := r.ports.Read(r.base+ne2k.DataPort, 2)
		b = append(b, uint8(v), uint8(v>>8))
	}
	if !bytes.Equal(b[4:], f) || b[2] != 204 {
		t.Fatalf("send packet read % x", b[:8])
	}
	r.page(1)
	curr := r.inb(ne2k.CURR)
	r.page(0)
	if r.inb(ne2k.BNRY) != curr || r.inb(ne2k.ISR)&ne2k.ISRRDC == 0 {
		t.Fatalf("BNRY %#x, CURR %#x, ISR %#x", r.inb(ne2k.BNRY), curr, r.inb(ne2k.ISR))
	}
}

// TestReceivePending: PRX stays up while the ring holds frames the guest
// has not read, however often it is acknowledged, and new frames from the
// wire wait until the guest has acknowledged the ones it was told of or
// emptied the ring.
func TestReceivePending(t *testing.T) {
	t.Parallel()
	r := newISA(t)
	r.init(true, ringStart, ringStop)
	for i := 0; i < 3; i++ {
		r.w.in = append(r.w.in, frame(testMAC, 100, i))
	}
	r.c.Poll()
	if len(r.w.in) != 0 || !r.irq.Level {
		t.Fatalf("%d frames still waiting, line %v", len(r.w.in), r.irq.Level)
	}
	r.w.in = append(r.w.in, frame(testMAC, 100, 3))
	// Read one frame, as a driver with a one-frame budget would.
	r.page(1)
	curr := r.inb(ne2k.CURR)
	r.page(0)
	first := r.read(ringStart<<8, 4, 2)
	r.outb(ne2k.BNRY, first[1]-1)
	if len(r.w.in) != 1 {
		t.Fatal("a frame came in while the guest had an interrupt pending and frames to read")
	}
	r.outb(ne2k.ISR, ne2k.ISRPRX)
	if r.inb(ne2k.ISR)&ne2k.ISRPRX == 0 || !r.irq.Level {
		t.Fatal("acknowledging PRX with two frames unread cleared it")
	}
	if curr == ringStart {
		t.Fatal("CURR did not move")
	}
	// After the ack, the waiting frame may come in too (the guest was told).
	got := r.receive(2)
	if len(got) != 3 || got[2].data[14] != frame(testMAC, 100, 3)[14] {
		t.Fatalf("read %d frames after the first", len(got))
	}
	r.outb(ne2k.ISR, ne2k.ISRPRX)
	if r.inb(ne2k.ISR)&ne2k.ISRPRX != 0 || r.irq.Level {
		t.Fatal("PRX stayed up with the ring empty")
	}
}

// TestLinuxNineFrames is the pass Linux's 8390 driver makes on each receive
// interrupt: at most nine frames, then PRX is acknowledged. With hundreds
// of frames waiting on the wire, every one reaches it, in order.
func TestLinuxNineFrames(t *testing.T) {
	t.Parallel()
	r := newPCI(t)
	r.init(true, ringStart, ringStop)
	const n = 500
	for i := 0; i < n; i++ {
		r.w.in = append(r.w.in, frame(testMAC, []int{60, 1514, 590, 1000}[i%4], i))
	}
	r.c.Poll()
	got := 0
	for irq := 0; r.irq.Level; irq++ {
		if irq > 10*n {
			t.Fatal("interrupts never end")
		}
		for r.inb(ne2k.ISR)&ne2k.ISRPRX != 0 {
			start, stop := r.ringBounds()
			for k := 0; k < 9; k++ {
				r.page(1)
				curr := r.inb(ne2k.CURR)
				r.page(0)
				this := r.inb(ne2k.BNRY) + 1
				if this >= stop {
					this = start
				}
				if this == curr {
					break
				}
				h := r.read(uint16(this)<<8, 4, 4)
				count := int(h[2]) | int(h[3])<<8
				// Linux's sanity check of the next pointer.
				next := this + 1 + uint8((count)>>8)
				if h[1] != next && h[1] != next+1 && h[1] != next-(stop-start) && h[1] != next+1-(stop-start) {
					t.Fatalf("frame %d: next page %#x, Linux expects %#x or %#x", got, h[1], next, next+1)
				}
				d := r.read(uint16(this)<<8+4, count-4, 4)
				want := frame(testMAC, []int{60, 1514, 590, 1000}[got%4], got)
				if !bytes.Equal(d, want) {
					t.Fatalf("frame %d differs", got)
				}
				got++
				b := h[1] - 1
				if h[1] == start {
					b = stop - 1
				}
				r.outb(ne2k.BNRY, b)
			}
			r.outb(ne2k.ISR, ne2k.ISRPRX|ne2k.ISRRXE)
		}
	}
	if got != n || len(r.w.in) != 0 {
		t.Fatalf("read %d of %d frames, %d still waiting", got, n, len(r.w.in))
	}
}

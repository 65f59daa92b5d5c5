package ide_test

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/do86/do86/internal/dev/ide"
	"github.com/do86/do86/internal/disk"
)

// Interrupt reason bits and sense keys.
const (
	rsnCoD = 0x01
	rsnIO  = 0x02
)

// isoSectors is the synthetic CD's size: 20 sectors of 2048 bytes and a
// half-sector tail the drive pads to a whole sector.
const isoSectors = 21

func isoImage() []byte { return pattern(20*2048+1024, 0x33) }

// cdRig has a CD-ROM drive with a synthetic ISO as master of the secondary channel.
func cdRig(t *testing.T) *rig {
	t.Helper()
	d, _ := image(t, isoImage(), disk.Options{ReadOnly: true})
	r := newRig(t)
	r.c.Attach(1, 0, d, ide.CDROM)
	return r
}

// result is what a packet command did.
type result struct {
	data   []byte
	blocks []int // bytes per DRQ block
	status uint8 // final status
	err    uint8 // final error register
}

// cdb builds a 12-byte command packet.
func cdb(b ...byte) []byte { return append(b, make([]byte, 12-len(b))...) }

// packet runs one PACKET command by PIO on the secondary master.
func packet(t *testing.T, r *rig, cmd []byte, limit int) result {
	t.Helper()
	const ch = 1
	r.out(ch, rDevice, 0xA0)
	r.out(ch, rFeature, 0)
	r.out(ch, rLbam, limit)
	r.out(ch, rLbah, limit>>8)
	r.out(ch, rCommand, 0xA0)
	if got, rsn := r.alt(ch), r.in(ch, rNsect); got&(sDRQ|sBSY) != sDRQ || rsn != rsnCoD {
		t.Fatalf("after PACKET: status %#x, reason %#x; want DRQ and CoD", got, rsn)
	}
	r.writeWords(ch, cmd)
	if got := r.alt(ch); got != sBSY {
		t.Fatalf("after the packet: status %#x, want BSY", got)
	}
	r.tick()
	var res result
	for {
		if !r.irq(ch).Level {
			t.Fatalf("no interrupt (after %d bytes)", len(res.data))
		}
		st := r.in(ch, rStatus)
		if st&sDRQ == 0 {
			res.status, res.err = st, r.in(ch, rError)
			if rsn := r.in(ch, rNsect); rsn != rsnCoD|rsnIO {
				t.Errorf("status phase: reason %#x, want CoD|IO", rsn)
			}
			return res
		}
		if rsn := r.in(ch, rNsect); rsn != rsnIO {
			t.Fatalf("data phase: reason %#x, want IO", rsn)
		}
		n := int(r.in(ch, rLbam)) | int(r.in(ch, rLbah))<<8
		res.blocks = append(res.blocks, n)
		res.data = append(res.data, r.readWords(ch, n)...)
	}
}

// good runs a packet command that must succeed.
func good(t *testing.T, r *rig, cmd []byte, limit int) []byte {
	t.Helper()
	res := packet(t, r, cmd, limit)
	if res.status != sDRDY|sDSC {
		t.Fatalf("command %#x: status %#x error %#x, want success", cmd[0], res.status, res.err)
	}
	return res.data
}

// sense runs REQUEST SENSE and returns key, ASC, ASCQ.
func sense(t *testing.T, r *rig) [3]byte {
	t.Helper()
	b := good(t, r, cdb(0x03, 0, 0, 0, 18), 0xFFFE)
	if len(b) != 18 || b[0] != 0x70 {
		t.Fatalf("REQUEST SENSE data %x", b)
	}
	return [3]byte{b[2] & 0x0F, b[12], b[13]}
}

func TestATAPIIdentify(t *testing.T) {
	t.Parallel()
	r := cdRig(t)
	w := identifyWords(t, r, 1, 0xA1)
	if w[0] != 0x85C0 {
		t.Errorf("word 0 = %#x, want 0x85C0 (ATAPI CD-ROM, removable, 12-byte packets)", w[0])
	}
	if got := strings.TrimSpace(ataString(w[27:47])); got != "DO86 CD-ROM" {
		t.Errorf("model = %q", got)
	}
	if w[49]&0x0100 == 0 {
		t.Errorf("word 49 = %#x: want DMA", w[49])
	}

	// IDENTIFY DEVICE is aborted, leaving the signature for the host.
	r.out(1, rLbam, 0)
	r.out(1, rLbah, 0)
	r.out(1, rCommand, 0xEC)
	r.tick()
	r.wantStatus(1, sDRDY|sDSC|sERR)
	if r.in(1, rError)&0x04 == 0 || r.in(1, rLbam) != 0x14 || r.in(1, rLbah) != 0xEB {
		t.Error("IDENTIFY DEVICE on ATAPI: want ABRT and the signature 14/EB")
	}
}

func TestUnitAttention(t *testing.T) {
	t.Parallel()
	r := cdRig(t)
	// INQUIRY does not report it.
	good(t, r, cdb(0x12, 0, 0, 0, 36), 0xFFFE)
	// The first other command does, once.
	res := packet(t, r, cdb(0x00), 0)
	if res.status != sDRDY|sDSC|sERR || res.err>>4 != 0x06 {
		t.Fatalf("first TEST UNIT READY: status %#x error %#x, want CHECK CONDITION, UNIT ATTENTION", res.status, res.err)
	}
	if got := sense(t, r); got != [3]byte{0x06, 0x29, 0x00} {
		t.Errorf("sense = %x, want 06/29/00 (power on or reset)", got)
	}
	good(t, r, cdb(0x00), 0)
	if got := sense(t, r); got != [3]byte{} {
		t.Errorf("sense after success = %x, want none", got)
	}
	// A machine reset brings it back.
	r.c.Reset()
	if res := packet(t, r, cdb(0x00), 0); res.err>>4 != 0x06 {
		t.Errorf("after reset: error %#x, want UNIT ATTENTION", res.err)
	}
}

// settled is a CD rig whose unit attention was consumed.
func settled(t *testing.T) *rig {
	r := cdRig(t)
	packet(t, r, cdb(0x00), 0)
	return r
}

func TestATAPICommands(t *testing.T) {
	t.Parallel()
	iso := isoImage()
	tests := []struct {
		name   string
		cmd    []byte
		limit  int
		want   []byte // nil: check with fn
		fn     func(t *testing.T, b []byte)
		blocks []int
	}{
		{name: "INQUIRY", cmd: cdb(0x12, 0, 0, 0, 36), limit: 0xFFFE, fn: func(t *testing.T, b []byte) {
			if len(b) != 36 || b[0] != 0x05 || b[1]&0x80 == 0 {
				t.Errorf("INQUIRY header %x: want a removable CD/DVD device", b[:4])
			}
			if string(b[8:16]) != "DO86    " || strings.TrimSpace(string(b[16:32])) != "CD-ROM" {
				t.Errorf("vendor %q product %q", b[8:16], b[16:32])
			}
		}},
		{name: "INQUIRY cut to allocation length", cmd: cdb(0x12, 0, 0, 0, 8), limit: 0xFFFE, blocks: []int{8}},
		{name: "READ CAPACITY", cmd: cdb(0x25), limit: 8,
			want: []byte{0, 0, 0, isoSectors - 1, 0, 0, 0x08, 0}},
		{name: "READ(10) with a byte count limit", cmd: cdb(0x28, 0, 0, 0, 0, 2, 0, 0, 3), limit: 5000,
			want: iso[2*2048 : 5*2048], blocks: []int{5000, 1144}},
		{name: "READ(10) odd limit", cmd: cdb(0x28, 0, 0, 0, 0, 0, 0, 0, 1), limit: 1001,
			want: iso[:2048], blocks: []int{1000, 1000, 48}},
		{name: "READ(12) of the padded last sector", cmd: cdb(0xA8, 0, 0, 0, 0, 19, 0, 0, 0, 2), limit: 0xFFFF,
			want: append(bytes.Clone(iso[19*2048:]), make([]byte, 1024)...), blocks: []int{4096}},
		{name: "READ(10) of nothing", cmd: cdb(0x28, 0, 0, 0, 0, 2), limit: 2048},
		{name: "READ TOC LBA", cmd: cdb(0x43, 0, 0, 0, 0, 0, 0, 0, 100), limit: 0xFFFE, want: []byte{
			0, 18, 1, 1,
			0, 0x14, 1, 0, 0, 0, 0, 0,
			0, 0x14, 0xAA, 0, 0, 0, 0, isoSectors}},
		{name: "READ TOC MSF", cmd: cdb(0x43, 2, 0, 0, 0, 0, 0, 0, 100), limit: 0xFFFE, want: []byte{
			0, 18, 1, 1,
			0, 0x14, 1, 0, 0, 0, 2, 0,
			0, 0x14, 0xAA, 0, 0, 0, 2, isoSectors}},
		{name: "READ TOC lead-out only", cmd: cdb(0x43, 0, 0, 0, 0, 0, 0xAA, 0, 100), limit: 0xFFFE, want: []byte{
			0, 10, 1, 1,
			0, 0x14, 0xAA, 0, 0, 0, 0, isoSectors}},
		{name: "READ TOC multi-session", cmd: cdb(0x43, 0, 1, 0, 0, 0, 0, 0, 12), limit: 0xFFFE, want: []byte{
			0, 10, 1, 1,
			0, 0x14, 1, 0, 0, 0, 0, 0}},
		{name: "MODE SENSE capabilities", cmd: cdb(0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 128), limit: 0xFFFE, fn: func(t *testing.T, b []byte) {
			if len(b) != 8+22 || int(binary.BigEndian.Uint16(b)) != len(b)-2 || b[8] != 0x2A || b[9] != 0x14 {
				t.Errorf("MODE SENSE page 2A = %x", b)
			}
		}},
		{name: "MODE SENSE all pages", cmd: cdb(0x5A, 0, 0x3F, 0, 0, 0, 0, 0, 255), limit: 0xFFFE, fn: func(t *testing.T, b []byte) {
			if len(b) != 8+12+16+22 || b[8] != 0x01 || b[20] != 0x0E || b[36] != 0x2A {
				t.Errorf("MODE SENSE page 3F = %x", b)
			}
		}},
		{name: "GET CONFIGURATION", cmd: cdb(0x46, 0, 0, 0, 0, 0, 0, 0, 64), limit: 0xFFFE, fn: func(t *testing.T, b []byte) {
			if binary.BigEndian.Uint16(b[6:]) != 0x0008 || binary.BigEndian.Uint32(b) != uint32(len(b)-4) {
				t.Errorf("GET CONFIGURATION header %x: want current profile 8", b[:8])
			}
			if b[8] != 0 || b[9] != 0 || binary.BigEndian.Uint16(b[12:]) != 0x0008 {
				t.Errorf("first feature %x: want the profile list with CD-ROM", b[8:16])
			}
		}},
		{name: "GET EVENT STATUS media", cmd: cdb(0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8), limit: 0xFFFE,
			want: []byte{0, 6, 0x04, 0x10, 0, 0x02, 0, 0}},
		{name: "START STOP UNIT", cmd: cdb(0x1B, 0, 0, 0, 1), limit: 0},
		{name: "PREVENT MEDIUM REMOVAL", cmd: cdb(0x1E, 0, 0, 0, 1), limit: 0},
		{name: "READ DISC INFORMATION", cmd: cdb(0x51, 0, 0, 0, 0, 0, 0, 0, 34), limit: 0xFFFE, fn: func(t *testing.T, b []byte) {
			if len(b) != 34 || b[2] != 0x0E || b[4] != 1 {
				t.Errorf("disc information %x", b)
			}
		}},
		{name: "MECHANISM STATUS", cmd: cdb(0xBD, 0, 0, 0, 0, 0, 0, 0, 0, 8), limit: 0xFFFE, want: make([]byte, 8)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := settled(t)
			res := packet(t, r, tc.cmd, tc.limit)
			if res.status != sDRDY|sDSC {
				t.Fatalf("status %#x error %#x, want success", res.status, res.err)
			}
			if tc.want != nil && !bytes.Equal(res.data, tc.want) {
				t.Errorf("data = %x\nwant   %x", res.data, tc.want)
			}
			if tc.want == nil && tc.fn == nil && tc.blocks == nil && len(res.data) != 0 {
				t.Errorf("%d bytes of data, want none", len(res.data))
			}
			if tc.fn != nil {
				tc.fn(t, res.data)
			}
			if tc.blocks != nil && !equalInts(res.blocks, tc.blocks) {
				t.Errorf("DRQ blocks %v, want %v", res.blocks, tc.blocks)
			}
		})
	}
}

func TestATAPIErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		empty bool
		cmd   []byte
		sense [3]byte
	}{
		{"unknown command", false, cdb(0xFF), [3]byte{0x05, 0x20, 0x00}},
		{"READ(10) past the end", false, cdb(0x28, 0, 0, 0, 0, 20, 0, 0, 2), [3]byte{0x05, 0x21, 0x00}},
		{"READ TOC bad track", false, cdb(0x43, 0, 0, 0, 0, 0, 5, 0, 100), [3]byte{0x05, 0x24, 0x00}},
		{"MODE SENSE unknown page", false, cdb(0x5A, 0, 0x05, 0, 0, 0, 0, 0, 100), [3]byte{0x05, 0x24, 0x00}},
		{"GET EVENT STATUS not polled", false, cdb(0x4A, 0, 0, 0, 0x10, 0, 0, 0, 8), [3]byte{0x05, 0x24, 0x00}},
		{"empty: TEST UNIT READY", true, cdb(0x00), [3]byte{0x02, 0x3A, 0x00}},
		{"empty: READ CAPACITY", true, cdb(0x25), [3]byte{0x02, 0x3A, 0x00}},
		{"empty: READ(10)", true, cdb(0x28, 0, 0, 0, 0, 0, 0, 0, 1), [3]byte{0x02, 0x3A, 0x00}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r *rig
			if tc.empty {
				r = newRig(t)
				r.c.Attach(1, 0, nil, ide.CDROM)
				packet(t, r, cdb(0x00), 0) // the unit attention
			} else {
				r = settled(t)
			}
			res := packet(t, r, tc.cmd, 0xFFFE)
			if res.status&sERR == 0 || res.err>>4 != tc.sense[0] {
				t.Fatalf("status %#x error %#x, want CHECK CONDITION with key %x", res.status, res.err, tc.sense[0])
			}
			if got := sense(t, r); got != tc.sense {
				t.Errorf("sense = %x, want %x", got, tc.sense)
			}
		})
	}
}

func TestEmptyDriveAnswers(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.c.Attach(1, 0, nil, ide.CDROM)
	packet(t, r, cdb(0x00), 0)
	b := good(t, r, cdb(0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8), 0xFFFE)
	if b[5] != 0 {
		t.Errorf("media status %#x, want no medium", b[5])
	}
	b = good(t, r, cdb(0x46, 0, 0, 0, 0, 0, 0, 0, 8), 0xFFFE)
	if binary.BigEndian.Uint16(b[6:]) != 0 {
		t.Errorf("current profile %#x, want none", b[6:8])
	}
	good(t, r, cdb(0x12, 0, 0, 0, 36), 0xFFFE)
}

func TestATAPIDMA(t *testing.T) {
	t.Parallel()
	r := settled(t)
	bm := r.mapBM(1)
	r.putPRDs(0x1000, []prd{{0x2000, 2048, false}, {0x8000, 4096, true}})
	r.ports.Write(bm+bmTable, 4, 0x1000)
	r.ports.Write(bm+bmCmd, 1, bmToMem)

	r.out(1, rDevice, 0xA0)
	r.out(1, rFeature, 1) // DMA
	r.out(1, rCommand, 0xA0)
	r.writeWords(1, cdb(0x28, 0, 0, 0, 0, 4, 0, 0, 3))
	r.tick()
	if r.irq(1).Level {
		t.Fatal("the command ended before the bus master started")
	}
	r.ports.Write(bm+bmCmd, 1, bmToMem|bmStart)
	r.tick()
	if !r.irq(1).Level {
		t.Fatal("no interrupt after the DMA")
	}
	if got := uint8(r.ports.Read(bm+bmStat, 1)); got != bmIntr {
		t.Errorf("BM status = %#x, want interrupt, not active", got)
	}
	r.wantStatus(1, sDRDY|sDSC)
	if rsn := r.in(1, rNsect); rsn != rsnCoD|rsnIO {
		t.Errorf("reason %#x, want CoD|IO", rsn)
	}
	iso := isoImage()
	if !bytes.Equal(r.mem.RAM[0x2000:0x2800], iso[4*2048:5*2048]) ||
		!bytes.Equal(r.mem.RAM[0x8000:0x9000], iso[5*2048:7*2048]) {
		t.Error("memory differs from the CD's sectors")
	}
	// The primary channel's bus master was not involved.
	if got := uint8(r.ports.Read(bmBase+bmStat, 1)); got != 0 {
		t.Errorf("primary BM status = %#x, want 0", got)
	}
}

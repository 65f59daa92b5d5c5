package boot_test

import (
	"encoding/binary"
	"os"
	"strings"
	"testing"

	"github.com/do86/do86/internal/dev/fwcfg"
	"github.com/do86/do86/internal/testenv"
)

const mib = 1 << 20

// readItem reads n bytes of fw_cfg item key through the device's ports, as
// the boot ROM does.
func readItem(d *fwcfg.Device, key uint16, n int) []byte {
	d.WritePort(0, 2, uint32(key))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(d.ReadPort(1, 1))
	}
	return b
}

func readU32(d *fwcfg.Device, key uint16) uint32 {
	return binary.LittleEndian.Uint32(readItem(d, key, 4))
}

// readFile finds a named file in the fw_cfg directory and reads it.
func readFile(t *testing.T, d *fwcfg.Device, name string) []byte {
	t.Helper()
	count := binary.BigEndian.Uint32(readItem(d, fwcfg.FileDir, 4))
	dir := readItem(d, fwcfg.FileDir, 4+64*int(count))[4:]
	for i := 0; i < int(count); i++ {
		e := dir[64*i:]
		if strings.TrimRight(string(e[8:64]), "\x00") == name {
			return readItem(d, binary.BigEndian.Uint16(e[4:]), int(binary.BigEndian.Uint32(e)))
		}
	}
	t.Fatalf("fw_cfg file %q missing", name)
	return nil
}

// bzOpts describes a synthetic bzImage.
type bzOpts struct {
	proto       uint16
	setupSects  byte
	loadflags   byte
	pmSize      int
	syssize     int // -1: derive from pmSize
	cmdlineSize uint32
	initrdMax   uint32
	prefAddress uint64
	initSize    uint32
	noHdrS      bool
	noBootFlag  bool
}

func goodBz() bzOpts {
	return bzOpts{proto: 0x20F, setupSects: 4, loadflags: 1, pmSize: 64 << 10, syssize: -1,
		cmdlineSize: 2047, initrdMax: 0x7FFFFFFF, prefAddress: 0x1000000, initSize: 8 * mib}
}

// makeBzImage builds a kernel with a real-mode header and a protected-mode
// part of pmSize bytes (filled with a pattern).
func makeBzImage(o bzOpts) []byte {
	sects := int(o.setupSects)
	if sects == 0 {
		sects = 4
	}
	b := make([]byte, (sects+1)*512+o.pmSize)
	b[0x1F1] = o.setupSects
	if !o.noBootFlag {
		binary.LittleEndian.PutUint16(b[0x1FE:], 0xAA55)
	}
	if !o.noHdrS {
		copy(b[0x202:], "HdrS")
	}
	syssize := o.syssize
	if syssize < 0 {
		syssize = (o.pmSize + 15) / 16
	}
	binary.LittleEndian.PutUint32(b[0x1F4:], uint32(syssize))
	binary.LittleEndian.PutUint16(b[0x206:], o.proto)
	binary.LittleEndian.PutUint16(b[0x20E:], 0x300) // version string at 0x500
	copy(b[0x500:], "6.1.0-test (synthetic)\x00")
	b[0x211] = o.loadflags
	binary.LittleEndian.PutUint32(b[0x214:], 0x100000)
	binary.LittleEndian.PutUint32(b[0x22C:], o.initrdMax)
	b[0x234] = 1
	binary.LittleEndian.PutUint32(b[0x238:], o.cmdlineSize)
	binary.LittleEndian.PutUint64(b[0x258:], o.prefAddress)
	binary.LittleEndian.PutUint32(b[0x260:], o.initSize)
	for i := (sects + 1) * 512; i < len(b); i++ {
		b[i] = byte(i * 7)
	}
	return b
}

// mbHeader returns a Multiboot header with flags, a correct checksum, and
// the a.out-kludge address fields (used only with flag 16).
func mbHeader(flags uint32, addrs ...uint32) []byte {
	h := binary.LittleEndian.AppendUint32(nil, 0x1BADB002)
	h = binary.LittleEndian.AppendUint32(h, flags)
	h = binary.LittleEndian.AppendUint32(h, -(0x1BADB002 + flags))
	for _, a := range addrs {
		h = binary.LittleEndian.AppendUint32(h, a)
	}
	return h
}

// elfSeg is a synthetic program header with its file bytes.
type elfSeg struct {
	typ, vaddr, paddr, memsz uint32
	data                     []byte
}

// makeELF builds a 32-bit i386 ELF executable: header, program headers,
// then a Multiboot header at hdrOff, then the segments' bytes.
func makeELF(entry uint32, mbFlags uint32, segs []elfSeg) []byte {
	const phoff, hdrOff = 52, 0x100
	b := make([]byte, 0x1000)
	copy(b, "\x7fELF\x01\x01\x01")
	le16 := func(off int, v uint16) { binary.LittleEndian.PutUint16(b[off:], v) }
	le32 := func(off int, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }
	le16(16, 2) // ET_EXEC
	le16(18, 3) // EM_386
	le32(20, 1)
	le32(24, entry)
	le32(28, phoff)
	le16(40, 52)
	le16(42, 32)
	le16(44, uint16(len(segs)))
	copy(b[hdrOff:], mbHeader(mbFlags))
	for i, s := range segs {
		ph := phoff + 32*i
		le32(ph, s.typ)
		le32(ph+4, uint32(len(b)))
		le32(ph+8, s.vaddr)
		le32(ph+12, s.paddr)
		le32(ph+16, uint32(len(s.data)))
		le32(ph+20, s.memsz)
		b = append(b, s.data...)
	}
	return b
}

func fill(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*13)
	}
	return b
}

func readImage(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(testenv.Image(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func errContains(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want one containing %q", err, want)
	}
}

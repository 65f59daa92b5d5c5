package fwcfg_test

import (
	"encoding/binary"
	"testing"

	"github.com/do86/do86/internal/dev/fwcfg"
)

func read(d *fwcfg.Device, key uint16, n int) []byte {
	d.WritePort(0, 2, uint32(key))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(d.ReadPort(1, 1))
	}
	return b
}

func TestSignatureAndUnknownItems(t *testing.T) {
	t.Parallel()
	d := fwcfg.New()
	if got := string(read(d, fwcfg.Signature, 4)); got != "QEMU" {
		t.Fatalf("signature %q", got)
	}
	if got := read(d, fwcfg.ID, 4); binary.LittleEndian.Uint32(got) != 0 {
		t.Fatalf("ID %v: DMA must not be offered", got)
	}
	// Unknown legacy items (ACPI table count 0x8000, e820 count 0x8003) read 0.
	for _, k := range []uint16{0x8000, 0x8002, 0x8003, 0x1234} {
		if got := read(d, k, 4); binary.LittleEndian.Uint32(got) != 0 {
			t.Fatalf("item %#x read %v, want zeros", k, got)
		}
	}
	if got := read(d, fwcfg.NbCPUs, 2); binary.LittleEndian.Uint16(got) != 1 {
		t.Fatalf("NB_CPUS %v", got)
	}
}

func TestFileDirectory(t *testing.T) {
	t.Parallel()
	d := fwcfg.New()
	d.SetFile("etc/show-boot-menu", fwcfg.LE16(0))
	d.SetFile("bootorder", []byte("/isa/fdc@03f0/floppy@0\n"))
	dir := read(d, fwcfg.FileDir, 4+2*64)
	if n := binary.BigEndian.Uint32(dir); n != 2 {
		t.Fatalf("count %d", n)
	}
	found := map[string]uint16{}
	for i := 0; i < 2; i++ {
		e := dir[4+64*i:]
		size := binary.BigEndian.Uint32(e)
		key := binary.BigEndian.Uint16(e[4:])
		name := string(e[8 : 8+len("bootorder")])
		if e[8] == 'e' {
			name = string(e[8 : 8+len("etc/show-boot-menu")])
		}
		found[name] = key
		if name == "bootorder" && size != 23 {
			t.Fatalf("bootorder size %d", size)
		}
	}
	key, ok := found["bootorder"]
	if !ok {
		t.Fatalf("bootorder missing from %v", found)
	}
	if got := string(read(d, key, 23)); got != "/isa/fdc@03f0/floppy@0\n" {
		t.Fatalf("bootorder read %q", got)
	}
}

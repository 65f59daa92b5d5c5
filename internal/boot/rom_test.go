package boot_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/do86/do86/internal/boot"
)

func sum(b []byte) byte {
	var s byte
	for _, c := range b {
		s += c
	}
	return s
}

func TestROMHeader(t *testing.T) {
	t.Parallel()
	rom := boot.ROM()
	if rom[0] != 0x55 || rom[1] != 0xAA {
		t.Fatalf("signature % x", rom[:2])
	}
	if len(rom) == 0 || len(rom) != int(rom[2])*512 {
		t.Fatalf("%d bytes, size byte says %d blocks", len(rom), rom[2])
	}
	if s := sum(rom); s != 0 {
		t.Fatalf("checksum: bytes sum to %#x", s)
	}
	if rom[3] != 0xCB {
		t.Fatalf("init vector %#x, want retf", rom[3])
	}
	if pci := binary.LittleEndian.Uint16(rom[0x18:]); pci != 0 {
		t.Fatalf("PCI data structure pointer %#x on a genroms ROM", pci)
	}

	pnp := int(binary.LittleEndian.Uint16(rom[0x1A:]))
	h := rom[pnp : pnp+32]
	if string(h[:4]) != "$PnP" || h[4] != 1 || h[5] != 2 {
		t.Fatalf("PnP header % x", h[:6])
	}
	if s := sum(h); s != 0 {
		t.Fatalf("PnP header checksum: bytes sum to %#x", s)
	}
	str := func(off uint16) string {
		s := rom[off:]
		return string(s[:bytes.IndexByte(s, 0)])
	}
	if m, p := str(binary.LittleEndian.Uint16(h[0x0E:])), str(binary.LittleEndian.Uint16(h[0x10:])); m != "do86" || p != "do86 kernel loader" {
		t.Fatalf("manufacturer %q product %q", m, p)
	}
	if bcv := binary.LittleEndian.Uint16(h[0x16:]); bcv != 0 {
		t.Fatalf("boot connection vector %#x: the ROM is no disk", bcv)
	}
	bev := int(binary.LittleEndian.Uint16(h[0x1A:]))
	if bev == 0 || bev >= len(rom) || rom[bev] != 0xFA {
		t.Fatalf("bootstrap entry vector %#x does not point at the code (cli)", bev)
	}

	rom[0] = 0
	if boot.ROM()[0] != 0x55 {
		t.Fatal("ROM() hands out its own buffer")
	}
	if boot.BootOrderPath != "/rom@genroms/do86boot.bin" {
		t.Fatalf("boot order path %q", boot.BootOrderPath)
	}
}

// TestROMListing checks that the listing shows the ROM's real bytes: every
// line "OFFS  HEX ...  instruction" matches the ROM at OFFS, and the lines
// cover the code from the entry point to the last instruction.
func TestROMListing(t *testing.T) {
	t.Parallel()
	rom := boot.ROM()
	lines := strings.Split(boot.ROMListing(), "\n")
	covered := 0
	var sawBEV, sawInsb bool
	for _, l := range lines {
		if len(l) < 6 || l[4] != ' ' {
			continue
		}
		off, err := strconv.ParseUint(l[:4], 16, 16)
		if err != nil {
			continue
		}
		fields := strings.Fields(l[6:min(len(l), 6+22)])
		for i, f := range fields {
			if f == "…" {
				break
			}
			b, err := hex.DecodeString(f)
			if err != nil {
				break // a label line
			}
			if rom[int(off)+i] != b[0] {
				t.Fatalf("listing line %q: byte %d is %#x in the ROM", l, i, rom[int(off)+i])
			}
			covered++
		}
		sawBEV = sawBEV || strings.HasSuffix(l, "bev:")
		sawInsb = sawInsb || strings.Contains(l, "a32 rep insb")
	}
	if !sawBEV || !sawInsb || covered < 400 {
		t.Fatalf("listing covers %d bytes (bev %v, rep insb %v)", covered, sawBEV, sawInsb)
	}
}

var update = flag.Bool("update", false, "rewrite testdata/rom.lst from ROMListing")

// TestROMListingFile keeps testdata/rom.lst, the listing a reader of the
// repository sees, in step with the ROM (go test -update rewrites it).
func TestROMListingFile(t *testing.T) {
	t.Parallel()
	const path = "testdata/rom.lst"
	got := boot.ROMListing()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("%s is stale: run go test ./internal/boot -run ROMListingFile -update", path)
	}
}

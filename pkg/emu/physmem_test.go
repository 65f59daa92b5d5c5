package emu_test

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"
)

// runProbes boots the probe guest on a machine of mem bytes and returns
// the values it printed, one per probe.
func runProbes(t *testing.T, mem uint32, pae bool, probes []probe) []string {
	t.Helper()
	out := bootGuest(t, mem, probeSector(t, pae, probes), "END\n", 120*time.Second)
	lines := strings.Split(strings.TrimSpace(out[:strings.Index(out, "END\n")]), "\n")
	if len(lines) != len(probes) {
		t.Fatalf("%d results for %d probes: %q", len(lines), len(probes), out)
	}
	return lines
}

// check compares each probe's result with want.
func check(t *testing.T, probes []probe, got []string, want []string, why []string) {
	t.Helper()
	for i := range probes {
		if !strings.EqualFold(got[i], want[i]) {
			t.Errorf("%s (op %d at %#x): got %s, want %s", why[i], probes[i].Op, probes[i].Addr, got[i], want[i])
		}
	}
}

const ones = "FFFFFFFF"

// A PC reads all ones where no RAM or device answers and ignores writes
// there: past the end of RAM, in the hole below 4 GiB, between devices.
func TestUnbackedPhysicalMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the core and SeaBIOS")
	}
	t.Parallel()
	const mem = 32 << 20
	cases := []struct {
		p    probe
		want string
		why  string
	}{
		{probe{Addr: mem - 4, Op: probeWriteRead}, "A5A5A5A5", "the last dword of RAM"},
		{probe{Addr: mem, Op: probeRead}, ones, "the first dword past RAM"},
		{probe{Addr: mem, Op: probeWriteRead}, ones, "a write past RAM"},
		{probe{Addr: mem - 2, Op: probeRead}, "FFFFA5A5", "a dword straddling the end of RAM"},
		{probe{Addr: mem + 0x1000, Op: probeReadByte}, "000000FF", "a byte past RAM"},
		{probe{Addr: 0x40000000, Op: probeWriteRead}, ones, "1 GiB, no RAM"},
		{probe{Addr: 0xC0000000, Op: probeWriteRead}, ones, "the hole below the PCI window"},
		{probe{Addr: 0xFED00000, Op: probeWriteRead}, ones, "where an HPET would be"},
		{probe{Addr: 0xE0000000 + 16<<20, Op: probeWriteRead}, ones, "just past the linear framebuffer"},
		{probe{Addr: 0xE0000000 + 16<<20 - 4, Op: probeWriteRead}, "A5A5A5A5", "the last dword of the linear framebuffer"},
		{probe{Addr: mem + 0x10000, Op: probeExec}, fmt.Sprintf("%08X", mem+0x10000), "code past RAM (#UD at its first byte)"},
		{probe{Addr: mem + 24<<20, Op: probeExec}, fmt.Sprintf("%08X", mem+24<<20), "code past RAM and the core's framebuffer"},
		{probe{Addr: 0xC0000000, Op: probeExec}, "C0000000", "code in the hole below 4 GiB"},
		{probe{Addr: 0xE0000000 + 16<<20 - 0x1000, Op: probeExec}, fmt.Sprintf("%08X", 0xE0000000+16<<20-0x1000), "code in the linear framebuffer"},
		{probe{Addr: 0xFF800000, Op: probeExec}, "FF800000", "code near the top of 4 GiB"},
		{probe{Addr: mem, Op: probeWalk, Arg: (0xE0000000 - mem) >> 12}, fmt.Sprintf("%08X", (0xE0000000-mem)>>12), "every page from the end of RAM to the framebuffer"},
		{probe{Addr: 0xF0000000, Op: probeWalkWrite, Arg: 0x0EC00}, fmt.Sprintf("%08X", 0x0EC00), "every page of 0xF0000000-0xFEBFFFFF, written"},
	}
	var probes []probe
	var want, why []string
	for _, c := range cases {
		probes = append(probes, c.p)
		want = append(want, c.want)
		why = append(why, c.why)
	}
	for _, pae := range []bool{false, true} {
		t.Run(fmt.Sprintf("pae=%v", pae), func(t *testing.T) {
			t.Parallel()
			check(t, probes, runProbes(t, mem, pae, probes), want, why)
		})
	}
}

// With PAE a page table entry can name a physical address above 4 GiB;
// nothing backs it here, so it reads all ones and keeps no writes, and it
// must not alias the RAM at the same address modulo 4 GiB.
func TestPAEAbove4GiB(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the core and SeaBIOS")
	}
	t.Parallel()
	const mem = 32 << 20
	probes := []probe{
		{Addr: 0x40000000 + 0x7C00, Op: probeRead},           // 4 GiB + 0x7C00: not the boot sector
		{Addr: 0x40000000 + 0x100000, Op: probeWriteRead},    // 4 GiB + 1 MiB
		{Addr: 0x100000, Op: probeRead},                      // RAM at 1 MiB kept its contents
		{Addr: 0x40000000, Op: probeWalk, Arg: 0x40000},      // all of 4-5 GiB
		{Addr: 0x40000000, Op: probeWalkWrite, Arg: 0x40000}, // and written
		{Addr: 0x7C00, Op: probeRead},                        // the boot sector is intact
	}
	got := runProbes(t, mem, true, probes)
	want := []string{ones, ones, "", "00040000", "00040000", ""}
	why := []string{"4 GiB + 0x7C00", "a write at 4 GiB + 1 MiB", "", "pages of 4-5 GiB reading ones", "pages of 4-5 GiB reading ones after a write", ""}
	if got[2] == "A5A5A5A5" {
		t.Errorf("a write above 4 GiB reached RAM at 1 MiB")
	}
	want[2] = got[2]
	sector := probeSector(t, true, probes)
	if w := fmt.Sprintf("%08X", binary.LittleEndian.Uint32(sector)); got[5] != w {
		t.Errorf("the boot sector's first dword is %s after writes above 4 GiB, want %s", got[5], w)
	}
	want[5] = got[5]
	check(t, probes, got, want, why)
}

// Accesses that straddle the end of a host-served range reach each device
// with offsets inside its range or none at all: the guest runs on, whatever
// the values (the VGA window's depend on its mode).
func TestMMIOEdges(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the core and SeaBIOS")
	}
	t.Parallel()
	var probes []probe
	for _, a := range []uint32{0x9FFFE, 0xBFFFD, 0xBFFFE, 0xBFFFF, 0xE0000000 + 16<<20 - 2, 0xFEBFFFFE, 0xFEC00FFE, 0xFEE00FFE, 0xFEDFFFFE, 0xFFFFFFFE - 0x40000} {
		probes = append(probes, probe{Addr: a, Op: probeWriteRead}, probe{Addr: a + 1, Op: probeRead})
	}
	got := runProbes(t, 32<<20, false, probes)
	for i, g := range got {
		if len(g) != 8 {
			t.Errorf("probe %d at %#x printed %q", i, probes[i].Addr, g)
		}
	}
}

package boot_test

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/do86/do86/internal/boot"
	"github.com/do86/do86/internal/dev/fwcfg"
)

// goodELF is a kernel with text at 1 MiB, data+bss after a gap, and a
// non-loadable header in between.
func goodELF() []byte {
	return makeELF(0x100010, 0x3, []elfSeg{
		{typ: 1, vaddr: 0x100000, paddr: 0x100000, memsz: 0x3000, data: fill(0x3000, 1)},
		{typ: 4, vaddr: 0, paddr: 0, memsz: 0x40, data: fill(0x40, 2)},
		{typ: 1, vaddr: 0x104000, paddr: 0x104000, memsz: 0x2000, data: fill(0x100, 3)},
	})
}

// mbi decodes the information block by the offsets of the Multiboot
// Specification 0.6.96, section 3.3.
type mbi struct {
	b    []byte
	addr uint32
}

func (m mbi) u32(off int) uint32 { return binary.LittleEndian.Uint32(m.b[off:]) }

// at returns the bytes at a guest address inside the block.
func (m mbi) at(addr uint32) []byte { return m.b[addr-m.addr:] }

func (m mbi) str(addr uint32) string {
	s := m.at(addr)
	return string(s[:bytes.IndexByte(s, 0)])
}

func TestLoadMultibootELF(t *testing.T) {
	t.Parallel()
	kernel := goodELF()
	mods := []boot.Module{{Data: fill(5000, 7), Args: "mod1 a=b"}, {Data: fill(10, 8), Args: "mod2"}}
	p, err := boot.LoadMultiboot(kernel, "kernel args", mods, 64*mib)
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != boot.Multiboot || p.Entry != 0x100010 || len(p.Cmdline.Data) != 0 || len(p.Setup.Data) != 0 {
		t.Fatalf("kind %v entry %#x cmdline %d setup %d", p.Kind, p.Entry, len(p.Cmdline.Data), len(p.Setup.Data))
	}
	info := p.Multiboot
	if !info.ELF || info.Flags != 3 || info.HeaderOffset != 0x100 || len(info.Segments) != 2 {
		t.Fatalf("info %+v", info)
	}
	if want := (boot.Segment{Addr: 0x104000, FileSize: 0x100, MemSize: 0x2000}); info.Segments[1] != want {
		t.Fatalf("segment %+v, want %+v", info.Segments[1], want)
	}

	// The image: text, zeros up to the data, data, zeroed bss, modules on
	// page boundaries.
	img := p.Kernel
	if img.Addr != 0x100000 || len(img.Data) != 0x108000+10-0x100000 {
		t.Fatalf("image at %#x, %#x bytes", img.Addr, len(img.Data))
	}
	if info.ModuleAddrs[0] != 0x106000 || info.ModuleAddrs[1] != 0x108000 {
		t.Fatalf("modules at %#x", info.ModuleAddrs)
	}
	want := make([]byte, len(img.Data))
	copy(want, fill(0x3000, 1))
	copy(want[0x4000:], fill(0x100, 3))
	copy(want[0x6000:], mods[0].Data)
	copy(want[0x8000:], mods[1].Data)
	if !bytes.Equal(img.Data, want) {
		t.Fatal("image contents differ")
	}

	// The information structure.
	m := mbi{p.Initrd.Data, p.Initrd.Addr}
	if m.addr != 0x9000 {
		t.Fatalf("information structure at %#x", m.addr)
	}
	fields := []struct {
		name      string
		off       int
		want      uint32
		wantFlags bool
	}{
		{"flags", 0, 1<<0 | 1<<2 | 1<<3 | 1<<6 | 1<<9, false},
		{"mem_lower", 4, 639, false},
		{"mem_upper", 8, (64*mib - 256<<10 - 1*mib) >> 10, false},
		{"mods_count", 20, 2, false},
	}
	for _, f := range fields {
		if got := m.u32(f.off); got != f.want {
			t.Errorf("%s (offset %d) = %#x, want %#x", f.name, f.off, got, f.want)
		}
	}
	if got := m.str(m.u32(16)); got != "kernel args" {
		t.Errorf("cmdline %q", got)
	}
	if got := m.str(m.u32(64)); got != "do86" {
		t.Errorf("boot_loader_name %q", got)
	}
	mods0 := m.at(m.u32(24))
	for i, mod := range mods {
		e := mods0[16*i:]
		start, end, str := binary.LittleEndian.Uint32(e), binary.LittleEndian.Uint32(e[4:]), binary.LittleEndian.Uint32(e[8:])
		if start != info.ModuleAddrs[i] || end != start+uint32(len(mod.Data)) || m.str(str) != mod.Args {
			t.Errorf("module %d: %#x-%#x %q", i, start, end, m.str(str))
		}
	}

	// The fallback memory map: size-prefixed entries of base, length, type.
	type entry struct {
		base, length uint64
		typ          uint32
	}
	wantMap := []entry{
		{0, 0x9FC00, 1}, {0x9FC00, 0x400, 2}, {0xF0000, 0x10000, 2},
		{0x100000, 64*mib - 256<<10 - 0x100000, 1}, {64*mib - 256<<10, 256 << 10, 2},
	}
	if got := m.u32(44); got != uint32(24*len(wantMap)) {
		t.Fatalf("mmap_length %d", got)
	}
	mm := m.at(m.u32(48))
	for i, w := range wantMap {
		e := mm[24*i:]
		got := entry{binary.LittleEndian.Uint64(e[4:]), binary.LittleEndian.Uint64(e[12:]), binary.LittleEndian.Uint32(e[20:])}
		if binary.LittleEndian.Uint32(e) != 20 || got != w {
			t.Errorf("mmap entry %d: size %d %+v, want %+v", i, binary.LittleEndian.Uint32(e), got, w)
		}
	}
	// The ROM may write up to 32 E820 entries there without touching the
	// module list.
	if mapEnd, modList := m.u32(48)+32*24, m.u32(24); mapEnd > modList {
		t.Fatalf("map buffer ends at %#x, past the module list at %#x", mapEnd, modList)
	}
}

func TestMultibootHigherHalfEntry(t *testing.T) {
	t.Parallel()
	k := makeELF(0xC0100020, 0x3, []elfSeg{
		{typ: 1, vaddr: 0xC0100000, paddr: 0x100000, memsz: 0x1000, data: fill(0x1000, 1)},
	})
	p, err := boot.LoadMultiboot(k, "", nil, 32*mib)
	if err != nil {
		t.Fatal(err)
	}
	if p.Entry != 0x100020 {
		t.Fatalf("entry %#x, want the physical 0x100020", p.Entry)
	}
}

func TestLoadMultibootErrors(t *testing.T) {
	t.Parallel()
	seg := func(paddr, memsz uint32, n int) elfSeg {
		return elfSeg{typ: 1, vaddr: paddr, paddr: paddr, memsz: memsz, data: fill(n, 5)}
	}
	elf := func(entry, flags uint32, segs ...elfSeg) []byte { return makeELF(entry, flags, segs) }
	good := goodELF()
	patch := func(b []byte, off int, v uint32) []byte {
		c := append([]byte(nil), b...)
		binary.LittleEndian.PutUint32(c[off:], v)
		return c
	}
	raw := append(make([]byte, 64), mbHeader(3)...)
	raw = append(raw, make([]byte, 4096)...)
	tests := []struct {
		name    string
		kernel  []byte
		mods    []boot.Module
		wantErr string
		notes   int
	}{
		{"good", good, nil, "", 0},
		{"no header", make([]byte, 9000), nil, "no Multiboot header", 0},
		{"header after 8 KiB", append(make([]byte, 8192), mbHeader(3)...), nil, "no Multiboot header", 0},
		{"bad checksum", patch(good, 0x108, 0), nil, "the Multiboot header at 0x100 has a bad checksum", 0},
		{"unknown required flag", elf(0x100010, 0x8, seg(0x100000, 0x1000, 0x1000)), nil, "requires features this loader lacks (flags 0x8)", 0},
		{"video mode: noted", elf(0x100010, 0x7, seg(0x100000, 0x1000, 0x1000)), nil, "", 1},
		{"optional flag bits", elf(0x100010, 0x3|1<<20, seg(0x100000, 0x1000, 0x1000)), nil, "", 0},
		{"truncated segment", good[:len(good)-1], nil, "truncated ELF: program header 2 points past the end of the file", 0},
		{"truncated header table", patch(good, 44, 1000), nil, "truncated ELF: the program header table", 0},
		{"ELF64", func() []byte { b := append([]byte(nil), good...); b[4] = 2; return b }(), nil, "ELF class 2", 0},
		{"not i386", patch(good, 18, 62), nil, "ELF machine 62 is not i386", 0},
		{"no loadable segment", elf(0x100010, 3, elfSeg{typ: 4, memsz: 4, data: fill(4, 1)}), nil, "no loadable", 0},
		{"filesz over memsz", elf(0x100010, 3, seg(0x100000, 0x10, 0x20)), nil, "more file bytes", 0},
		{"below 1 MiB", elf(0x8010, 3, seg(0x8000, 0x1000, 0x1000)), nil, "below 1 MiB", 0},
		{"beyond RAM", elf(0x100010, 3, seg(0x100000, 40*mib, 0x1000)), nil, "beyond the 32 MiB of RAM", 0},
		{"overlap", elf(0x100010, 3, seg(0x100000, 0x2000, 0x10), seg(0x101000, 0x1000, 0x10)), nil, "overlap", 0},
		{"entry outside", elf(0x200000, 3, seg(0x100000, 0x1000, 0x1000)), nil, "entry point 0x200000 is outside", 0},
		{"not ELF, no kludge", raw, nil, "not an ELF file", 0},
		{"module too big", good, []boot.Module{{Data: make([]byte, 31*mib)}}, "module 1 does not fit", 0},
		{"NUL in module string", good, []boot.Module{{Args: "a\x00"}}, "NUL", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := boot.LoadMultiboot(tc.kernel, "", tc.mods, 32*mib)
			errContains(t, err, tc.wantErr)
			if err == nil && len(p.Notes) != tc.notes {
				t.Fatalf("notes %q", p.Notes)
			}
		})
	}
}

// aout builds a flat kernel with a Multiboot header at file offset 0x40
// carrying load addresses (flag 16).
func aout(size int, headerAddr, loadAddr, loadEnd, bssEnd, entry uint32) []byte {
	b := fill(size, 11)
	copy(b[0x40:], mbHeader(1<<16|3, headerAddr, loadAddr, loadEnd, bssEnd, entry))
	return b
}

func TestLoadMultibootAout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		kernel           []byte
		wantErr          string
		fileOff, fileLen int
		memLen           int
	}{
		{"load_end and bss", aout(0x2000, 0x100040, 0x100000, 0x101800, 0x103000, 0x100080), "", 0, 0x1800, 0x3000},
		{"load to the end of the file", aout(0x2000, 0x100040, 0x100000, 0, 0, 0x100080), "", 0, 0x2000, 0x2000},
		{"header inside the image", aout(0x2000, 0x200000, 0x1FFFE0, 0, 0x203000, 0x200000), "", 0x20, 0x1FE0, 0x3020},
		{"load_addr above header_addr", aout(0x2000, 0x100040, 0x100050, 0, 0, 0x100080), "load_addr 0x100050 is above header_addr", 0, 0, 0},
		{"image starts before the file", aout(0x2000, 0x100040, 0x100000-0x100, 0, 0, 0x100080), "0x100 bytes before the file", 0, 0, 0},
		{"load_end beyond the file", aout(0x2000, 0x100040, 0x100000, 0x103000, 0, 0x100080), "truncated kernel: the Multiboot header loads 0x3000 bytes", 0, 0, 0},
		{"bss_end below load_end", aout(0x2000, 0x100040, 0x100000, 0x101800, 0x101000, 0x100080), "bss_end_addr 0x101000 is below", 0, 0, 0},
		{"address fields cut off", aout(0x2000, 0x100040, 0x100000, 0, 0, 0x100080)[:0x50], "address fields run past the end", 0, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := boot.LoadMultiboot(tc.kernel, "", nil, 32*mib)
			errContains(t, err, tc.wantErr)
			if err != nil {
				return
			}
			want := make([]byte, tc.memLen)
			copy(want, tc.kernel[tc.fileOff:tc.fileOff+tc.fileLen])
			if p.Multiboot.ELF || !bytes.Equal(p.Kernel.Data, want) {
				t.Fatalf("image %d bytes (ELF %v), want %d", len(p.Kernel.Data), p.Multiboot.ELF, len(want))
			}
		})
	}
}

func TestConfigureMultiboot(t *testing.T) {
	t.Parallel()
	p, err := boot.LoadMultiboot(goodELF(), "x", nil, 32*mib)
	if err != nil {
		t.Fatal(err)
	}
	fw := fwcfg.New()
	boot.Configure(fw, p)
	checks := []struct {
		name      string
		got, want uint32
	}{
		{"KERNEL_ENTRY", readU32(fw, fwcfg.KernelEntry), 0x100010},
		{"KERNEL_ADDR", readU32(fw, fwcfg.KernelAddr), 0x100000},
		{"KERNEL_SIZE", readU32(fw, fwcfg.KernelSize), 0x6000},
		{"INITRD_ADDR", readU32(fw, fwcfg.InitrdAddr), 0x9000},
		{"INITRD_SIZE", readU32(fw, fwcfg.InitrdSize), uint32(len(p.Initrd.Data))},
		{"CMDLINE_SIZE", readU32(fw, fwcfg.CmdlineSize), 0},
		{"SETUP_SIZE", readU32(fw, fwcfg.SetupSize), 0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %#x, want %#x", c.name, c.got, c.want)
		}
	}
	if got := readItem(fw, fwcfg.InitrdData, len(p.Initrd.Data)); !bytes.Equal(got, p.Initrd.Data) {
		t.Fatal("INITRD_DATA differs from the information block")
	}
}

func TestRealMultibootKernel(t *testing.T) {
	t.Parallel()
	k := readImage(t, "aqeous.bin")
	if !boot.IsMultiboot(k) || boot.IsBzImage(k) {
		t.Fatal("aqeous.bin not detected as Multiboot")
	}
	p, err := boot.Load(k, nil, "", 1024*mib)
	if err != nil {
		t.Fatal(err)
	}
	info := p.Multiboot
	if p.Kind != boot.Multiboot || !info.ELF || info.Flags != 0x3 || info.HeaderOffset != 4096 || len(info.Segments) != 3 {
		t.Fatalf("kind %v info %+v", p.Kind, info)
	}
	if p.Entry != 0x10041C || p.Kernel.Addr != 0x100000 || p.Kernel.End() != 0x178000+0x41BE0 {
		t.Fatalf("entry %#x image %#x-%#x", p.Entry, p.Kernel.Addr, p.Kernel.End())
	}
}

func TestDetect(t *testing.T) {
	t.Parallel()
	bz := makeBzImage(goodBz())
	old := func() []byte { o := goodBz(); o.proto = 0x1FF; return makeBzImage(o) }()
	tests := []struct {
		name           string
		b              []byte
		bzImage, mboot bool
		loadErr        string
	}{
		{"bzImage", bz, true, false, ""},
		{"old protocol", old, false, false, "older than 2.00"},
		{"multiboot ELF", goodELF(), false, true, ""},
		{"bad checksum", func() []byte { b := goodELF(); b[0x108]++; return b }(), false, false, "bad checksum"},
		{"neither", fill(10000, 1), false, false, "neither a Linux bzImage nor a Multiboot kernel"},
		{"empty", nil, false, false, "neither"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := boot.IsBzImage(tc.b); got != tc.bzImage {
				t.Errorf("IsBzImage = %v", got)
			}
			if got := boot.IsMultiboot(tc.b); got != tc.mboot {
				t.Errorf("IsMultiboot = %v", got)
			}
			_, err := boot.Load(tc.b, nil, "", 64*mib)
			errContains(t, err, tc.loadErr)
		})
	}
	if _, err := boot.Load(goodELF(), []byte{1}, "", 64*mib); err == nil || !strings.Contains(err.Error(), "modules, not an initrd") {
		t.Fatalf("multiboot with initrd: %v", err)
	}
}

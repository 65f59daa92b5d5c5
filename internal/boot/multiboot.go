package boot

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// The Multiboot header (Multiboot Specification 0.6.96, 3.1).
const (
	mbHeaderMagic = 0x1BADB002
	mbSearchLimit = 8192 // the header lies in the first 8 KiB, 4-byte aligned

	mbPageAlign  = 1 << 0  // modules page-aligned (always done)
	mbMemoryInfo = 1 << 1  // mem_* and mmap_* wanted (always given)
	mbVideoMode  = 1 << 2  // a graphics mode wanted (not done)
	mbAoutKludge = 1 << 16 // load addresses in the header
	mbRequired   = 0xFFFF  // bits a loader must honour or refuse
	mbKnown      = mbPageAlign | mbMemoryInfo | mbVideoMode
)

// The information structure (3.3): flags and field offsets.
const (
	mbiFlagMem      = 1 << 0
	mbiFlagCmdline  = 1 << 2
	mbiFlagMods     = 1 << 3
	mbiFlagMmap     = 1 << 6
	mbiFlagLoader   = 1 << 9
	mbiFlags        = 0
	mbiCmdline      = 16
	mbiModsCount    = 20
	mbiModsAddr     = 24
	mbiLoaderName   = 64
	mbiSize         = 88 // through the VBE fields
	mbModuleSize    = 16 // mod_start, mod_end, string, reserved
	mbMmapEntrySize = 24 // size (20), base_addr, length, type
	mmapAvailable   = 1
	mmapReserved    = 2
)

// Where the information block goes and how it is laid out: the structure,
// the memory map (room for the ROM's E820 entries), the module list, then
// the strings. The stack the ROM leaves for the kernel grows down from it.
const (
	mbInfoAddr    = 0x9000
	mbInfoMmapOff = 0x60
	mbInfoModsOff = mbInfoMmapOff + maxMmapEntries*mbMmapEntrySize
	mbInfoMaxSize = 0x80000 - mbInfoAddr
	biosArea      = 0xF0000 // the BIOS ROM, reserved in the map
	vgaHole       = 0xA0000
	loaderName    = "do86"
)

// Module is a Multiboot boot module: its contents and its string
// (conventionally the file name and arguments, as GRUB passes them).
type Module struct {
	Data []byte
	Args string
}

// MultibootInfo is what LoadMultiboot found in the kernel and where it put
// things.
type MultibootInfo struct {
	HeaderOffset int    // file offset of the Multiboot header
	Flags        uint32 // the header's flags
	ELF          bool   // loaded by ELF program headers, else the a.out kludge
	Segments     []Segment
	InfoAddr     uint32   // the information structure (EBX)
	ModuleAddrs  []uint32 // where each module starts
}

// Segment is one loaded piece of the kernel image.
type Segment struct {
	Addr     uint32
	FileSize uint32 // bytes from the file
	MemSize  uint32 // bytes in memory, the rest zeros
}

var errNoMultiboot = errors.New("no Multiboot header in the first 8 KiB")

// findMultibootHeader returns the offset of the first Multiboot header with
// a good checksum, errNoMultiboot, or an error for a header with a bad one.
func findMultibootHeader(b []byte) (int, error) {
	bad := -1
	for off := 0; off+12 <= len(b) && off+12 <= mbSearchLimit; off += 4 {
		magic := binary.LittleEndian.Uint32(b[off:])
		if magic != mbHeaderMagic {
			continue
		}
		flags, sum := binary.LittleEndian.Uint32(b[off+4:]), binary.LittleEndian.Uint32(b[off+8:])
		if magic+flags+sum == 0 {
			return off, nil
		}
		if bad < 0 {
			bad = off
		}
	}
	if bad >= 0 {
		return 0, fmt.Errorf("the Multiboot header at 0x%x has a bad checksum", bad)
	}
	return 0, errNoMultiboot
}

// IsMultiboot reports whether b has a valid Multiboot 1 header in its first
// 8 KiB.
func IsMultiboot(b []byte) bool {
	_, err := findMultibootHeader(b)
	return err == nil
}

// LoadMultiboot plans booting a Multiboot 1 kernel with a command line and
// modules in a machine of ramSize bytes. The image goes where its ELF
// program headers (physical addresses) or a.out-kludge header say, at or
// above 1 MiB; modules follow it page-aligned; the information structure,
// memory map and strings sit at 0x9000. The boot ROM replaces the map with
// SeaBIOS's E820 map at boot time; the one written here describes the same
// layout and stays if E820 fails.
func LoadMultiboot(kernel []byte, cmdline string, modules []Module, ramSize uint32) (*Plan, error) {
	top, err := usableTop(ramSize)
	if err != nil {
		return nil, err
	}
	hdr, err := findMultibootHeader(kernel)
	if err != nil {
		return nil, err
	}
	flags := binary.LittleEndian.Uint32(kernel[hdr+4:])
	if unknown := flags & mbRequired &^ mbKnown; unknown != 0 {
		return nil, fmt.Errorf("the Multiboot header requires features this loader lacks (flags 0x%x)", unknown)
	}
	info := &MultibootInfo{HeaderOffset: hdr, Flags: flags, InfoAddr: mbInfoAddr}
	p := &Plan{Kind: Multiboot, Multiboot: info}
	if flags&mbVideoMode != 0 {
		p.Notes = append(p.Notes, "the kernel asks for a video mode (Multiboot flag 2); it gets VGA text mode and no VBE information")
	}

	var segs []segment
	switch {
	case flags&mbAoutKludge != 0:
		var s segment
		s, p.Entry, err = aoutSegment(kernel, hdr)
		segs = []segment{s}
	case isELF(kernel):
		info.ELF = true
		segs, p.Entry, err = elfSegments(kernel)
	default:
		err = fmt.Errorf("not an ELF file, and its Multiboot header has no load addresses (flag 16)")
	}
	if err != nil {
		return nil, err
	}
	image, err := layImage(segs, top, ramSize)
	if err != nil {
		return nil, err
	}
	for _, s := range segs {
		info.Segments = append(info.Segments, Segment{s.addr, uint32(len(s.data)), s.memSize})
	}
	if p.Entry < image.Addr || uint64(p.Entry) >= image.End() {
		return nil, fmt.Errorf("the entry point 0x%x is outside the loaded image 0x%x-0x%x", p.Entry, image.Addr, image.End())
	}

	// Modules follow the image, each on a page boundary.
	end := image.End()
	for i, m := range modules {
		start := (end + 0xFFF) &^ 0xFFF
		end = start + uint64(len(m.Data))
		if end > uint64(top) {
			return nil, fmt.Errorf("module %d does not fit: the modules need %d MiB of RAM, the machine has %d MiB", i+1, mib(end+biosHighReserve), ramSize>>20)
		}
		info.ModuleAddrs = append(info.ModuleAddrs, uint32(start))
	}
	if len(modules) > 0 {
		grown := make([]byte, end-uint64(image.Addr))
		copy(grown, image.Data)
		for i, m := range modules {
			copy(grown[info.ModuleAddrs[i]-image.Addr:], m.Data)
		}
		image.Data = grown
	}
	p.Kernel = image

	block, err := multibootInfo(cmdline, modules, info.ModuleAddrs, top, ramSize)
	if err != nil {
		return nil, err
	}
	p.Initrd = Blob{mbInfoAddr, block}
	return p, nil
}

// layImage checks the segments against memory and each other and returns
// one blob from the lowest to the highest address, gaps and bss zeroed.
func layImage(segs []segment, top, ramSize uint32) (Blob, error) {
	sort.SliceStable(segs, func(i, j int) bool { return segs[i].addr < segs[j].addr })
	for i, s := range segs {
		end := uint64(s.addr) + uint64(s.memSize)
		if s.addr < highMemory {
			return Blob{}, fmt.Errorf("the kernel loads at 0x%x, below 1 MiB where the BIOS lives", s.addr)
		}
		if end > uint64(top) {
			return Blob{}, fmt.Errorf("the kernel loads up to 0x%x, beyond the %d MiB of RAM", end, ramSize>>20)
		}
		if i > 0 {
			if prev := segs[i-1]; uint64(prev.addr)+uint64(prev.memSize) > uint64(s.addr) {
				return Blob{}, fmt.Errorf("bad kernel: segments at 0x%x and 0x%x overlap", prev.addr, s.addr)
			}
		}
	}
	base := segs[0].addr
	last := segs[len(segs)-1]
	data := make([]byte, uint64(last.addr)+uint64(last.memSize)-uint64(base))
	for _, s := range segs {
		copy(data[s.addr-base:], s.data)
	}
	return Blob{base, data}, nil
}

// multibootInfo builds the information block placed at mbInfoAddr.
func multibootInfo(cmdline string, modules []Module, modAddrs []uint32, top, ramSize uint32) ([]byte, error) {
	strs := []string{cmdline, loaderName}
	for _, m := range modules {
		strs = append(strs, m.Args)
	}
	size := mbInfoModsOff + len(modules)*mbModuleSize
	for _, s := range strs {
		if strings.IndexByte(s, 0) >= 0 {
			return nil, fmt.Errorf("a Multiboot command line or module string contains a NUL byte")
		}
		size += len(s) + 1
	}
	if size > mbInfoMaxSize {
		return nil, fmt.Errorf("the Multiboot command line and module strings are too long (%d KiB)", size>>10)
	}
	b := make([]byte, mbInfoModsOff+len(modules)*mbModuleSize, size)
	put := func(off int, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }
	addString := func(s string) uint32 {
		a := mbInfoAddr + uint32(len(b))
		b = append(append(b, s...), 0)
		return a
	}

	put(mbiFlags, mbiFlagMem|mbiFlagCmdline|mbiFlagMods|mbiFlagMmap|mbiFlagLoader)
	put(mbiMemLower, ebdaStart>>10)
	put(mbiMemUpper, (top-highMemory)>>10)
	put(mbiCmdline, addString(cmdline))
	put(mbiLoaderName, addString(loaderName))
	put(mbiModsCount, uint32(len(modules)))
	put(mbiModsAddr, mbInfoAddr+mbInfoModsOff)
	for i, m := range modules {
		e := mbInfoModsOff + i*mbModuleSize
		put(e, modAddrs[i])
		put(e+4, modAddrs[i]+uint32(len(m.Data))) // mod_end: just past the module
		put(e+8, addString(m.Args))
	}

	// The map SeaBIOS's E820 gives for this machine; the ROM rewrites it.
	mmap := [][3]uint64{
		{0, ebdaStart, mmapAvailable},
		{ebdaStart, vgaHole - ebdaStart, mmapReserved},
		{biosArea, highMemory - biosArea, mmapReserved},
		{highMemory, uint64(top) - highMemory, mmapAvailable},
		{uint64(top), uint64(ramSize - top), mmapReserved},
	}
	for i, e := range mmap {
		off := mbInfoMmapOff + i*mbMmapEntrySize
		put(off, mbMmapEntrySize-4)
		binary.LittleEndian.PutUint64(b[off+4:], e[0])
		binary.LittleEndian.PutUint64(b[off+12:], e[1])
		put(off+20, uint32(e[2]))
	}
	put(mbiMmapLength, uint32(len(mmap)*mbMmapEntrySize))
	put(mbiMmapAddr, mbInfoAddr+mbInfoMmapOff)
	return b, nil
}

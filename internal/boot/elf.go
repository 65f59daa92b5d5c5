package boot

import (
	"encoding/binary"
	"fmt"
)

// segment is a piece of the kernel image: data copied to addr, then zeros
// up to memSize.
type segment struct {
	addr    uint32
	data    []byte
	memSize uint32
}

// ELF32 constants (System V ABI, Intel386 supplement).
const (
	elfHeaderSize = 52
	elfPhdrSize   = 32
	elfClass32    = 1
	elfData2LSB   = 1
	emI386        = 3
	ptLoad        = 1
)

// isELF reports whether b starts with the ELF magic.
func isELF(b []byte) bool { return len(b) >= 4 && string(b[:4]) == "\x7fELF" }

// elfSegments reads the PT_LOAD program headers of a 32-bit i386 ELF file,
// placing each at its physical address, and the entry point (translated to
// a physical address when it lies in a segment whose virtual and physical
// addresses differ, as GRUB does for higher-half kernels).
func elfSegments(b []byte) ([]segment, uint32, error) {
	if len(b) < elfHeaderSize {
		return nil, 0, fmt.Errorf("truncated ELF: %d bytes, shorter than the ELF header", len(b))
	}
	switch {
	case b[4] != elfClass32:
		return nil, 0, fmt.Errorf("ELF class %d: a Multiboot 1 kernel is a 32-bit ELF (class 1)", b[4])
	case b[5] != elfData2LSB:
		return nil, 0, fmt.Errorf("big-endian ELF: not an x86 kernel")
	}
	le16 := func(off int) int { return int(binary.LittleEndian.Uint16(b[off:])) }
	le32 := func(off int) uint32 { return binary.LittleEndian.Uint32(b[off:]) }
	if m := le16(18); m != emI386 {
		return nil, 0, fmt.Errorf("ELF machine %d is not i386 (3)", m)
	}
	entry := le32(24)
	phoff, phentsize, phnum := uint64(le32(28)), le16(42), le16(44)
	if phnum == 0 {
		return nil, 0, fmt.Errorf("ELF has no program headers")
	}
	if phentsize < elfPhdrSize {
		return nil, 0, fmt.Errorf("bad ELF: program headers of %d bytes, less than %d", phentsize, elfPhdrSize)
	}
	if end := phoff + uint64(phnum)*uint64(phentsize); end > uint64(len(b)) {
		return nil, 0, fmt.Errorf("truncated ELF: the program header table (%d entries at 0x%x) runs past the end of the file", phnum, phoff)
	}
	var segs []segment
	physEntry, translated := entry, false
	for i := 0; i < phnum; i++ {
		ph := int(phoff) + i*phentsize
		typ, off, vaddr, paddr := le32(ph), le32(ph+4), le32(ph+8), le32(ph+12)
		filesz, memsz := le32(ph+16), le32(ph+20)
		if typ != ptLoad || memsz == 0 {
			continue
		}
		if filesz > memsz {
			return nil, 0, fmt.Errorf("bad ELF: program header %d has more file bytes (0x%x) than memory bytes (0x%x)", i, filesz, memsz)
		}
		if uint64(off)+uint64(filesz) > uint64(len(b)) {
			return nil, 0, fmt.Errorf("truncated ELF: program header %d points past the end of the file (0x%x bytes at 0x%x, file is 0x%x bytes)", i, filesz, off, len(b))
		}
		if uint64(paddr)+uint64(memsz) > 1<<32 {
			return nil, 0, fmt.Errorf("bad ELF: program header %d ends beyond 4 GiB", i)
		}
		segs = append(segs, segment{addr: paddr, data: b[off : off+filesz], memSize: memsz})
		if !translated && vaddr != paddr && entry >= vaddr && entry-vaddr < memsz {
			physEntry, translated = entry-vaddr+paddr, true
		}
	}
	if len(segs) == 0 {
		return nil, 0, fmt.Errorf("ELF has no loadable (PT_LOAD) segments")
	}
	return segs, physEntry, nil
}

// aoutSegment reads the load addresses of the Multiboot header at hdr
// (flag 16, the "a.out kludge"): the image from load_addr to load_end_addr
// sits in the file so that the header lands at header_addr, and zeros
// follow up to bss_end_addr.
func aoutSegment(b []byte, hdr int) (segment, uint32, error) {
	if hdr+32 > len(b) {
		return segment{}, 0, fmt.Errorf("truncated kernel: the Multiboot header's address fields run past the end of the file")
	}
	le32 := func(off int) uint32 { return binary.LittleEndian.Uint32(b[hdr+off:]) }
	headerAddr, loadAddr, loadEnd, bssEnd, entry := le32(12), le32(16), le32(20), le32(24), le32(28)
	if loadAddr > headerAddr {
		return segment{}, 0, fmt.Errorf("bad Multiboot header: load_addr 0x%x is above header_addr 0x%x", loadAddr, headerAddr)
	}
	if uint64(headerAddr-loadAddr) > uint64(hdr) {
		return segment{}, 0, fmt.Errorf("bad Multiboot header: load_addr 0x%x would start 0x%x bytes before the file", loadAddr, uint64(headerAddr-loadAddr)-uint64(hdr))
	}
	fileOff := uint32(hdr) - (headerAddr - loadAddr)
	size := uint32(len(b)) - fileOff
	if loadEnd != 0 {
		if loadEnd < loadAddr {
			return segment{}, 0, fmt.Errorf("bad Multiboot header: load_end_addr 0x%x is below load_addr 0x%x", loadEnd, loadAddr)
		}
		size = loadEnd - loadAddr
		if uint64(fileOff)+uint64(size) > uint64(len(b)) {
			return segment{}, 0, fmt.Errorf("truncated kernel: the Multiboot header loads 0x%x bytes from file offset 0x%x, the file is 0x%x bytes", size, fileOff, len(b))
		}
	}
	memSize := size
	if bssEnd != 0 {
		if uint64(bssEnd) < uint64(loadAddr)+uint64(size) {
			return segment{}, 0, fmt.Errorf("bad Multiboot header: bss_end_addr 0x%x is below the end of the loaded image 0x%x", bssEnd, uint64(loadAddr)+uint64(size))
		}
		memSize = bssEnd - loadAddr
	}
	if uint64(loadAddr)+uint64(memSize) > 1<<32 {
		return segment{}, 0, fmt.Errorf("bad Multiboot header: the image ends beyond 4 GiB")
	}
	return segment{addr: loadAddr, data: b[fileOff : fileOff+size], memSize: memSize}, entry, nil
}

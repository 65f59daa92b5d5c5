package boot

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// Offsets of the real-mode kernel header (Linux Documentation/arch/x86/
// boot.rst, "The real-mode kernel header"), from the start of the file.
const (
	hdrCmdLineMagic  = 0x020 // old command-line protocol: 0xA33F
	hdrCmdLineOffset = 0x022 // old protocol: command line offset from setup
	hdrSetupSects    = 0x1F1
	hdrSyssize       = 0x1F4 // protected-mode size in 16-byte paragraphs (2.04+)
	hdrVidMode       = 0x1FA
	hdrBootFlag      = 0x1FE // 0xAA55
	hdrHeader        = 0x202 // "HdrS"
	hdrVersion       = 0x206
	hdrKernelVersion = 0x20E // pointer to a version string, minus 0x200
	hdrTypeOfLoader  = 0x210
	hdrLoadflags     = 0x211
	hdrSetupMoveSize = 0x212
	hdrRamdiskImage  = 0x218
	hdrRamdiskSize   = 0x21C
	hdrHeapEndPtr    = 0x224 // 2.01+
	hdrCmdLinePtr    = 0x228 // 2.02+
	hdrInitrdAddrMax = 0x22C // 2.03+
	hdrRelocatable   = 0x234 // 2.05+
	hdrCmdlineSize   = 0x238 // 2.06+
	hdrPrefAddress   = 0x258 // 2.10+
	hdrInitSize      = 0x260 // 2.10+
	hdrEnd           = 0x264 // the fields above lie before this
	bootFlag         = 0xAA55
	hdrMagic         = "HdrS"
	loadedHigh       = 0x01 // loadflags: protected-mode code at 1 MiB
	canUseHeap       = 0x80 // loadflags: heap_end_ptr is valid
	cmdLineMagic     = 0xA33F
	loaderUndefined  = 0xFF // type_of_loader of a loader without an assigned ID
	vidModeNormal    = 0xFFFF
	vidModeExtended  = 0xFFFE
	vidModeAsk       = 0xFFFD
	maxSetupSize     = 0x8000 // the setup must fit below its heap (setup.ld)
	oldInitrdAddrMax = 0x37FFFFFF
	oldCmdlineSize   = 255
	newSetupAddr     = 0x10000 // protocol 2.02+: setup as low as convenient
	newHeapEnd       = 0x10000 // heap to the end of the setup's 64 KiB
	oldSetupAddr     = 0x90000 // protocols 2.00 and 2.01: setup must be here
	oldHeapEnd       = 0x9800
	ebdaStart        = 0x9FC00 // SeaBIOS's extended BIOS data area: keep below it
)

// LinuxInfo is what LoadLinux found in a bzImage header.
type LinuxInfo struct {
	Protocol      uint16 // boot protocol version, 0x020F for 2.15
	KernelVersion string // the kernel's version string, if it has one
	SetupSects    int    // real-mode setup sectors after the boot sector
	Relocatable   bool
	InitrdAddrMax uint32
	CmdlineMax    int // longest command line the kernel accepts
}

// IsBzImage reports whether b is a Linux kernel this package can boot:
// boot-sector signature, "HdrS" header, protocol 2.00 or newer, loaded high.
func IsBzImage(b []byte) bool {
	return len(b) > hdrLoadflags &&
		binary.LittleEndian.Uint16(b[hdrBootFlag:]) == bootFlag &&
		string(b[hdrHeader:hdrHeader+4]) == hdrMagic &&
		binary.LittleEndian.Uint16(b[hdrVersion:]) >= 0x200 &&
		b[hdrLoadflags]&loadedHigh != 0
}

// LoadLinux plans booting a bzImage by the Linux x86 boot protocol with an
// optional initrd (nil for none) and command line, in a machine of ramSize
// bytes. The setup goes to 0x10000 with its heap up to 0x20000 and the
// command line there (0x90000/0x99800 for protocols before 2.02), the
// protected-mode kernel to 1 MiB, and the initrd as high as the kernel allows
// below the RAM SeaBIOS keeps.
func LoadLinux(kernel, initrd []byte, cmdline string, ramSize uint32) (*Plan, error) {
	top, err := usableTop(ramSize)
	if err != nil {
		return nil, err
	}
	if len(kernel) < 0x200 {
		return nil, fmt.Errorf("not a Linux kernel: %d bytes is shorter than a boot sector", len(kernel))
	}
	le16 := func(off int) uint16 { return binary.LittleEndian.Uint16(kernel[off:]) }
	le32 := func(off int) uint32 { return binary.LittleEndian.Uint32(kernel[off:]) }
	if le16(hdrBootFlag) != bootFlag {
		return nil, fmt.Errorf("not a Linux kernel: no boot sector signature 0xAA55 at 0x1FE")
	}
	if len(kernel) < hdrHeader+4 || string(kernel[hdrHeader:hdrHeader+4]) != hdrMagic {
		return nil, fmt.Errorf("no \"HdrS\" kernel header: a boot sector, or a Linux kernel older than boot protocol 2.00, which cannot be loaded")
	}
	if len(kernel) < hdrEnd {
		return nil, fmt.Errorf("truncated bzImage: %d bytes, the kernel header alone takes %d", len(kernel), hdrEnd)
	}
	info := &LinuxInfo{Protocol: le16(hdrVersion)}
	proto := info.Protocol
	if proto < 0x200 {
		return nil, fmt.Errorf("Linux boot protocol %d.%02d is older than 2.00 and cannot be loaded", proto>>8, proto&0xFF)
	}
	if kernel[hdrLoadflags]&loadedHigh == 0 {
		return nil, fmt.Errorf("a zImage (kernel loaded below 1 MiB) cannot be loaded; build a bzImage")
	}

	info.SetupSects = int(kernel[hdrSetupSects])
	if info.SetupSects == 0 {
		info.SetupSects = 4 // boot.rst: 0 means 4
	}
	setupSize := (info.SetupSects + 1) * 512
	if setupSize > maxSetupSize {
		return nil, fmt.Errorf("bad bzImage: real-mode setup of %d sectors is larger than 32 KiB", info.SetupSects)
	}
	if len(kernel) <= setupSize {
		return nil, fmt.Errorf("truncated bzImage: %d bytes, but the setup alone takes %d", len(kernel), setupSize)
	}
	pm := kernel[setupSize:]
	if proto >= 0x204 {
		// syssize counts 16-byte paragraphs, rounded up (boot.rst): the
		// last one may reach up to 15 bytes past the end of the file, as
		// QEMU and GRUB accept. The whole file is loaded either way.
		paras := uint64(le32(hdrSyssize))
		if have := (uint64(len(pm)) + 15) / 16; paras > have {
			return nil, fmt.Errorf("truncated bzImage: the protected-mode part is %d bytes, the header says %d", len(pm), paras*16)
		}
	}
	if off := int(le16(hdrKernelVersion)); off != 0 && off+0x200 < len(kernel) {
		s := kernel[off+0x200:]
		if i := strings.IndexByte(string(s[:min(len(s), 256)]), 0); i > 0 {
			info.KernelVersion = string(s[:i])
		}
	}
	info.InitrdAddrMax = oldInitrdAddrMax
	if proto >= 0x203 {
		info.InitrdAddrMax = le32(hdrInitrdAddrMax)
	}
	info.Relocatable = proto >= 0x205 && kernel[hdrRelocatable] != 0

	// Where the real-mode part, its heap and the command line go.
	setupAddr, heapEnd := uint32(newSetupAddr), uint32(newHeapEnd)
	if proto < 0x202 {
		setupAddr, heapEnd = oldSetupAddr, oldHeapEnd
	}
	cmdlineAddr := setupAddr + heapEnd
	info.CmdlineMax = oldCmdlineSize
	if proto >= 0x206 {
		info.CmdlineMax = int(min(le32(hdrCmdlineSize), ebdaStart-1-cmdlineAddr))
	}
	if strings.IndexByte(cmdline, 0) >= 0 {
		return nil, fmt.Errorf("the kernel command line contains a NUL byte")
	}
	if len(cmdline) > info.CmdlineMax {
		return nil, fmt.Errorf("the kernel command line is %d bytes; this kernel takes at most %d", len(cmdline), info.CmdlineMax)
	}

	// The protected-mode kernel at 1 MiB, and what it unpacks into.
	need := uint64(highMemory) + uint64(len(pm))
	if proto >= 0x20A {
		start := binary.LittleEndian.Uint64(kernel[hdrPrefAddress:])
		if start == 0 || start >= 1<<32 {
			start = highMemory
		}
		need = max(need, start+uint64(le32(hdrInitSize)))
	}
	if need > uint64(top) {
		return nil, fmt.Errorf("the kernel needs %d MiB of RAM to unpack, the machine has %d MiB", mib(need+biosHighReserve), ramSize>>20)
	}

	p := &Plan{Kind: Linux, Linux: info}
	vidMode, err := videoMode(cmdline)
	if err != nil {
		return nil, err
	}
	if vidMode != vidModeNormal {
		p.Notes = append(p.Notes, fmt.Sprintf("video mode 0x%04X from the command line", vidMode))
	}

	var initrdAddr uint32
	if len(initrd) > 0 {
		limit := min(uint64(info.InitrdAddrMax)+1, uint64(top))
		size := uint64(len(initrd))
		if size > limit || (limit-size)&^0xFFF < need {
			return nil, fmt.Errorf("initrd of %d MiB does not fit in %d MiB of RAM beside the kernel", mib(size), ramSize>>20)
		}
		initrdAddr = uint32((limit - size) &^ 0xFFF)
	}

	setup := append([]byte(nil), kernel[:setupSize]...)
	put16 := func(off int, v uint16) { binary.LittleEndian.PutUint16(setup[off:], v) }
	put32 := func(off int, v uint32) { binary.LittleEndian.PutUint32(setup[off:], v) }
	put16(hdrVidMode, vidMode)
	setup[hdrTypeOfLoader] = loaderUndefined
	put32(hdrRamdiskImage, initrdAddr)
	put32(hdrRamdiskSize, uint32(len(initrd)))
	if proto >= 0x201 {
		put16(hdrHeapEndPtr, uint16(heapEnd-0x200))
		setup[hdrLoadflags] |= canUseHeap
	}
	if proto >= 0x202 {
		put32(hdrCmdLinePtr, cmdlineAddr)
	} else {
		put16(hdrCmdLineMagic, cmdLineMagic)
		put16(hdrCmdLineOffset, uint16(heapEnd))
		put16(hdrSetupMoveSize, uint16(heapEnd)+uint16(len(cmdline))+1)
	}

	p.Setup = Blob{setupAddr, setup}
	p.Kernel = Blob{highMemory, pm}
	p.Cmdline = Blob{cmdlineAddr, append([]byte(cmdline), 0)}
	if len(initrd) > 0 {
		p.Initrd = Blob{initrdAddr, initrd}
	}
	return p, nil
}

// videoMode returns the vid_mode a "vga=" option on the command line asks
// for (normal, ext, ask or a number), else "normal".
func videoMode(cmdline string) (uint16, error) {
	mode := uint16(vidModeNormal)
	for _, f := range strings.Fields(cmdline) {
		v, ok := strings.CutPrefix(f, "vga=")
		if !ok {
			continue
		}
		switch v {
		case "normal":
			mode = vidModeNormal
		case "ext":
			mode = vidModeExtended
		case "ask":
			mode = vidModeAsk
		default:
			n, err := strconv.ParseUint(v, 0, 16)
			if err != nil {
				return 0, fmt.Errorf("bad video mode %q on the kernel command line", f)
			}
			mode = uint16(n)
		}
	}
	return mode, nil
}

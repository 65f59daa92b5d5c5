// Package boot loads kernels directly, after SeaBIOS has run (so the e820
// map, ACPI and MP tables exist): Linux bzImages by the x86 boot protocol
// 2.00+ and Multiboot 1 kernels (ELF or a.out kludge), the way QEMU's
// -kernel does it — the machine offers the pieces as fw_cfg items and a
// small boot option ROM of our own (see ROM) copies them into RAM and jumps.
//
// Just enough to boot: no Multiboot video modes, ELF symbols, drive or APM
// tables, no Linux zImages, EFI handover or setup_data, and no fw_cfg DMA.
package boot

import (
	"fmt"

	"github.com/do86/do86/internal/dev/fwcfg"
)

// Kind is the boot protocol a Plan follows.
type Kind int

// The boot protocols.
const (
	Linux     Kind = iota + 1 // Linux x86 boot protocol (bzImage)
	Multiboot                 // Multiboot Specification 0.6.96
)

// String names the protocol.
func (k Kind) String() string {
	switch k {
	case Linux:
		return "Linux"
	case Multiboot:
		return "Multiboot"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Blob is bytes the boot ROM copies to a guest-physical address.
type Blob struct {
	Addr uint32
	Data []byte
}

// End is the address just past the blob.
func (b Blob) End() uint64 { return uint64(b.Addr) + uint64(len(b.Data)) }

// Plan is what a machine needs to boot one kernel directly: four blobs in
// the fw_cfg items named after them (ADDR, SIZE and DATA each) and an entry
// point. Build it with LoadLinux or LoadMultiboot, hand it to the machine
// with Configure.
//
// For Linux the blobs are what their names say: Setup is the real-mode
// part with its header filled in, Kernel the protected-mode part at 1 MiB,
// Cmdline the NUL-terminated command line, Initrd the initial RAM disk; Entry
// is 0. For Multiboot, Kernel is everything above 1 MiB (the loaded image,
// its zeroed bss, and the page-aligned modules), Initrd is the Multiboot
// information structure with its strings and memory-map buffer, Cmdline and
// Setup are empty, and Entry is the kernel's entry point. These are the
// conventions of QEMU's own -kernel items.
type Plan struct {
	Kind    Kind
	Kernel  Blob
	Initrd  Blob
	Cmdline Blob
	Setup   Blob
	Entry   uint32

	// Notes lists what the loader ignored or chose on the kernel's behalf
	// (a requested video mode, for example), for a log line.
	Notes []string

	// Linux or Multiboot says what was found in the kernel file.
	Linux     *LinuxInfo
	Multiboot *MultibootInfo
}

// Configure publishes p through the fw_cfg device: the kernel items and the
// boot ROM as the file ROMName. The machine must also list BootOrderPath
// first in its "bootorder" file so that SeaBIOS boots the ROM before any
// disk. Items of an earlier plan are overwritten.
func Configure(fw *fwcfg.Device, p *Plan) {
	for _, b := range []struct {
		blob             Blob
		addr, size, data uint16
	}{
		{p.Kernel, fwcfg.KernelAddr, fwcfg.KernelSize, fwcfg.KernelData},
		{p.Initrd, fwcfg.InitrdAddr, fwcfg.InitrdSize, fwcfg.InitrdData},
		{p.Cmdline, fwcfg.CmdlineAddr, fwcfg.CmdlineSize, fwcfg.CmdlineData},
		{p.Setup, fwcfg.SetupAddr, fwcfg.SetupSize, fwcfg.SetupData},
	} {
		fw.SetItem(b.addr, fwcfg.LE32(b.blob.Addr))
		fw.SetItem(b.size, fwcfg.LE32(uint32(len(b.blob.Data))))
		fw.SetItem(b.data, b.blob.Data)
	}
	fw.SetItem(fwcfg.KernelEntry, fwcfg.LE32(p.Entry))
	fw.SetFile(ROMName, ROM())
}

// Memory the loaders keep clear of.
const (
	// highMemory is where protected-mode kernels are loaded: 1 MiB, above
	// the BIOS, the VGA window and the option ROMs.
	highMemory = 0x100000
	// biosHighReserve is the top of RAM that SeaBIOS keeps for its tables
	// (BUILD_MAX_HIGHTABLE: ACPI, SMBIOS, MP) and marks reserved in e820.
	biosHighReserve = 256 << 10
	// minRAM is the least RAM a direct boot is attempted with.
	minRAM = 2 << 20
)

// usableTop returns the end of the RAM a loader may fill.
func usableTop(ramSize uint32) (uint32, error) {
	if ramSize < minRAM {
		return 0, fmt.Errorf("%d KiB of RAM is too little to boot a kernel", ramSize>>10)
	}
	return ramSize - biosHighReserve, nil
}

// mib formats a byte count in MiB, rounding up.
func mib(n uint64) uint64 { return (n + 1<<20 - 1) >> 20 }

// Load detects the kind of kernel and loads it: a bzImage with initrd and
// cmdline, or a Multiboot kernel with cmdline (an initrd is refused: give
// Multiboot modules to LoadMultiboot instead).
func Load(kernel, initrd []byte, cmdline string, ramSize uint32) (*Plan, error) {
	switch {
	case IsBzImage(kernel):
		return LoadLinux(kernel, initrd, cmdline, ramSize)
	case IsMultiboot(kernel):
		if len(initrd) > 0 {
			return nil, fmt.Errorf("a Multiboot kernel takes modules, not an initrd")
		}
		return LoadMultiboot(kernel, cmdline, nil, ramSize)
	}
	if len(kernel) >= 0x206 && string(kernel[0x202:0x206]) == "HdrS" {
		// Let LoadLinux say what is wrong with it.
		return LoadLinux(kernel, initrd, cmdline, ramSize)
	}
	if _, err := findMultibootHeader(kernel); err != errNoMultiboot {
		return LoadMultiboot(kernel, cmdline, nil, ramSize)
	}
	return nil, fmt.Errorf("neither a Linux bzImage nor a Multiboot kernel")
}

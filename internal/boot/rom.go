package boot

import (
	"sync"

	. "github.com/do86/do86/internal/asm86"
	"github.com/do86/do86/internal/dev/fwcfg"
)

// ROMName is the fw_cfg file the boot ROM is published under. SeaBIOS
// (optionroms.c) runs every ROM under genroms/ during POST; because ours has
// a PnP header with a Bootstrap Entry Vector it becomes a boot candidate
// whose bootorder path is BootOrderPath.
const ROMName = "genroms/do86boot.bin"

// BootOrderPath is the line that puts the boot ROM first in SeaBIOS's
// bootorder file ("Searching bootorder for: /rom@genroms/do86boot.bin").
const BootOrderPath = "/rom@" + ROMName

// Ports of the fw_cfg device the ROM reads from.
const (
	fwCfgSelector = 0x510 // 16-bit write selects an item
	fwCfgData     = 0x511 // each 8-bit read returns the item's next byte
)

// Selectors of the flat code and data segments of the ROM's GDT.
const (
	codeSel = 0x08
	dataSel = 0x10

	gdtLimit = 3*8 - 1 // three descriptors
)

// multibootMagic is what a Multiboot kernel finds in EAX.
const multibootMagic = 0x2BADB002

// maxMmapEntries bounds the memory map the ROM writes from INT 15h E820;
// the loader reserves room for this many 24-byte entries.
const maxMmapEntries = 32

// Offsets in the Multiboot information structure the ROM patches.
const (
	mbiMemLower   = 4
	mbiMemUpper   = 8
	mbiMmapLength = 44
	mbiMmapAddr   = 48
)

var romOnce = sync.OnceValues(assembleROM)

// ROM returns the boot option ROM: whole 512-byte blocks with the 0x55 0xAA header,
// its size in 512-byte units, a PnP header with a Bootstrap Entry Vector, and
// a checksum byte making all bytes sum to 0. It is the same for every
// kernel: what to load comes from fw_cfg items (see Configure).
func ROM() []byte {
	b, _ := romOnce()
	return append([]byte(nil), b...)
}

// ROMListing returns the ROM's assembly listing: offset, bytes, instruction
// and what it is for.
func ROMListing() string {
	_, l := romOnce()
	return l
}

// assembleROM writes the ROM program. What it does when SeaBIOS boots it:
//
//  1. If fw_cfg offers neither a Multiboot entry (KERNEL_ENTRY) nor a Linux
//     setup (SETUP_SIZE), return to SeaBIOS, which tries the next device.
//  2. Enable A20 and enter "unreal" mode: switch to protected mode just long
//     enough to load ES with a flat 4 GiB data segment, then back to real
//     mode; ES keeps its 4 GiB limit, so `a32 rep insb` can write anywhere.
//  3. Copy the four fw_cfg blobs KERNEL, INITRD, CMDLINE and SETUP (each an
//     ADDR, SIZE and DATA item; size 0 means absent) to their addresses by
//     reading the data port with `rep insb`.
//  4. Linux (KERNEL_ENTRY is 0): load DS=ES=FS=GS=SS with the setup segment,
//     SP just below the command line (the top of the setup heap), and
//     far-jump to the setup segment + 0x20, offset 0.
//  5. Multiboot: the INITRD blob is the information structure. Fill its
//     memory map from INT 15h E820 (and mem_lower/mem_upper from the usable
//     regions at 0 and 1 MiB), then enter 32-bit protected mode with flat
//     segments, EAX = 0x2BADB002, EBX = its address, and jump to KERNEL_ENTRY.
//
// These are the items QEMU gives its own loader ROMs, so this ROM also boots
// QEMU's -kernel setups; the interrupt flag stays clear from entry on.
func assembleROM() ([]byte, string) {
	p, err := Assemble(0, romProgram)
	if err != nil {
		panic("boot ROM: " + err.Error())
	}
	if p.Labels["gdt_end"]-p.Labels["gdt"]-1 != gdtLimit {
		panic("boot ROM: GDT size does not match gdtLimit")
	}
	b := p.Code
	b[2] = byte(len(b) / 512)
	pnp := p.Labels["pnp"]
	b[pnp+9] = -sum(b[pnp : pnp+32])
	b[len(b)-1] = -sum(b)
	return b, p.AnnotatedListing()
}

// romProgram is the ROM's code; assembleROM fills in its size and checksums.
func romProgram(a *Asm) {
	a.Dialect = Short

	a.Comment("Option ROM header (0x55 0xAA, size in 512-byte units, init entry)")
	a.Data("0x55, 0xAA", 0x55, 0xAA)
	a.Note("signature")
	a.Data("blocks", 0)
	a.Note("size in 512-byte blocks, filled in at the end")
	a.Retf()
	a.Note("init vector at offset 3: nothing to set up at POST")
	a.Org(0x18)
	a.Word(Imm(0))
	a.Note("no PCI data structure")
	a.Word(L("pnp"))
	a.Note("offset of the PnP expansion header")

	a.Align(16)
	a.Comment("PnP expansion header (PnP BIOS spec 1.0A); SeaBIOS boots a")
	a.Comment("genroms ROM through its Bootstrap Entry Vector")
	a.Label("pnp")
	a.Data(`"$PnP"`, '$', 'P', 'n', 'P')
	a.Data("1", 1)
	a.Note("structure revision")
	a.Data("2", 2)
	a.Note("length in 16-byte units")
	a.Word(Imm(0))
	a.Note("no next header")
	a.Data("0", 0)
	a.Note("reserved")
	a.Data("checksum", 0)
	a.Note("makes this header's bytes sum to 0, filled in at the end")
	a.Dword(Imm(0))
	a.Note("device identifier")
	a.Word(L("manufacturer"))
	a.Note("manufacturer string")
	a.Word(L("product"))
	a.Note("product name string")
	a.Data("0, 0, 0", 0, 0, 0)
	a.Note("device type code")
	a.Data("0", 0)
	a.Note("device indicators")
	a.Word(Imm(0))
	a.Note("boot connection vector: none")
	a.Word(Imm(0))
	a.Note("disconnect vector: none")
	a.Word(L("bev"))
	a.Note("bootstrap entry vector")
	a.Word(Imm(0))
	a.Note("reserved")
	a.Word(Imm(0))
	a.Note("static resource information vector: none")

	a.Label("manufacturer")
	a.ASCIIZ("do86")
	a.Label("product")
	a.ASCIIZ("do86 kernel loader")

	a.Align(8)
	a.Comment("GDT: null, 0x08 flat 32-bit code, 0x10 flat 32-bit data; the")
	a.Comment("accessed bits are preset so the CPU never writes to this ROM")
	a.Label("gdt")
	a.Dword(Imm(0))
	a.Dword(Imm(0))
	a.Dword(Imm(0x0000FFFF))
	a.Note("0x08: base 0, limit 0xFFFFF pages")
	a.Dword(Imm(0x00CF9B00))
	a.Note("present, ring 0, code exec/read, 4K granular, 32-bit")
	a.Dword(Imm(0x0000FFFF))
	a.Note("0x10: base 0, limit 0xFFFFF pages")
	a.Dword(Imm(0x00CF9300))
	a.Note("present, ring 0, data read/write, 4K granular, 32-bit")
	a.Label("gdt_end")

	a.Comment("select: select fw_cfg item AX; leaves DX at the data port")
	a.Label("select")
	a.Mov(DX, Imm(fwCfgSelector))
	a.Out(DX, AX)
	a.Inc(DX)
	a.Note("dx = data port")
	a.Ret()

	a.Comment("value: EAX = the 32-bit value of item AX")
	a.Label("value")
	a.Call("select")
	a.Comment("read32: EAX = the next 4 bytes of the selected item, little-endian")
	a.Label("read32")
	for range 4 {
		a.In(AL, DX)
		a.Ror(EAX, Imm(8))
		a.Note("after four: byte 0 lowest")
	}
	a.Ret()

	// item emits: EAX = the 32-bit value of item key.
	item := func(key uint16, what string) {
		a.Mov(AX, Imm(key))
		a.Note(what)
		a.Call("value")
	}

	a.Comment("Bootstrap entry: SeaBIOS far-calls here to boot")
	a.Label("bev")
	a.Cli()
	a.Cld()
	a.Note("rep insb counts upwards")
	item(fwcfg.KernelEntry, "KERNEL_ENTRY: non-zero for Multiboot")
	a.Test(EAX, EAX)
	a.Jnz("go")
	item(fwcfg.SetupSize, "SETUP_SIZE: non-zero for Linux")
	a.Test(EAX, EAX)
	a.Jnz("go")
	a.Sti()
	a.Note("nothing to boot: let SeaBIOS try the next device")
	a.Retf()

	a.Label("go")
	a.In(AL, Imm(0x92))
	a.Note("system control port A")
	a.Or(AL, Imm(2))
	a.Note("A20 on")
	a.And(AL, Imm(0xFE))
	a.Note("and no fast reset")
	a.Out(Imm(0x92), AL)

	a.Comment("Unreal mode: the GDT's linear address is known only at run time,")
	a.Comment("so its pseudo-descriptor is built on the stack")
	a.Xor(EAX, EAX)
	a.Mov(AX, CS)
	a.Shl(EAX, Imm(4))
	a.Note("eax = linear address of this ROM")
	loadGDT(a)
	a.Mov(EAX, CR0)
	a.Or(AL, Imm(1))
	a.Note("PE")
	a.Mov(CR0, EAX)
	a.JmpShort("pm16")
	a.Note("flush the prefetch queue")
	a.Label("pm16")
	a.Mov(CX, Imm(dataSel))
	a.Mov(ES, CX)
	a.Note("ES: base 0, limit 4 GiB")
	a.And(AL, Imm(0xFE))
	a.Mov(CR0, EAX)
	a.Note("back to real mode; ES keeps its limit")
	a.Xor(CX, CX)
	a.Mov(ES, CX)
	a.Note("ES base 0 (a real-mode load keeps the limit)")

	a.Comment("Copy each blob: EDI = ADDR, ECX = SIZE, then rep insb from DATA")
	for _, b := range []struct {
		addr, size, data uint16
		name             string
	}{
		{fwcfg.KernelAddr, fwcfg.KernelSize, fwcfg.KernelData, "KERNEL"},
		{fwcfg.InitrdAddr, fwcfg.InitrdSize, fwcfg.InitrdData, "INITRD"},
		{fwcfg.CmdlineAddr, fwcfg.CmdlineSize, fwcfg.CmdlineData, "CMDLINE"},
		{fwcfg.SetupAddr, fwcfg.SetupSize, fwcfg.SetupData, "SETUP"},
	} {
		item(b.addr, b.name+"_ADDR")
		a.Mov(EDI, EAX)
		item(b.size, b.name+"_SIZE")
		a.Mov(ECX, EAX)
		a.Mov(AX, Imm(b.data))
		a.Note(b.name + "_DATA")
		a.Call("select")
		a.A32(func() { a.Rep(a.Insb) })
		a.Note("ES:EDI <- port DX, ECX times")
	}
	item(fwcfg.KernelEntry, "KERNEL_ENTRY")
	a.Test(EAX, EAX)
	a.Jnz("multiboot")

	a.Comment("Linux: real-mode setup at SETUP_ADDR, command line above its heap")
	item(fwcfg.SetupAddr, "SETUP_ADDR")
	a.Mov(EBX, EAX)
	item(fwcfg.CmdlineAddr, "CMDLINE_ADDR")
	a.Sub(EAX, EBX)
	a.Note("heap top, as an offset in the setup segment")
	a.Sub(AX, Imm(16))
	a.Shr(EBX, Imm(4))
	a.Note("bx = setup segment")
	a.Mov(DS, BX)
	a.Mov(ES, BX)
	a.Mov(FS, BX)
	a.Mov(GS, BX)
	a.Mov(SS, BX)
	a.Mov(SP, AX)
	a.Add(BX, Imm(0x20))
	a.Push(BX)
	a.Push(Imm(0))
	a.Retf()
	a.Note("jump to setup segment + 0x20 : 0")

	a.Label("multiboot")
	a.Comment("Multiboot: the INITRD blob is the information structure")
	item(fwcfg.InitrdAddr, "INITRD_ADDR")
	a.Shr(EAX, Imm(4))
	a.Mov(SI, AX)
	a.Note("si = its segment (16-byte aligned, below 1 MiB)")
	a.Mov(FS, SI)
	a.Mov(EAX, At(mbiMmapAddr).In(FS))
	a.Note("mmap_addr")
	a.Mov(DI, AX)
	a.And(DI, Imm(15))
	a.Shr(EAX, Imm(4))
	a.Mov(ES, AX)
	a.Note("ES:DI = the map buffer")
	a.Mov(BP, DI)
	a.Note("bp = start of the map")
	a.Xor(EBX, EBX)
	a.Note("E820 continuation: start")
	a.Label("e820")
	a.Mov(DAt("di", 0).In(ES), Imm(20))
	a.Note("entry size field")
	a.Add(DI, Imm(4))
	a.Mov(EAX, Imm(0xE820))
	a.Mov(EDX, Imm(0x534D4150))
	a.Note(`"SMAP"`)
	a.Mov(ECX, Imm(20))
	a.Int(0x15)
	a.Jc("e820_fail")
	a.Cmp(EAX, Imm(0x534D4150))
	a.Jne("e820_fail")
	a.Mov(FS, SI)
	a.Note("the BIOS may not preserve FS")
	a.Cmp(DAt("di", 16).In(ES), Imm(1))
	a.Note("type: usable RAM?")
	a.Jne("e820_next")
	a.Cmp(DAt("di", 4).In(ES), Imm(0))
	a.Note("base below 4 GiB?")
	a.Jne("e820_next")
	a.Mov(EAX, DAt("di", 8).In(ES))
	a.Note("length")
	a.Shr(EAX, Imm(10))
	a.Note("in KiB")
	a.Cmp(DAt("di", 0).In(ES), Imm(0))
	a.Jne("e820_upper")
	a.Mov(At(mbiMemLower).In(FS), EAX)
	a.Note("mem_lower: the region at 0")
	a.JmpShort("e820_next")
	a.Label("e820_upper")
	a.Cmp(DAt("di", 0).In(ES), Imm(0x100000))
	a.Jne("e820_next")
	a.Mov(At(mbiMemUpper).In(FS), EAX)
	a.Note("mem_upper: the region at 1 MiB")
	a.Label("e820_next")
	a.Add(DI, Imm(20))
	a.Mov(AX, DI)
	a.Sub(AX, BP)
	a.Cmp(AX, Imm(maxMmapEntries*24))
	a.Jae("e820_done")
	a.Note("buffer full")
	a.Test(EBX, EBX)
	a.Jnz("e820")
	a.Note("more entries")
	a.JmpShort("e820_done")
	a.Label("e820_fail")
	a.Sub(DI, Imm(4))
	a.Note("drop the entry just begun")
	a.Label("e820_done")
	a.Mov(AX, DI)
	a.Sub(AX, BP)
	a.Note("bytes of map written")
	a.Jz("e820_none")
	a.Note("no E820: keep the loader's map")
	a.Movzx(EAX, AX)
	a.Mov(FS, SI)
	a.Mov(At(mbiMmapLength).In(FS), EAX)
	a.Note("mmap_length")
	a.Label("e820_none")

	a.Comment("Enter 32-bit protected mode through a far pointer built on the stack")
	a.Cli()
	item(fwcfg.KernelEntry, "KERNEL_ENTRY")
	a.Mov(EDI, EAX)
	a.Note("edi = entry point")
	a.Movzx(EBX, SI)
	a.Shl(EBX, Imm(4))
	a.Note("ebx = information structure")
	a.Xor(EAX, EAX)
	a.Mov(AX, CS)
	a.Shl(EAX, Imm(4))
	a.Note("eax = linear address of this ROM")
	a.Mov(ECX, EAX)
	a.Add(ECX, L("pm32"))
	a.Push(Imm(codeSel))
	a.Note("far pointer: selector")
	a.Push(ECX)
	a.Note("far pointer: offset")
	loadGDT(a)
	a.Mov(BP, SP)
	a.Mov(EAX, CR0)
	a.Or(AL, Imm(1))
	a.Note("PE")
	a.Mov(CR0, EAX)
	a.JmpFarDword(DAt("bp", 0))
	a.Note("to pm32 with CS = 0x08")

	a.Bits32()
	a.Label("pm32")
	a.Mov(ECX, Imm(dataSel))
	a.Mov(DS, CX)
	a.Mov(ES, CX)
	a.Mov(FS, CX)
	a.Mov(GS, CX)
	a.Mov(SS, CX)
	a.Mov(ESP, EBX)
	a.Note("a valid stack below the information structure")
	a.Mov(EAX, Imm(multibootMagic))
	a.JmpReg(EDI)
	a.Note("to the kernel")

	// The last byte is the checksum; the PnP header has its own.
	blocks := (a.Len() + 1 + 511) / 512
	a.Org(blocks*512 - 1)
	a.Data("checksum", 0)
	a.Note("makes all bytes sum to 0")
}

func sum(b []byte) byte {
	var s byte
	for _, c := range b {
		s += c
	}
	return s
}

// loadGDT loads GDTR with the ROM's GDT. On entry EAX holds the linear
// address of the ROM; the pseudo-descriptor is built on the stack (its base
// is known only at run time) and dropped again.
func loadGDT(a *Asm) {
	a.Add(EAX, L("gdt"))
	a.Push(EAX)
	a.Note("GDTR base")
	a.Push(Imm(gdtLimit))
	a.Note("GDTR limit")
	a.Mov(BP, SP)
	a.Lgdt32(DAt("bp", 0))
	a.Add(SP, Imm(6))
}

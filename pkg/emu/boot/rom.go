package boot

import (
	"sync"

	"do86/pkg/emu/dev/fwcfg"
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
	a := newAsm()

	a.comment("Option ROM header (0x55 0xAA, size in 512-byte units, init entry)")
	a.db("0x55, 0xAA", 0x55, 0xAA).note("signature")
	a.db("blocks", 0).note("size in 512-byte blocks, filled in at the end")
	a.op("retf", 0xCB).note("init vector at offset 3: nothing to set up at POST")
	a.org(0x18)
	a.dw(num(0)).note("no PCI data structure")
	a.dw(lbl("pnp", 0)).note("offset of the PnP expansion header")

	a.align(16)
	a.comment("PnP expansion header (PnP BIOS spec 1.0A); SeaBIOS boots a")
	a.comment("genroms ROM through its Bootstrap Entry Vector")
	a.label("pnp")
	a.db(`"$PnP"`, '$', 'P', 'n', 'P')
	a.db("1", 1).note("structure revision")
	a.db("2", 2).note("length in 16-byte units")
	a.dw(num(0)).note("no next header")
	a.db("0", 0).note("reserved")
	a.db("checksum", 0).note("makes this header's bytes sum to 0, filled in at the end")
	a.dd(num(0)).note("device identifier")
	a.dw(lbl("manufacturer", 0)).note("manufacturer string")
	a.dw(lbl("product", 0)).note("product name string")
	a.db("0, 0, 0", 0, 0, 0).note("device type code")
	a.db("0", 0).note("device indicators")
	a.dw(num(0)).note("boot connection vector: none")
	a.dw(num(0)).note("disconnect vector: none")
	a.dw(lbl("bev", 0)).note("bootstrap entry vector")
	a.dw(num(0)).note("reserved")
	a.dw(num(0)).note("static resource information vector: none")

	a.label("manufacturer")
	a.asciz("do86")
	a.label("product")
	a.asciz("do86 kernel loader")

	a.align(8)
	a.comment("GDT: null, 0x08 flat 32-bit code, 0x10 flat 32-bit data; the")
	a.comment("accessed bits are preset so the CPU never writes to this ROM")
	a.label("gdt")
	a.dd(num(0))
	a.dd(num(0))
	a.dd(num(0x0000FFFF)).note("0x08: base 0, limit 0xFFFFF pages")
	a.dd(num(0x00CF9B00)).note("present, ring 0, code exec/read, 4K granular, 32-bit")
	a.dd(num(0x0000FFFF)).note("0x10: base 0, limit 0xFFFFF pages")
	a.dd(num(0x00CF9300)).note("present, ring 0, data read/write, 4K granular, 32-bit")
	a.label("gdt_end")

	a.comment("select: select fw_cfg item AX; leaves DX at the data port")
	a.label("select")
	a.movRI(dx, num(fwCfgSelector))
	a.op("out dx, ax", 0xEF)
	a.op("inc dx", 0x42).note("dx = data port")
	a.op("ret", 0xC3)

	a.comment("value: EAX = the 32-bit value of item AX")
	a.label("value")
	a.call("select")
	a.comment("read32: EAX = the next 4 bytes of the selected item, little-endian")
	a.label("read32")
	for k := 0; k < 4; k++ {
		a.op("in al, dx", 0xEC)
		a.shift("ror", eax, 8).note("after four: byte 0 lowest")
	}
	a.op("ret", 0xC3)

	// item emits: EAX = the 32-bit value of item key.
	item := func(key uint16, what string) {
		a.movRI(ax, num(int64(key))).note(what)
		a.call("value")
	}

	a.comment("Bootstrap entry: SeaBIOS far-calls here to boot")
	a.label("bev")
	a.op("cli", 0xFA)
	a.op("cld", 0xFC).note("rep insb counts upwards")
	item(fwcfg.KernelEntry, "KERNEL_ENTRY: non-zero for Multiboot")
	a.aluRR("test", eax, eax)
	a.jcc("jnz", "go")
	item(fwcfg.SetupSize, "SETUP_SIZE: non-zero for Linux")
	a.aluRR("test", eax, eax)
	a.jcc("jnz", "go")
	a.op("sti", 0xFB).note("nothing to boot: let SeaBIOS try the next device")
	a.op("retf", 0xCB)

	a.label("go")
	a.op("in al, 0x92", 0xE4, 0x92).note("system control port A")
	a.aluRI("or", al, num(2)).note("A20 on")
	a.aluRI("and", al, num(0xFE)).note("and no fast reset")
	a.op("out 0x92, al", 0xE6, 0x92)

	a.comment("Unreal mode: the GDT's linear address is known only at run time,")
	a.comment("so its pseudo-descriptor is built on the stack")
	a.aluRR("xor", eax, eax)
	a.movRS(ax, cs)
	a.shift("shl", eax, 4).note("eax = linear address of this ROM")
	a.aluRI("add", eax, lbl("gdt", 0))
	a.push(eax).note("GDTR base")
	a.pushImm(16, num(gdtLimit)).note("GDTR limit")
	a.mov(bp, sp)
	a.lgdt(mem{base: "bp", size: 32})
	a.aluRI("add", sp, num(6))
	a.movCR0(false)
	a.aluRI("or", al, num(1)).note("PE")
	a.movCR0(true)
	a.jcc("jmp", "pm16").note("flush the prefetch queue")
	a.label("pm16")
	a.movRI(cx, num(dataSel))
	a.movSR(es, cx).note("ES: base 0, limit 4 GiB")
	a.aluRI("and", al, num(0xFE))
	a.movCR0(true).note("back to real mode; ES keeps its limit")
	a.aluRR("xor", cx, cx)
	a.movSR(es, cx).note("ES base 0 (a real-mode load keeps the limit)")

	a.comment("Copy each blob: EDI = ADDR, ECX = SIZE, then rep insb from DATA")
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
		a.mov(edi, eax)
		item(b.size, b.name+"_SIZE")
		a.mov(ecx, eax)
		a.movRI(ax, num(int64(b.data))).note(b.name + "_DATA")
		a.call("select")
		a.op("a32 rep insb", 0x67, 0xF3, 0x6C).note("ES:EDI <- port DX, ECX times")
	}
	item(fwcfg.KernelEntry, "KERNEL_ENTRY")
	a.aluRR("test", eax, eax)
	a.jcc("jnz", "multiboot")

	a.comment("Linux: real-mode setup at SETUP_ADDR, command line above its heap")
	item(fwcfg.SetupAddr, "SETUP_ADDR")
	a.mov(ebx, eax)
	item(fwcfg.CmdlineAddr, "CMDLINE_ADDR")
	a.aluRR("sub", eax, ebx).note("heap top, as an offset in the setup segment")
	a.aluRI("sub", ax, num(16))
	a.shift("shr", ebx, 4).note("bx = setup segment")
	a.movSR(ds, bx)
	a.movSR(es, bx)
	a.movSR(fs, bx)
	a.movSR(gs, bx)
	a.movSR(ss, bx)
	a.mov(sp, ax)
	a.aluRI("add", bx, num(0x20))
	a.push(bx)
	a.pushImm(16, num(0))
	a.op("retf", 0xCB).note("jump to setup segment + 0x20 : 0")

	a.label("multiboot")
	a.comment("Multiboot: the INITRD blob is the information structure")
	item(fwcfg.InitrdAddr, "INITRD_ADDR")
	a.shift("shr", eax, 4)
	a.mov(si, ax).note("si = its segment (16-byte aligned, below 1 MiB)")
	a.movSR(fs, si)
	a.load(eax, mem{seg: &fs, base: "", disp: mbiMmapAddr}).note("mmap_addr")
	a.mov(di, ax)
	a.aluRI("and", di, num(15))
	a.shift("shr", eax, 4)
	a.movSR(es, ax).note("ES:DI = the map buffer")
	a.mov(bp, di).note("bp = start of the map")
	a.aluRR("xor", ebx, ebx).note("E820 continuation: start")
	a.label("e820")
	a.aluMI("mov", mem{seg: &es, base: "di", size: 32}, num(20)).note("entry size field")
	a.aluRI("add", di, num(4))
	a.movRI(eax, num(0xE820))
	a.movRI(edx, num(0x534D4150)).note(`"SMAP"`)
	a.movRI(ecx, num(20))
	a.op("int 0x15", 0xCD, 0x15)
	a.jcc("jc", "e820_fail")
	a.aluRI("cmp", eax, num(0x534D4150))
	a.jcc("jne", "e820_fail")
	a.movSR(fs, si).note("the BIOS may not preserve FS")
	a.aluMI("cmp", mem{seg: &es, base: "di", disp: 16, size: 32}, num(1)).note("type: usable RAM?")
	a.jcc("jne", "e820_next")
	a.aluMI("cmp", mem{seg: &es, base: "di", disp: 4, size: 32}, num(0)).note("base below 4 GiB?")
	a.jcc("jne", "e820_next")
	a.load(eax, mem{seg: &es, base: "di", disp: 8}).note("length")
	a.shift("shr", eax, 10).note("in KiB")
	a.aluMI("cmp", mem{seg: &es, base: "di", size: 32}, num(0))
	a.jcc("jne", "e820_upper")
	a.store(mem{seg: &fs, disp: mbiMemLower}, eax).note("mem_lower: the region at 0")
	a.jcc("jmp", "e820_next")
	a.label("e820_upper")
	a.aluMI("cmp", mem{seg: &es, base: "di", size: 32}, num(0x100000))
	a.jcc("jne", "e820_next")
	a.store(mem{seg: &fs, disp: mbiMemUpper}, eax).note("mem_upper: the region at 1 MiB")
	a.label("e820_next")
	a.aluRI("add", di, num(20))
	a.mov(ax, di)
	a.aluRR("sub", ax, bp)
	a.aluRI("cmp", ax, num(maxMmapEntries*24))
	a.jcc("jae", "e820_done").note("buffer full")
	a.aluRR("test", ebx, ebx)
	a.jcc("jnz", "e820").note("more entries")
	a.jcc("jmp", "e820_done")
	a.label("e820_fail")
	a.aluRI("sub", di, num(4)).note("drop the entry just begun")
	a.label("e820_done")
	a.mov(ax, di)
	a.aluRR("sub", ax, bp).note("bytes of map written")
	a.jcc("jz", "e820_none").note("no E820: keep the loader's map")
	a.movzx(eax, ax)
	a.movSR(fs, si)
	a.store(mem{seg: &fs, disp: mbiMmapLength}, eax).note("mmap_length")
	a.label("e820_none")

	a.comment("Enter 32-bit protected mode through a far pointer built on the stack")
	a.op("cli", 0xFA)
	item(fwcfg.KernelEntry, "KERNEL_ENTRY")
	a.mov(edi, eax).note("edi = entry point")
	a.movzx(ebx, si)
	a.shift("shl", ebx, 4).note("ebx = information structure")
	a.aluRR("xor", eax, eax)
	a.movRS(ax, cs)
	a.shift("shl", eax, 4).note("eax = linear address of this ROM")
	a.mov(ecx, eax)
	a.aluRI("add", ecx, lbl("pm32", 0))
	a.pushImm(16, num(codeSel)).note("far pointer: selector")
	a.push(ecx).note("far pointer: offset")
	a.aluRI("add", eax, lbl("gdt", 0))
	a.push(eax).note("GDTR base")
	a.pushImm(16, num(gdtLimit)).note("GDTR limit")
	a.mov(bp, sp)
	a.lgdt(mem{base: "bp", size: 32})
	a.aluRI("add", sp, num(6))
	a.mov(bp, sp)
	a.movCR0(false)
	a.aluRI("or", al, num(1)).note("PE")
	a.movCR0(true)
	a.jmpFar32(mem{base: "bp", size: 32}).note("to pm32 with CS = 0x08")

	a.bits = 32
	a.label("pm32")
	a.movRI(ecx, num(dataSel))
	a.movSR(ds, cx)
	a.movSR(es, cx)
	a.movSR(fs, cx)
	a.movSR(gs, cx)
	a.movSR(ss, cx)
	a.mov(esp, ebx).note("a valid stack below the information structure")
	a.movRI(eax, num(multibootMagic))
	a.jmpReg(edi).note("to the kernel")

	a.link()
	if a.labels["gdt_end"]-a.labels["gdt"]-1 != gdtLimit {
		panic("boot ROM: GDT size does not match gdtLimit")
	}

	// The last byte is the checksum; the PnP header has its own.
	blocks := (len(a.buf) + 1 + 511) / 512
	a.org(blocks*512 - 1)
	a.db("checksum", 0).note("makes all bytes sum to 0")
	a.buf[2] = byte(blocks)
	pnp := a.labels["pnp"]
	a.buf[pnp+9] = -sum(a.buf[pnp : pnp+32])
	a.buf[len(a.buf)-1] = -sum(a.buf)
	return a.buf, a.listing()
}

func sum(b []byte) byte {
	var s byte
	for _, c := range b {
		s += c
	}
	return s
}

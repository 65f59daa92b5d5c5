package bench

import "fmt"

// Markers the guest loops write, to COM1 (port 0x3F8) and to the debug console
// (port 0xE9), so that the host can time them. They are control characters:
// SeaBIOS's own log on the debug console is printable text.
const (
	MarkStart = 0x02 // the loop starts (after entering protected mode)
	MarkChunk = 0x06 // one more chunk of InstrPerChunk instructions is done
	MarkEnd   = 0x04 // the guest ran out of chunks and halts
)

// A Loop is a fixed guest program: a boot sector that enters 32-bit flat
// protected mode with interrupts off, then runs chunks of one inner loop for
// ever, writing MarkChunk after each. Every chunk executes exactly
// InstrPerChunk instructions, so guest MIPS follow from counting markers.
type Loop struct {
	// Name is what --only and the report call it (arith, memory, portio).
	Name string
	// Description says what the inner loop does.
	Description string
	// InstrPerChunk is the number of instructions between two MarkChunk
	// writes, counted from the listing.
	InstrPerChunk uint64
	// Listing is the program, one instruction a line.
	Listing string

	sector []byte
}

// BootSector returns the 512-byte boot sector.
func (l *Loop) BootSector() []byte { return append([]byte(nil), l.sector...) }

// FloppyImage returns a 1.44 MB floppy image whose boot sector is the loop.
func (l *Loop) FloppyImage() []byte {
	img := make([]byte, 1474560)
	copy(img, l.sector)
	return img
}

// Loops returns the guest loops, in report order.
func Loops() []*Loop {
	return []*Loop{arithLoop(), memoryLoop(), portLoop()}
}

// LoopNamed returns the loop called name, or nil.
func LoopNamed(name string) *Loop {
	for _, l := range Loops() {
		if l.Name == name {
			return l
		}
	}
	return nil
}

// Sizes of the loops, chosen so that a chunk takes some 10–30 ms with the
// JIT on (and a few hundred without): short against the measuring time,
// long against the markers' cost.
const (
	arithIterations  = 2_000_000
	memoryPasses     = 8
	memoryDwords     = 1 << 18 // 1 MiB
	memorySource     = 0x100000
	memoryCopyOffset = 0x100000 // the copy goes to 2 MiB
	portIterations   = 50_000
)

// prologue enters 32-bit protected mode and writes MarkStart. The inner
// loop follows at label "chunk"; epilogue closes it.
func prologue(a *asm) {
	a.setRegion("entry")
	// 16-bit real mode, at 0:7C00 as the BIOS left us.
	a.op("cli", 0xFA)
	a.op("cld", 0xFC)
	a.op("xor ax, ax", 0x31, 0xC0)
	a.op("mov ds, ax", 0x8E, 0xD8)
	a.op("mov ss, ax", 0x8E, 0xD0)
	a.op("mov sp, 0x7C00", 0xBC, 0x00, 0x7C)
	// The guest opens the A20 gate through port 0x92 (bit 1), taking care
	// not to set bit 0, which resets the machine.
	a.op("in al, 0x92", 0xE4, 0x92)
	a.op("or al, 0x02", 0x0C, 0x02)
	a.op("and al, 0xFE", 0x24, 0xFE)
	a.op("out 0x92, al", 0xE6, 0x92)
	a.op("lgdt [gdtr]", 0x0F, 0x01, 0x16, 0, 0)
	a.abs16("gdtr", 2)
	a.op("mov eax, cr0", 0x0F, 0x20, 0xC0)
	a.op("or al, 1 ; CR0.PE", 0x0C, 0x01)
	a.op("mov cr0, eax", 0x0F, 0x22, 0xC0)
	a.op("jmp 0x08:pm32", 0xEA, 0, 0, 0x08, 0x00)
	a.abs16("pm32", 4)

	// 32-bit protected mode, flat 4 GiB segments.
	a.label("pm32")
	a.op("mov eax, 0x10", cat([]byte{0xB8}, le32(0x10))...)
	a.op("mov ds, ax", 0x8E, 0xD8)
	a.op("mov es, ax", 0x8E, 0xC0)
	a.op("mov ss, ax", 0x8E, 0xD0)
	a.op("mov esp, 0x7C00", cat([]byte{0xBC}, le32(0x7C00))...)
	// COM1: 8 data bits, no parity, one stop bit, divisor latch off, so
	// that writes to 0x3F8 go to the transmitter.
	a.op("mov dx, 0x3FB ; COM1 LCR", 0x66, 0xBA, 0xFB, 0x03)
	a.op("mov al, 0x03", 0xB0, 0x03)
	a.op("out dx, al", 0xEE)
	a.op("mov ebp, 0x7FFFFFFF ; chunks", cat([]byte{0xBD}, le32(0x7FFFFFFF))...)
	a.op("mov eax, 1", cat([]byte{0xB8}, le32(1))...)
	a.op("mov ebx, 2", cat([]byte{0xBB}, le32(2))...)
	a.op(fmt.Sprintf("mov al, 0x%02X ; MarkStart", MarkStart), 0xB0, MarkStart)
	a.call32("emit")
	a.label("chunk")
	a.setRegion("chunk")
}

// epilogue ends a chunk with MarkChunk, loops, and holds emit and the GDT.
func epilogue(a *asm) {
	a.setRegion("chunk")
	a.op(fmt.Sprintf("mov al, 0x%02X ; MarkChunk", MarkChunk), 0xB0, MarkChunk)
	a.call32("emit")
	a.op("dec ebp", 0x4D)
	a.jcc8(0x75, "jnz chunk", "chunk")
	a.setRegion("end")
	a.op(fmt.Sprintf("mov al, 0x%02X ; MarkEnd", MarkEnd), 0xB0, MarkEnd)
	a.call32("emit")
	a.label("halt")
	a.op("hlt", 0xF4)
	a.jcc8(0xEB, "jmp halt", "halt")

	// emit writes AL to the debug console and to COM1's transmitter.
	a.setRegion("emit")
	a.label("emit")
	a.op("out 0xE9, al", 0xE6, 0xE9)
	a.op("mov dx, 0x3F8", 0x66, 0xBA, 0xF8, 0x03)
	a.op("out dx, al", 0xEE)
	a.op("ret", 0xC3)

	a.setRegion("data")
	for len(a.buf)%8 != 0 {
		a.data("align 8", 0)
	}
	a.label("gdt")
	a.data("null descriptor", 0, 0, 0, 0, 0, 0, 0, 0)
	a.data("0x08: code, base 0, 4 GiB, 32-bit", 0xFF, 0xFF, 0, 0, 0, 0x9A, 0xCF, 0)
	a.data("0x10: data, base 0, 4 GiB", 0xFF, 0xFF, 0, 0, 0, 0x92, 0xCF, 0)
	a.label("gdtr")
	a.data("limit", le16(23)...)
	a.data("base", le32(a.labels["gdt"])...)
}

// finish links the program into a boot sector and fills in l.
func finish(a *asm, l *Loop, passes, iterations uint64) *Loop {
	code, err := a.link()
	if err != nil {
		panic(err) // the programs are fixed: a failure is a bug here
	}
	if len(code) > 510 {
		panic(fmt.Sprintf("bench: %s loop is %d bytes, more than a boot sector", l.Name, len(code)))
	}
	l.sector = make([]byte, 512)
	copy(l.sector, code)
	l.sector[510], l.sector[511] = 0x55, 0xAA
	c := a.count
	l.InstrPerChunk = uint64(c["chunk"]+c["emit"]) + passes*(uint64(c["pass"])+iterations*uint64(c["body"]))
	l.Listing = a.String()
	return l
}

// arithLoop is register arithmetic: add, xor, lea with a scaled index, add,
// and the loop's dec/jnz — 6 instructions an iteration, no memory access.
func arithLoop() *Loop {
	a := newAsm(0x7C00)
	prologue(a)
	a.op(fmt.Sprintf("mov ecx, %d", arithIterations), cat([]byte{0xB9}, le32(arithIterations))...)
	a.setRegion("body")
	a.label("body")
	a.op("add eax, ebx", 0x01, 0xD8)
	a.op("xor ebx, eax", 0x31, 0xC3)
	a.op("lea esi, [eax+ebx*2+1]", 0x8D, 0x74, 0x58, 0x01)
	a.op("add eax, esi", 0x01, 0xF0)
	a.op("dec ecx", 0x49)
	a.jcc8(0x75, "jnz body", "body")
	epilogue(a)
	return finish(a, &Loop{Name: "arith", Description: "register arithmetic (add, xor, lea, dec/jnz)"}, 1, arithIterations)
}

// memoryLoop reads a 1 MiB buffer at 1 MiB a dword at a time, sums it and
// copies it to 2 MiB: 6 instructions, one load and one store an iteration,
// memoryPasses passes a chunk.
func memoryLoop() *Loop {
	a := newAsm(0x7C00)
	prologue(a)
	a.op(fmt.Sprintf("mov edi, %d ; passes", memoryPasses), cat([]byte{0xBF}, le32(memoryPasses))...)
	a.setRegion("pass")
	a.label("pass")
	a.op(fmt.Sprintf("mov esi, 0x%X", memorySource), cat([]byte{0xBE}, le32(memorySource))...)
	a.op(fmt.Sprintf("mov ecx, 0x%X", memoryDwords), cat([]byte{0xB9}, le32(memoryDwords))...)
	a.setRegion("body")
	a.label("body")
	a.op("mov edx, [esi]", 0x8B, 0x16)
	a.op("add eax, edx", 0x01, 0xD0)
	a.op(fmt.Sprintf("mov [esi+0x%X], edx", memoryCopyOffset), cat([]byte{0x89, 0x96}, le32(memoryCopyOffset))...)
	a.op("add esi, 4", 0x83, 0xC6, 0x04)
	a.op("dec ecx", 0x49)
	a.jcc8(0x75, "jnz body", "body")
	a.setRegion("pass")
	a.op("dec edi", 0x4F)
	a.jcc8(0x75, "jnz pass", "pass")
	epilogue(a)
	return finish(a, &Loop{Name: "memory", Description: "sum and copy a 1 MiB buffer (a load and a store an iteration)"}, memoryPasses, memoryDwords)
}

// portLoop reads port 0x61 (the PIT's gate and speaker port, which every PC
// answers) and writes port 0x80 (the POST code port): two host calls in 4
// instructions.
func portLoop() *Loop {
	a := newAsm(0x7C00)
	prologue(a)
	a.op(fmt.Sprintf("mov ecx, %d", portIterations), cat([]byte{0xB9}, le32(portIterations))...)
	a.setRegion("body")
	a.label("body")
	a.op("in al, 0x61", 0xE4, 0x61)
	a.op("out 0x80, al", 0xE6, 0x80)
	a.op("dec ecx", 0x49)
	a.jcc8(0x75, "jnz body", "body")
	epilogue(a)
	return finish(a, &Loop{Name: "portio", Description: "port I/O: in al, 0x61; out 0x80, al (two exits to the host)"}, 1, portIterations)
}

package bench

import (
	"encoding/binary"
	"fmt"
	"strings"

	. "github.com/do86/do86/internal/asm86"
)

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
// loop follows at label "chunk"; epilogue closes it. Code that asm86 has no
// 32-bit form for is written as its bytes (Op), each with its text.
func prologue(a *Asm) {
	region(a, "entry")
	// 16-bit real mode, at 0:7C00 as the BIOS left us.
	a.Cli()
	a.Cld()
	a.Op("xor ax, ax", 0x31, 0xC0)
	a.Op("mov ds, ax", 0x8E, 0xD8)
	a.Op("mov ss, ax", 0x8E, 0xD0)
	a.Op("mov sp, 0x7C00", 0xBC, 0x00, 0x7C)
	// The guest opens the A20 gate through port 0x92 (bit 1), taking care
	// not to set bit 0, which resets the machine.
	a.Op("in al, 0x92", 0xE4, 0x92)
	a.Op("or al, 0x02", 0x0C, 0x02)
	a.Op("and al, 0xFE", 0x24, 0xFE)
	a.Op("out 0x92, al", 0xE6, 0x92)
	a.Op("lgdt [gdtr]", append([]byte{0x0F, 0x01, 0x16}, le16(a.Addr("gdtr"))...)...)
	a.Op("mov eax, cr0", 0x0F, 0x20, 0xC0)
	a.Op("or al, 1 ; CR0.PE", 0x0C, 0x01)
	a.Op("mov cr0, eax", 0x0F, 0x22, 0xC0)
	a.Op("jmp 0x08:pm32", append([]byte{0xEA}, append(le16(a.Addr("pm32")), 0x08, 0x00)...)...)

	// 32-bit protected mode, flat 4 GiB segments.
	a.Bits32()
	a.Label("pm32")
	a.Op("mov eax, 0x10", append([]byte{0xB8}, le32(0x10)...)...)
	a.Op("mov ds, ax", 0x8E, 0xD8)
	a.Op("mov es, ax", 0x8E, 0xC0)
	a.Op("mov ss, ax", 0x8E, 0xD0)
	a.Op("mov esp, 0x7C00", append([]byte{0xBC}, le32(0x7C00)...)...)
	// COM1: 8 data bits, no parity, one stop bit, divisor latch off, so
	// that writes to 0x3F8 go to the transmitter.
	a.Op("mov dx, 0x3FB ; COM1 LCR", 0x66, 0xBA, 0xFB, 0x03)
	a.Op("mov al, 0x03", 0xB0, 0x03)
	a.Op("out dx, al", 0xEE)
	a.Op("mov ebp, 0x7FFFFFFF ; chunks", append([]byte{0xBD}, le32(0x7FFFFFFF)...)...)
	a.Op("mov eax, 1", append([]byte{0xB8}, le32(1)...)...)
	a.Op("mov ebx, 2", append([]byte{0xBB}, le32(2)...)...)
	a.Op(fmt.Sprintf("mov al, 0x%02X ; MarkStart", MarkStart), 0xB0, MarkStart)
	call32(a, "emit")
	a.Label("chunk")
	region(a, "chunk")
}

// epilogue ends a chunk with MarkChunk, loops, and holds emit and the GDT.
func epilogue(a *Asm) {
	region(a, "chunk")
	a.Op(fmt.Sprintf("mov al, 0x%02X ; MarkChunk", MarkChunk), 0xB0, MarkChunk)
	call32(a, "emit")
	a.Op("dec ebp", 0x4D)
	a.Jnz("chunk")
	region(a, "end")
	a.Op(fmt.Sprintf("mov al, 0x%02X ; MarkEnd", MarkEnd), 0xB0, MarkEnd)
	call32(a, "emit")
	a.Label("halt")
	a.Hlt()
	a.JmpShort("halt")

	// emit writes AL to the debug console and to COM1's transmitter.
	region(a, "emit")
	a.Label("emit")
	a.Op("out 0xE9, al", 0xE6, 0xE9)
	a.Op("mov dx, 0x3F8", 0x66, 0xBA, 0xF8, 0x03)
	a.Op("out dx, al", 0xEE)
	a.Ret()

	region(a, "data")
	a.Align(8)
	a.Label("gdt")
	a.Data("null descriptor", 0, 0, 0, 0, 0, 0, 0, 0)
	a.Data("0x08: code, base 0, 4 GiB, 32-bit", 0xFF, 0xFF, 0, 0, 0, 0x9A, 0xCF, 0)
	a.Data("0x10: data, base 0, 4 GiB", 0xFF, 0xFF, 0, 0, 0, 0x92, 0xCF, 0)
	a.Label("gdtr")
	a.Data("limit", le16(23)...)
	a.Data("base", le32(uint32(a.Addr("gdt")))...)
}

// regionPrefix starts the comment that says which region of the program
// the instructions after it count in (see finish).
const regionPrefix = "; region "

// region counts the instructions that follow in region name: entry,
// chunk, pass, body, end, emit, data.
func region(a *Asm, name string) { a.Comment("region %s", name) }

// call32 is a near call with a 32-bit displacement, in 32-bit code.
func call32(a *Asm, label string) {
	rel := int32(a.Addr(label)) - int32(a.PC()) - 5
	a.Op("call "+label, append([]byte{0xE8}, le32(uint32(rel))...)...)
}

func le16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// finish assembles a loop into a boot sector and fills in l: the
// instructions of a chunk are counted from the listing, by region.
func finish(l *Loop, passes, iterations uint64, prog func(a *Asm)) *Loop {
	p, err := Assemble(0x7C00, prog)
	if err != nil {
		panic(err) // the programs are fixed: a failure is a bug here
	}
	if len(p.Code) > 510 {
		panic(fmt.Sprintf("bench: %s loop is %d bytes, more than a boot sector", l.Name, len(p.Code)))
	}
	l.sector = make([]byte, 512)
	copy(l.sector, p.Code)
	l.sector[510], l.sector[511] = 0x55, 0xAA
	c := map[string]uint64{}
	reg := ""
	for _, line := range p.Lines {
		switch {
		case line.Kind == CommentLine && strings.HasPrefix(line.Text, regionPrefix):
			reg = strings.TrimPrefix(line.Text, regionPrefix)
		case line.Kind == Code:
			c[reg]++
		}
	}
	l.InstrPerChunk = c["chunk"] + c["emit"] + passes*(c["pass"]+iterations*c["body"])
	l.Listing = p.Listing()
	return l
}

// arithLoop is register arithmetic: add, xor, lea with a scaled index, add,
// and the loop's dec/jnz — 6 instructions an iteration, no memory access.
func arithLoop() *Loop {
	return finish(&Loop{Name: "arith", Description: "register arithmetic (add, xor, lea, dec/jnz)"}, 1, arithIterations, func(a *Asm) {
		prologue(a)
		a.Op(fmt.Sprintf("mov ecx, %d", arithIterations), append([]byte{0xB9}, le32(arithIterations)...)...)
		region(a, "body")
		a.Label("body")
		a.Op("add eax, ebx", 0x01, 0xD8)
		a.Op("xor ebx, eax", 0x31, 0xC3)
		a.Op("lea esi, [eax+ebx*2+1]", 0x8D, 0x74, 0x58, 0x01)
		a.Op("add eax, esi", 0x01, 0xF0)
		a.Op("dec ecx", 0x49)
		a.Jnz("body")
		epilogue(a)
	})
}

// memoryLoop reads a 1 MiB buffer at 1 MiB a dword at a time, sums it and
// copies it to 2 MiB: 6 instructions, one load and one store an iteration,
// memoryPasses passes a chunk.
func memoryLoop() *Loop {
	return finish(&Loop{Name: "memory", Description: "sum and copy a 1 MiB buffer (a load and a store an iteration)"}, memoryPasses, memoryDwords, func(a *Asm) {
		prologue(a)
		a.Op(fmt.Sprintf("mov edi, %d ; passes", memoryPasses), append([]byte{0xBF}, le32(memoryPasses)...)...)
		region(a, "pass")
		a.Label("pass")
		a.Op(fmt.Sprintf("mov esi, 0x%X", memorySource), append([]byte{0xBE}, le32(memorySource)...)...)
		a.Op(fmt.Sprintf("mov ecx, 0x%X", memoryDwords), append([]byte{0xB9}, le32(memoryDwords)...)...)
		region(a, "body")
		a.Label("body")
		a.Op("mov edx, [esi]", 0x8B, 0x16)
		a.Op("add eax, edx", 0x01, 0xD0)
		a.Op(fmt.Sprintf("mov [esi+0x%X], edx", memoryCopyOffset), append([]byte{0x89, 0x96}, le32(memoryCopyOffset)...)...)
		a.Op("add esi, 4", 0x83, 0xC6, 0x04)
		a.Op("dec ecx", 0x49)
		a.Jnz("body")
		region(a, "pass")
		a.Op("dec edi", 0x4F)
		a.Jnz("pass")
		epilogue(a)
	})
}

// portLoop reads port 0x61 (the PIT's gate and speaker port, which every PC
// answers) and writes port 0x80 (the POST code port): two host calls in 4
// instructions.
func portLoop() *Loop {
	return finish(&Loop{Name: "portio", Description: "port I/O: in al, 0x61; out 0x80, al (two exits to the host)"}, 1, portIterations, func(a *Asm) {
		prologue(a)
		a.Op(fmt.Sprintf("mov ecx, %d", portIterations), append([]byte{0xB9}, le32(portIterations)...)...)
		region(a, "body")
		a.Label("body")
		a.Op("in al, 0x61", 0xE4, 0x61)
		a.Op("out 0x80, al", 0xE6, 0x80)
		a.Op("dec ecx", 0x49)
		a.Jnz("body")
		epilogue(a)
	})
}

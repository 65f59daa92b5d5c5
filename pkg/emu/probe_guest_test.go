package emu_test

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	. "github.com/do86/do86/internal/asm86"
)

// The probe guest is a boot sector of our own: it enters 16-bit protected
// mode with flat 4 GiB data segments, optionally turns on PAE paging, runs
// the probes the test put in its table and prints one line per probe on
// COM1: eight hex digits, then "END".
//
// With PAE (CR4.PAE alone, as memtest86+ sets it), linear memory is
// mapped with 2 MiB pages: 0-1 GiB, 2-3 GiB and
// 3-4 GiB identity, and 1-2 GiB onto physical 4 GiB + (0-1 GiB), above
// what a 32-bit physical address reaches: a read there must see nothing,
// not the RAM at 0-1 GiB.

// Probe operations.
const (
	probeRead      = iota // read the dword at Addr
	probeWriteRead        // write 0xA5A5A5A5 to Addr, then read it back
	probeWalk             // read the first dword of Arg pages from Addr: print how many read all ones
	probeWalkWrite        // write zero to the first dword of Arg pages, read it back: how many read all ones
	probeReadByte         // read the byte at Addr
	probeExec             // jump to Addr in 32-bit code: print the EIP of the #UD that follows
	probeEnd       = 0xFF
)

// probe is one entry of the guest's table.
type probe struct {
	Addr uint32
	Op   byte
	Arg  uint32
}

// probeTable is where the guest reads its table to (its second sector).
const probeTable = 0x7E00

// probeEntry is the size of one table entry: addr, op (as a dword), arg.
const probeEntry = 12

// The guest's page structures: the PDPT, then four page directories.
const (
	probePDPT = 0x10000
	probePD   = 0x11000
)

// probeSector assembles the guest: its boot sector, then its probe table.
func probeSector(t *testing.T, pae bool, probes []probe) []byte {
	t.Helper()
	paging := 0
	if pae {
		paging = 1
	}
	p, err := Assemble(0x7C00, func(a *Asm) {
		a.Cli()
		a.Cld()
		a.Xor(AX, AX)
		a.Mov(DS, AX)
		a.Mov(SS, AX)
		a.Mov(SP, Imm(0x7C00))
		// The probe table is the floppy's second sector: read it to
		// 0x7E00 (DL is the boot drive, as the BIOS left it).
		a.Mov(ES, AX)
		a.Mov(AX, Imm(0x0201))
		a.Mov(CX, Imm(0x0002))
		a.Mov(DH, Imm(0))
		a.Mov(BX, Imm(probeTable))
		a.Int(0x13)
		a.Lgdt32(W("gdtr"))
		a.Lidt32(W("idtr"))
		a.Mov(EAX, CR0)
		a.Or(AL, Imm(1))
		a.Mov(CR0, EAX)
		a.JmpFar(0x08, a.Addr("pm"))

		// 16-bit protected mode: code segment 0x08 (base 0, 64 KiB),
		// data segment 0x10 (base 0, 4 GiB).
		a.Label("pm")
		a.Mov(AX, Imm(0x10))
		a.Mov(DS, AX)
		a.Mov(ES, AX)
		a.Mov(SS, AX)
		a.Mov(ESP, Imm(0x7C00))
		a.Mov(DX, Imm(0x3FB)) // COM1 LCR: 8N1, divisor latch off
		a.Mov(AL, Imm(3))
		a.Out(DX, AL)
		a.Cmp(B("paging"), Imm(0))
		a.Jne(".pae")
		a.Jmp("probes")
		a.Label(".pae")

		// Four page directories of 2 MiB pages; entry i maps i*2 MiB,
		// except in the second directory (linear 1-2 GiB), which maps
		// 4 GiB + (i-512)*2 MiB.
		a.Mov(EDI, Imm(probePD))
		a.Xor(EBX, EBX)
		a.Label(".pde")
		a.Mov(EAX, EBX)
		a.Shl(EAX, Imm(21))
		a.Or(AL, Imm(0x83)) // present, writable, 2 MiB page
		a.Mov(EDX, EBX)
		a.Shr(EDX, Imm(9))
		a.Cmp(DX, Imm(1))
		a.Jne(".low")
		a.Sub(EAX, Imm(0x40000000))
		a.Label(".low")
		a.A32(a.Stosd)
		a.Xor(EAX, EAX)
		a.Cmp(DX, Imm(1))
		a.Jne(".high")
		a.Inc(AX)
		a.Label(".high")
		a.A32(a.Stosd)
		a.Inc(EBX)
		a.Cmp(BX, Imm(2048))
		a.Jne(".pde")
		// The PDPT: four present entries.
		a.Mov(EDI, Imm(probePDPT))
		a.Mov(EAX, Imm(probePD|1))
		a.Mov(CX, Imm(4))
		a.Label(".pdpte")
		a.A32(a.Stosd)
		a.Push(EAX)
		a.Xor(EAX, EAX)
		a.A32(a.Stosd)
		a.Pop(EAX)
		a.Add(EAX, Imm(0x1000))
		a.Loop(".pdpte")
		a.Mov(EAX, Imm(0x20)) // CR4.PAE alone: 2 MiB pages need no CR4.PSE
		a.Mov(CR4, EAX)
		a.Mov(EAX, Imm(probePDPT))
		a.Mov(CR3, EAX)
		a.Mov(EAX, CR0)
		a.Or(EAX, Imm(-0x80000000)) // CR0.PG
		a.Mov(CR0, EAX)

		a.Label("probes")
		a.Mov(BX, Imm(probeTable))
		a.Label("next")
		a.Mov(ESI, DAt("bx", 0))
		a.Mov(AL, BAt("bx", 4))
		a.Mov(ECX, DAt("bx", 8))
		a.Cmp(AL, Imm(probeEnd))
		a.Je("done")
		a.Cmp(AL, Imm(probeWriteRead))
		a.Je(".write")
		a.Cmp(AL, Imm(probeWalk))
		a.Je(".walk")
		a.Cmp(AL, Imm(probeWalkWrite))
		a.Je(".walk")
		a.Cmp(AL, Imm(probeReadByte))
		a.Je(".byte")
		a.Cmp(AL, Imm(probeExec))
		a.Je(".exec")
		a.Label(".read")
		a.A32(a.Lodsd)
		a.Jmp("report")
		a.Label(".byte")
		a.Xor(EAX, EAX)
		a.A32(a.Lodsb)
		a.Jmp("report")
		a.Label(".exec")
		a.Mov(Mem{Label: "farptr", Size: 4}, ESI)
		a.JmpFarDword(Mem{Label: "farptr", Size: 4})
		a.Label(".write")
		a.Mov(EDI, ESI)
		a.Mov(EAX, Imm(-0x5A5A5A5B)) // 0xA5A5A5A5
		a.A32(a.Stosd)
		a.Jmp(".read")
		a.Label(".walk")
		a.Xor(EBP, EBP)
		a.Label(".page")
		a.Cmp(BAt("bx", 4), Imm(probeWalkWrite))
		a.Jne(".noclear")
		a.Mov(EDI, ESI)
		a.Xor(EAX, EAX)
		a.A32(a.Stosd)
		a.Label(".noclear")
		a.A32(a.Lodsd)
		a.Cmp(EAX, Imm(-1))
		a.Jne(".notones")
		a.Inc(EBP)
		a.Label(".notones")
		a.Add(ESI, Imm(0xFFC))
		a.Dec(ECX)
		a.Jnz(".page")
		a.Mov(EAX, EBP)
		a.Label("report")
		a.Call("hex")
		a.Add(BX, Imm(probeEntry))
		a.Jmp("next")

		// #UD (through a 32-bit interrupt gate): report the faulting EIP
		// and go on with the next probe.
		a.Label("ud")
		a.Pop(EAX)
		a.Add(ESP, Imm(8))
		a.Jmp("report")

		a.Label("done")
		a.Mov(DX, Imm(0x3F8))
		for _, c := range "END\n" {
			a.Mov(AL, Imm(c))
			a.Out(DX, AL)
		}
		a.Label(".halt")
		a.Hlt()
		a.JmpShort(".halt")

		hexRoutine(a, EAX, true) // EAX as eight hex digits and a newline

		a.Align(8)
		a.Label("gdt")
		a.DB(0, 0, 0, 0, 0, 0, 0, 0)
		a.DB(0xFF, 0xFF, 0, 0, 0, 0x9A, 0x00, 0) // 0x08: 16-bit code, base 0, 64 KiB
		a.DB(0xFF, 0xFF, 0, 0, 0, 0x92, 0xCF, 0) // 0x10: data, base 0, 4 GiB
		a.DB(0xFF, 0xFF, 0, 0, 0, 0x9A, 0xCF, 0) // 0x18: 32-bit code, base 0, 4 GiB
		a.Label("gdtr")
		a.Word(Imm(31))
		a.Dword(L("gdt"))
		// The IDT holds vectors 0-6, of which only #UD (6) is expected:
		// to save room, the table starts 48 bytes before its gate.
		a.Label("udgate")
		a.Word(L("ud"))
		a.DB(0x08, 0, 0, 0x8E, 0, 0) // selector 0x08, 32-bit interrupt gate
		a.Label("idtr")
		a.Word(Imm(7*8 - 1))
		a.Dword(L("udgate").Plus(-6 * 8))
		a.Label("farptr")
		a.DB(0, 0, 0, 0, 0x18, 0)
		a.Label("paging")
		a.DB(byte(paging))
		a.PadTo(510, 0)
		a.DB(0x55, 0xAA)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(probes) >= 512/probeEntry {
		t.Fatalf("%d probes: at most %d fit the table", len(probes), 512/probeEntry-1)
	}
	table := make([]byte, 512)
	for i, pr := range append(probes, probe{Op: probeEnd}) {
		e := table[i*probeEntry:]
		binary.LittleEndian.PutUint32(e[0:], pr.Addr)
		e[4] = pr.Op
		binary.LittleEndian.PutUint32(e[8:], pr.Arg)
	}
	return append(p.Code, table...)
}

// floppyWith writes a 1.44 MB floppy image that starts with sector (the
// boot sector and whatever follows it).
func floppyWith(t *testing.T, sector []byte) string {
	t.Helper()
	img := make([]byte, 1474560)
	copy(img, sector)
	path := filepath.Join(t.TempDir(), "probe.img")
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

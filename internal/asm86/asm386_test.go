package asm86_test

import (
	"bytes"
	"strings"
	"testing"

	. "github.com/do86/do86/internal/asm86"
)

// The 386 forms and the Short dialect, as the boot ROM uses them; the
// expected bytes were checked against ndisasm's reading of them.
func TestEncodings386(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text    string
		dialect Dialect
		emit    func(a *Asm)
		want    []byte
	}{
		{"mov eax, 0xe820", Plain, func(a *Asm) { a.Mov(EAX, Imm(0xE820)) }, []byte{0x66, 0xB8, 0x20, 0xE8, 0, 0}},
		{"mov edi, eax", Plain, func(a *Asm) { a.Mov(EDI, EAX) }, []byte{0x66, 0x89, 0xC7}},
		{"mov eax, cr0", Plain, func(a *Asm) { a.Mov(EAX, CR0) }, []byte{0x0F, 0x20, 0xC0}},
		{"mov cr0, eax", Plain, func(a *Asm) { a.Mov(CR0, EAX) }, []byte{0x0F, 0x22, 0xC0}},
		{"mov fs, si", Plain, func(a *Asm) { a.Mov(FS, SI) }, []byte{0x8E, 0xE6}},
		{"mov gs, bx", Plain, func(a *Asm) { a.Mov(GS, BX) }, []byte{0x8E, 0xEB}},
		{"movzx eax, ax", Plain, func(a *Asm) { a.Movzx(EAX, AX) }, []byte{0x66, 0x0F, 0xB7, 0xC0}},
		{"test ebx, ebx", Plain, func(a *Asm) { a.Test(EBX, EBX) }, []byte{0x66, 0x85, 0xDB}},
		{"push ecx", Plain, func(a *Asm) { a.Push(ECX) }, []byte{0x66, 0x51}},
		{"pop ecx", Plain, func(a *Asm) { a.Pop(ECX) }, []byte{0x66, 0x59}},
		{"ror eax, 8", Short, func(a *Asm) { a.Ror(EAX, Imm(8)) }, []byte{0x66, 0xC1, 0xC8, 0x08}},
		{"shr eax, 10", Short, func(a *Asm) { a.Shr(EAX, Imm(10)) }, []byte{0x66, 0xC1, 0xE8, 0x0A}},
		{"shr eax, 0xa", Plain, func(a *Asm) { a.Shr(EAX, Imm(10)) }, []byte{0x66, 0xC1, 0xE8, 0x0A}},
		{"or al, 2", Short, func(a *Asm) { a.Or(AL, Imm(2)) }, []byte{0x0C, 0x02}},
		{"or al, 2", Plain, func(a *Asm) { a.Or(AL, Imm(2)) }, []byte{0x80, 0xC8, 0x02}},
		{"cmp ax, 0x300", Short, func(a *Asm) { a.Cmp(AX, Imm(0x300)) }, []byte{0x3D, 0x00, 0x03}},
		{"cmp eax, 0x534d4150", Short, func(a *Asm) { a.Cmp(EAX, Imm(0x534D4150)) }, []byte{0x66, 0x3D, 0x50, 0x41, 0x4D, 0x53}},
		{"add ecx, v", Short, func(a *Asm) { a.Add(ECX, L("v")) }, []byte{0x66, 0x81, 0xC1, 0x00, 0x10, 0, 0}},
		{"sub ax, 0x10", Short, func(a *Asm) { a.Sub(AX, Imm(16)) }, []byte{0x83, 0xE8, 0x10}},
		{"push word 8", Short, func(a *Asm) { a.Push(Imm(8)) }, []byte{0x6A, 0x08}},
		{"push 8", Plain, func(a *Asm) { a.Push(Imm(8)) }, []byte{0x68, 0x08, 0x00}},
		{"mov dword [es:di], 0x14", Short, func(a *Asm) { a.Mov(DAt("di", 0).In(ES), Imm(20)) }, []byte{0x26, 0x66, 0xC7, 0x05, 0x14, 0, 0, 0}},
		{"cmp dword [es:di+16], 1", Short, func(a *Asm) { a.Cmp(DAt("di", 16).In(ES), Imm(1)) }, []byte{0x26, 0x66, 0x83, 0x7D, 0x10, 0x01}},
		{"mov eax, [es:di+8]", Short, func(a *Asm) { a.Mov(EAX, DAt("di", 8).In(ES)) }, []byte{0x26, 0x66, 0x8B, 0x45, 0x08}},
		{"mov [fs:0x2c], eax", Short, func(a *Asm) { a.Mov(At(0x2C).In(FS), EAX) }, []byte{0x64, 0x66, 0x89, 0x06, 0x2C, 0x00}},
		{"o32 lidt [bp]", Short, func(a *Asm) { a.Lidt32(DAt("bp", 0)) }, []byte{0x66, 0x0F, 0x01, 0x5E, 0x00}},
		{"o32 lgdt [bp]", Short, func(a *Asm) { a.Lgdt32(DAt("bp", 0)) }, []byte{0x66, 0x0F, 0x01, 0x56, 0x00}},
		{"mov cr3, eax", Plain, func(a *Asm) { a.Mov(CR3, EAX) }, []byte{0x0F, 0x22, 0xD8}},
		{"mov eax, cr4", Plain, func(a *Asm) { a.Mov(EAX, CR4) }, []byte{0x0F, 0x20, 0xE0}},
		{"a32 lodsd", Plain, func(a *Asm) { a.A32(a.Lodsd) }, []byte{0x67, 0x66, 0xAD}},
		{"a32 stosd", Plain, func(a *Asm) { a.A32(a.Stosd) }, []byte{0x67, 0x66, 0xAB}},
		{"fninit", Plain, func(a *Asm) { a.Op("fninit", 0xDB, 0xE3) }, []byte{0xDB, 0xE3}},
		{"jmp far dword [bp]", Short, func(a *Asm) { a.JmpFarDword(DAt("bp", 0)) }, []byte{0x66, 0xFF, 0x6E, 0x00}},
		{"a32 rep insb", Short, func(a *Asm) { a.A32(func() { a.Rep(a.Insb) }) }, []byte{0x67, 0xF3, 0x6C}},
		{"jmp short v", Short, func(a *Asm) { a.JmpShort("v") }, []byte{0xEB, 0xFE}},
		{"jc short v", Short, func(a *Asm) { a.Jc("v") }, []byte{0x72, 0xFE}},
		{"jne v", Plain, func(a *Asm) { a.Jne("v") }, []byte{0x75, 0xFE}},
		{"mov [0x2c], eax", Plain, func(a *Asm) { a.Mov(At(0x2C), EAX) }, []byte{0x66, 0x89, 0x06, 0x2C, 0x00}},
		{"dd v", Plain, func(a *Asm) { a.Dword(L("v")) }, []byte{0x00, 0x10, 0, 0}},
		{"dw 0x1234", Plain, func(a *Asm) { a.Word(Imm(0x1234)) }, []byte{0x34, 0x12}},
		{`db "$P"`, Plain, func(a *Asm) { a.Data(`"$P"`, '$', 'P') }, []byte{'$', 'P'}},
		// 32-bit code: a dword needs no prefix, a word does.
		{"mov ecx, 0x10", Plain, func(a *Asm) { a.Bits32(); a.Mov(ECX, Imm(16)) }, []byte{0xB9, 0x10, 0, 0, 0}},
		{"mov ds, cx", Plain, func(a *Asm) { a.Bits32(); a.Mov(DS, CX) }, []byte{0x8E, 0xD9}},
		{"mov ax, 1", Plain, func(a *Asm) { a.Bits32(); a.Mov(AX, Imm(1)) }, []byte{0x66, 0xB8, 0x01, 0x00}},
		{"jmp edi", Plain, func(a *Asm) { a.Bits32(); a.JmpReg(EDI) }, []byte{0xFF, 0xE7}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			p, err := Assemble(0x1000, func(a *Asm) {
				a.Dialect = tt.dialect
				a.Label("v")
				tt.emit(a)
			})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(p.Code, tt.want) {
				t.Errorf("bytes % x, want % x", p.Code, tt.want)
			}
			if n := len(p.Lines); n != 2 || p.Lines[1].Text != tt.text {
				t.Errorf("listing %q, want %q", p.Lines[len(p.Lines)-1].Text, tt.text)
			}
		})
	}
}

// AnnotatedListing shows notes, pads with Org and Align, and shows bytes
// patched into Code after assembling.
func TestAnnotatedListing(t *testing.T) {
	t.Parallel()
	p, err := Assemble(0, func(a *Asm) {
		a.Comment("header")
		a.Data("size", 0)
		a.Note("filled in later")
		a.Align(4)
		a.Label("x")
		a.Org(6)
		a.Cli()
	})
	if err != nil {
		t.Fatal(err)
	}
	p.Code[0] = 0x42
	want := "" +
		"                            ; header\n" +
		"0000  42                        db size                          ; filled in later\n" +
		"0001  00 00 00                  times 0x3 db 0\n" +
		"0004                        x:\n" +
		"0004  00 00                     times 0x2 db 0\n" +
		"0006  FA                        cli\n"
	if got := p.AnnotatedListing(); got != want {
		t.Errorf("listing\n%s\nwant\n%s", got, want)
	}
	if !bytes.Equal(p.Code, []byte{0x42, 0, 0, 0, 0, 0, 0xFA}) {
		t.Errorf("code % x", p.Code)
	}
}

func TestErrors386(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		prog func(a *Asm)
		want string
	}{
		{"org behind", func(a *Asm) { a.Space(8); a.Org(4) }, "org 0x4 is behind 0x8"},
		{"memory in 32-bit code", func(a *Asm) { a.Bits32(); a.Mov(EAX, DAt("bx", 0)) }, "in 32-bit code"},
		{"dword size mismatch", func(a *Asm) { a.Mov(EAX, BX) }, "operand sizes differ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Assemble(0, tt.prog)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// Package demo holds do86's own tiny demo OS: a 1.44 MB floppy whose program
// switches to VGA mode 13h, draws a title, a live RTC clock and the PIT tick
// count, echoes typed keys and moves a pointer with the PS/2 mouse — just
// enough to show that the emulated PC's video, timers, keyboard and mouse
// work, with no download.
//
// The program is x86 real-mode machine code written in Go
// (internal/program, with the small assembler internal/asm86); `go generate`
// rebuilds demo.bin and its listing demo.lst from it.
package demo

import (
	_ "embed"
)

//go:generate go run ./internal/gen

// bin is the used sectors of the floppy: the boot sector and the program.
//
//go:embed demo.bin
var bin []byte

// FloppySize is the size of the image Image returns: a 1.44 MB floppy.
const FloppySize = 1474560

// Image returns the demo's floppy image (a fresh copy, FloppySize bytes).
func Image() []byte {
	img := make([]byte, FloppySize)
	copy(img, bin)
	return img
}

// Package debugcon emulates the Bochs/QEMU debug console: one port (0x402
// for SeaBIOS's debug output, 0xE9 for Bochs-style guests) whose writes are
// characters for the host.
//
// Just enough to capture firmware and guest debug output: no input, no
// buffering of its own.
package debugcon

import (
	"io"

	"github.com/do86/do86/internal/bus"
)

// Conventional ports of the debug console.
const (
	SeaBIOSPort = 0x402
	BochsPort   = 0xE9
)

// Readback is what the port reads: guests read it to detect the console.
const Readback = 0xE9

// Console is one debug console port.
type Console struct {
	out io.Writer
	buf [1]byte
}

// New returns a console writing to out (nil discards the output). Each byte
// the guest writes is passed to out at once; put a buffer in front of a slow
// writer.
func New(out io.Writer) *Console { return &Console{out: out} }

// ReadPort returns the detection value 0xE9; ports beyond the first read as
// nothing.
func (c *Console) ReadPort(off uint16, size int) uint32 {
	return bus.ReadSplit(func(o uint16) uint8 {
		if o == 0 {
			return Readback
		}
		return 0xFF
	}, off, size)
}

// WritePort sends the low byte of a write to the port to the host.
func (c *Console) WritePort(off uint16, size int, v uint32) {
	if off != 0 || c.out == nil {
		return
	}
	c.buf[0] = byte(v)
	_, _ = c.out.Write(c.buf[:])
}

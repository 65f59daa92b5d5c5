// Package vga emulates QEMU's "std VGA" (PCI 1234:1111): the IBM VGA register
// set, its 256 KiB of planar video memory behind the 0xA0000–0xBFFFF window,
// and the Bochs VBE "dispi" extension whose linear framebuffer lives in the
// CPU core; just enough for SeaBIOS's VGA BIOS and guests using text modes,
// the standard graphics modes, mode X and VBE, with no CRT timing beyond a
// 60 Hz retrace bit, no light pen, no 2D acceleration and no VBE 4-bit modes
// wider than one 64 KiB plane.
package vga

import "github.com/do86/do86/internal/bus"

// LFB is the SVGA linear framebuffer, which lives in the CPU core's memory at
// physical 0xE0000000. The machine implements it.
type LFB interface {
	Size() uint32                 // bytes, a power of two >= 8 MiB
	ReadAt(p []byte, off uint32)  // copy LFB bytes at off into p
	WriteAt(p []byte, off uint32) // host/banked writes; the implementation marks them dirty
	// Dirty returns the byte range [lo, hi) of the LFB the guest wrote since
	// the last call, and clears it; ok is false when nothing changed.
	Dirty() (lo, hi uint32, ok bool)
}

// LFBAddress is where the core maps the linear framebuffer, the address
// BAR0 always reads.
const LFBAddress = 0xE0000000

// planeSize is the size of one of the four memory planes.
const planeSize = 1 << 16

// Register counts of each register file.
const (
	numSeq  = 5
	numCRTC = 0x19
	numGC   = 9
	numAR   = 0x15
)

// VGA is the whole adapter. Create it with New; the machine registers its
// ports and memory window with Register, its PCI function with PCI, and
// calls Render to show its screen.
type VGA struct {
	clock bus.Clock
	lfb   LFB

	Registers

	pciFn *pciFunction
	r     renderState
}

// Registers are the adapter's registers, DAC and video memory: all of its
// state but its PCI space and the framebuffer (the core's memory).
type Registers struct {
	// MiscOutput is the miscellaneous output register (0x3C2 / 0x3CC).
	MiscOutput uint8
	// FeatureControl is written at 0x3DA/0x3BA and read at 0x3CA.
	FeatureControl uint8
	// VGAEnable is the video subsystem enable register (0x3C3).
	VGAEnable uint8

	// SeqIndex and Seq are the sequencer (0x3C4/0x3C5), CRTCIndex and
	// CRTC the CRT controller (0x3D4/0x3D5 or 0x3B4/0x3B5), GCIndex and
	// GC the graphics controller (0x3CE/0x3CF).
	SeqIndex  uint8
	Seq       [numSeq]uint8
	CRTCIndex uint8
	CRTC      [numCRTC]uint8
	GCIndex   uint8
	GC        [numGC]uint8
	// ARIndex is the attribute controller index, with the palette address
	// source in bit 5; ARData is false while the flip-flop expects an index.
	ARIndex uint8
	ARData  bool
	AR      [numAR]uint8

	// DAC holds the 256 colours as written (6 or 8 bits a component),
	// PelMask the mask applied to every index (0x3C6).
	DAC        [256][3]uint8
	PelMask    uint8
	DACWrite   uint8 // write index (0x3C8)
	DACRead    uint8 // read index (0x3C7)
	DACStep    uint8 // component 0–2 of the current write cycle
	DACRStep   uint8 // component 0–2 of the current read cycle
	DACReading bool  // the last index set was the read index

	// Planes are the four 64 KiB maps of video memory; Latch the four bytes
	// the last CPU read loaded.
	Planes [4][planeSize]uint8
	Latch  [4]uint8

	// DispiIndex selects the Bochs VBE register at 0x1CF; Dispi holds them.
	DispiIndex uint16
	Dispi      [numDispi]uint16

	// StatusReads counts reads of input status 1, which toggle display
	// enable; StatusTime and StatusSpins notice a clock that stands still.
	StatusReads uint32
	StatusTime  float64
	StatusSpins uint32
}

// New returns a VGA in its power-on state. clock drives the retrace bit of
// input status 1; lfb is the core's linear framebuffer (not nil).
func New(clock bus.Clock, lfb LFB) *VGA {
	v := &VGA{clock: clock, lfb: lfb}
	v.Reset()
	return v
}

// Reset returns the adapter to its power-on state: registers and video
// memory cleared, VBE off. The LFB's contents are the core's and stay.
func (v *VGA) Reset() {
	clock, lfb, fn := v.clock, v.lfb, v.pciFn
	*v = VGA{clock: clock, lfb: lfb, pciFn: fn}
	v.PelMask = 0xFF
	v.VGAEnable = 1
	v.resetDispi()
	v.r.full, v.r.pal = true, true
	if fn != nil {
		fn.init(lfb.Size())
	}
}

// Register gives the VGA its I/O ports (0x3B4/5, 0x3BA, 0x3C0–0x3CF,
// 0x3D4/5, 0x3DA, and the dispi ports 0x1CE/0x1CF) and the legacy memory
// window 0xA0000–0xBFFFF.
func (v *VGA) Register(p *bus.Ports, m *bus.MMIO) error {
	ranges := []struct {
		base uint16
		n    int
		name string
	}{
		{0x3B4, 2, "vga-crtc-mono"},
		{0x3BA, 1, "vga-status-mono"},
		{0x3C0, 16, "vga"},
		{0x3D4, 2, "vga-crtc"},
		{0x3DA, 1, "vga-status"},
		{portDispiIndex, 2, "vga-dispi"},
	}
	for _, r := range ranges {
		if err := p.Register(r.base, r.n, &portWindow{v: v, base: r.base}, r.name); err != nil {
			return err
		}
	}
	return m.Register(windowBase, windowSize, v, "vga-window")
}

// portWindow is one registered run of the VGA's ports; it turns the bus's
// offsets back into port numbers.
type portWindow struct {
	v    *VGA
	base uint16
}

// ReadPort serves a read of the run.
func (w *portWindow) ReadPort(off uint16, size int) uint32 {
	return w.v.readIO(w.base+off, size)
}

// WritePort serves a write of the run.
func (w *portWindow) WritePort(off uint16, size int, v uint32) {
	w.v.writeIO(w.base+off, size, v)
}

// Mode reports the current display mode: in text modes w and h are columns
// and rows, otherwise the frame's width and height in pixels.
func (v *VGA) Mode() (w, h int, text bool) {
	m := v.decode()
	if m.kind == kindText {
		return m.cols, m.textRows, true
	}
	return m.w, m.h, false
}

// Status describes the mode for a status line, such as "80x25 text",
// "320x200 VGA 256" or "1024x768x32 VBE".
func (v *VGA) Status() string {
	return v.decode().String()
}

// Ensure the interfaces the machine relies on.
var (
	_ bus.MMIODevice = (*VGA)(nil)
	_ bus.Resetter   = (*VGA)(nil)
	_ bus.PortDevice = (*portWindow)(nil)
)

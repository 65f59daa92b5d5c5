// Package uhci is a USB 1.1 host controller after the Universal Host
// Controller Interface (UHCI) Design Guide, revision 1.1, presenting as the
// PIIX3's USB function (PCI 8086:7020, class 0C:03:00) with its I/O
// registers at BAR4, the legacy support register at configuration offset
// 0xC0, a two-port root hub and one INTD line. The controller walks the
// guest's frame list through bus.Memory once a millisecond of guest time:
// isochronous TDs, queue heads, depth- and breadth-first queues, short
// packet detection, interrupt on completion, and NAK, STALL, babble and
// CRC/timeout status as a controller reports them, against usb.Devices
// plugged into its ports.
//
// Time is lazy: frames are run when the machine's timer tick or a register
// access finds them due, and while the CPU is halted a look ahead over the
// whole frame list tells whether any frame would change anything; if none
// would, the controller asks for no wake-up and only counts the frames
// that pass, until a device has news or the CPU runs again. An idle guest
// polling a tablet costs no wake-ups.
//
// Just enough for SeaBIOS, Linux and KolibriOS to enumerate and poll
// full-speed devices: the frame length ignores SOFMOD, bandwidth is a
// byte budget per frame, data toggles are left to the devices, there is
// no low-speed signalling, suspend and resume are bits that take effect at
// once (a suspended port carries no transactions; a device's remote wakeup
// sets resume detect), no SMI (the legacy support register's traps never
// fire), no keyboard emulation, and no host system error (reads beyond RAM
// are zeros).
package uhci

import (
	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/usb"
)

// I/O registers, as offsets from BAR4 (UHCI 1.1 §2.1).
const (
	RegUSBCMD    = 0x00 // command, 16 bits
	RegUSBSTS    = 0x02 // status, 16 bits, write 1 to clear
	RegUSBINTR   = 0x04 // interrupt enable, 16 bits
	RegFRNUM     = 0x06 // frame number, 16 bits
	RegFRBASEADD = 0x08 // frame list base address, 32 bits
	RegSOFMOD    = 0x0C // start of frame modify, 8 bits
	RegPORTSC1   = 0x10 // port 1 status and control, 16 bits
	RegPORTSC2   = 0x12 // port 2 status and control, 16 bits

	// IOSize is the size of the I/O BAR.
	IOSize = 32
	// NumPorts is the root hub's port count.
	NumPorts = 2
)

// USBCMD bits.
const (
	CmdRS      = 1 << 0 // run/stop
	CmdHCRESET = 1 << 1 // host controller reset, self-clearing
	CmdGRESET  = 1 << 2 // global reset: reset signalling on every port
	CmdEGSM    = 1 << 3 // enter global suspend mode
	CmdFGR     = 1 << 4 // force global resume
	CmdSWDBG   = 1 << 5 // software debug
	CmdCF      = 1 << 6 // configure flag, for software
	CmdMAXP    = 1 << 7 // 64-byte packets for bandwidth reclamation
)

// USBSTS bits; all but HCHalted are cleared by writing 1.
const (
	StsUSBINT = 1 << 0 // a TD with IOC completed, or a short packet stopped a queue
	StsERROR  = 1 << 1 // a transaction failed (STALL, babble, errors counted out)
	StsRD     = 1 << 2 // resume detect
	StsHSE    = 1 << 3 // host system error
	StsHCPE   = 1 << 4 // host controller process error: a malformed TD
	StsHCH    = 1 << 5 // halted
)

// USBINTR bits.
const (
	IntrTOCRC  = 1 << 0 // timeout/CRC (error) interrupt enable
	IntrResume = 1 << 1 // resume interrupt enable
	IntrIOC    = 1 << 2 // interrupt on complete enable
	IntrSP     = 1 << 3 // short packet interrupt enable
)

// PORTSC bits.
const (
	PortCCS    = 1 << 0  // current connect status
	PortCSC    = 1 << 1  // connect status change, write 1 to clear
	PortPE     = 1 << 2  // port enabled
	PortPEC    = 1 << 3  // port enable change, write 1 to clear
	PortDPlus  = 1 << 4  // line status: D+
	PortDMinus = 1 << 5  // line status: D-
	PortRD     = 1 << 6  // resume detect
	PortOne    = 1 << 7  // reserved, always reads 1 (how software counts ports)
	PortLSDA   = 1 << 8  // low-speed device attached
	PortPR     = 1 << 9  // port reset
	PortSUSP   = 1 << 12 // suspend
)

// Frame timing.
const (
	// FrameMS is the length of a frame in guest milliseconds.
	FrameMS = 1.0
	// frameBytes is the bandwidth of a frame: 12 Mb/s for 1 ms, less
	// the start of frame and turnarounds.
	frameBytes = 1400
	// txOverhead is what a transaction costs beyond its data (token,
	// handshake, packet overhead), in bytes of the budget.
	txOverhead = 16
	// maxNodes bounds the queue heads and TDs one frame visits.
	maxNodes = 1024
	// maxCatchUp bounds the frames run at once when time jumped; older
	// frames due are counted without running.
	maxCatchUp = 64
)

// Options are the machine's hooks.
type Options struct {
	// CPUHalted reports whether the CPU waits for an interrupt, so that
	// nothing in guest memory can change until one arrives. With it the
	// controller stops asking for wake-ups while no frame would do
	// anything; without it (nil) it runs every frame as it comes.
	CPUHalted func() bool
}

// Controller is the UHCI function with its root hub.
type Controller struct {
	mem   bus.Memory
	ports *bus.Ports
	clock bus.Clock
	irq   bus.IRQ
	opts  Options

	s    State
	devs [NumPorts]usb.Device
	fn   pciFunction
	regs registers
	// mapped is the I/O base the registers are registered at, 0 for none.
	mapped uint16

	// Schedule bookkeeping, not state: whether a look ahead is valid
	// (fresh), and what it found: no frame would change anything (quiet),
	// or the first that would starts at wakeAt.
	fresh, quiet bool
	wakeAt       float64
	dry          bool // a look ahead is walking: change nothing
	changed      bool // the frames run changed something
	effects      int  // count of changes, for loop detection
	visits       []visit
	idle         linkSet     // nodes a look ahead found idle
	buf          [0x500]byte // a transaction's data
	list         [4096]byte  // the frame list, for the look ahead
	reads        []read      // what the last look ahead read besides it
	// epoch counts what a look ahead cannot see in memory: register and
	// configuration writes, device news, frames that changed something.
	// aheadEpoch is the epoch the last look ahead saw.
	epoch, aheadEpoch uint64
}

type visit struct {
	link    uint32
	effects int
}

// New returns a controller at power-on, its registers unmapped until the
// guest programs BAR4 (they are registered on ports then). Transfers go
// through mem, frames follow clock, and the interrupt drives irq (the
// function's INTD, routed by the PIIX3).
func New(mem bus.Memory, ports *bus.Ports, clock bus.Clock, irq bus.IRQ, opts Options) *Controller {
	c := &Controller{mem: mem, ports: ports, clock: clock, irq: irq, opts: opts}
	c.regs.c = c
	c.fn.c = c
	c.Reset()
	return c
}

// Attach plugs dev into root hub port (0 or 1); nil unplugs. The port
// reports the connection (or disconnection) as a status change.
func (c *Controller) Attach(port int, dev usb.Device) {
	if port < 0 || port >= NumPorts {
		return
	}
	c.devs[port] = dev
	if dev != nil {
		dev.Connect(c.wake)
		c.s.PortSC[port] = PortCCS | PortCSC
	} else {
		c.s.PortSC[port] = PortCSC
	}
	c.fresh = false
	c.epoch++
}

// Reset returns the controller to power-on: configuration space (BAR4
// unprogrammed, legacy support 0x2000), registers at their defaults, the
// controller halted, devices reset and reported as newly connected.
func (c *Controller) Reset() {
	c.fn.init()
	c.mapIO(0)
	c.resetRegisters()
	for _, d := range c.devs {
		if d != nil {
			d.Reset()
		}
	}
	c.updateIRQ()
}

// resetRegisters is HCRESET: the I/O registers' defaults, the controller
// halted, and every port disabled, a connected device showing as newly
// connected (the reset is a virtual disconnect).
func (c *Controller) resetRegisters() {
	c.s.Cmd, c.s.Sts, c.s.Intr, c.s.Frnum, c.s.FlBase, c.s.SOF = 0, StsHCH, 0, 0, 0, 64
	c.s.IOCCause, c.s.SPCause = false, false
	for i, d := range c.devs {
		c.s.PortSC[i] = 0
		if d != nil {
			c.s.PortSC[i] = PortCCS | PortCSC
		}
	}
	c.fresh = false
	c.epoch++
}

// Running reports whether the controller runs its schedule.
func (c *Controller) Running() bool { return c.s.Cmd&CmdRS != 0 && c.s.Sts&StsHCH == 0 }

// PortEnabled reports whether root hub port (0 or 1) is enabled.
func (c *Controller) PortEnabled(port int) bool {
	return port >= 0 && port < NumPorts && c.s.PortSC[port]&PortPE != 0
}

// wake is the devices' call when they have news: frames that were known
// to change nothing are counted up to now, and the next are looked at. A
// device on a suspended port with remote wakeup enabled resumes it: the
// port reports resume detect, and in global suspend so does the controller
// (an interrupt with the resume enable).
func (c *Controller) wake() {
	c.catchUp(c.clock.Now())
	c.fresh = false
	c.epoch++
	for i, d := range c.devs {
		w, ok := d.(usb.RemoteWaker)
		if !ok || c.s.PortSC[i]&(PortSUSP|PortPE) != PortSUSP|PortPE || !w.RemoteWakeupEnabled() {
			continue
		}
		c.s.PortSC[i] |= PortRD
		if c.s.Cmd&CmdEGSM != 0 {
			c.s.Sts |= StsRD
		}
		c.updateIRQ()
	}
}

// Tick runs the frames due and returns the milliseconds until the next
// frame that needs running: the next frame while the CPU runs, the first
// frame that would change something while it is halted, none when no
// frame would (bus.Timer).
func (c *Controller) Tick(now float64) float64 {
	if !c.Running() {
		return bus.NoDeadline
	}
	halted := c.opts.CPUHalted != nil && c.opts.CPUHalted()
	c.catchUp(now)
	if !halted {
		// The CPU runs and may be changing the schedule: frames from now
		// on are run, not counted (the few since it woke were counted as
		// the look ahead found them, as if it had written a little later).
		c.fresh = false
	}
	if !c.Running() {
		return bus.NoDeadline
	}
	if !halted {
		return max(c.s.Next-now, 0)
	}
	switch {
	case !c.fresh && c.stillQuiet():
		// The CPU ran but changed nothing the look ahead read.
		c.fresh = true
	case !c.fresh, !c.quiet && c.wakeAt < c.s.Next:
		// Nothing known, or the frame found to do something has run.
		c.lookAhead()
	}
	if c.quiet {
		return bus.NoDeadline
	}
	return max(c.wakeAt-now, 0)
}

// catchUp runs (or, when the look ahead found them idle, counts) the
// frames that started by now.
func (c *Controller) catchUp(now float64) {
	if !c.Running() || now < c.s.Next {
		return
	}
	due := int(now-c.s.Next) + 1
	if c.fresh && c.quiet {
		c.advance(due)
		return
	}
	if due > maxCatchUp {
		c.advance(due - maxCatchUp)
		due = maxCatchUp
	}
	c.changed = false
	for i := 0; i < due && c.Running(); i++ {
		c.advance(1)
		c.frame(uint32(c.s.Frnum) & 0x3FF)
	}
	if c.changed {
		c.fresh = false
		c.epoch++
		c.updateIRQ()
	}
}

// advance counts n frames as passed.
func (c *Controller) advance(n int) {
	c.s.Frnum = uint16((int(c.s.Frnum) + n) & 0x7FF)
	c.s.Next += float64(n) * FrameMS
}

// interrupting reports whether the controller wants an interrupt, before
// the legacy support register and the command register gate it.
func (c *Controller) interrupting() bool {
	s, e := c.s.Sts, c.s.Intr
	return s&StsUSBINT != 0 && (c.s.IOCCause && e&IntrIOC != 0 || c.s.SPCause && e&IntrSP != 0) ||
		s&StsERROR != 0 && e&IntrTOCRC != 0 ||
		s&StsRD != 0 && e&IntrResume != 0 ||
		s&(StsHSE|StsHCPE) != 0
}

// updateIRQ drives INTD: the controller's interrupt, when the legacy
// support register routes it to the PIRQ and INTx is not disabled.
func (c *Controller) updateIRQ() {
	want := c.interrupting() && c.fn.pirqEnabled() && c.fn.Command()&intxDisable == 0
	if want != c.s.Asserted {
		c.s.Asserted = want
		bus.SetLevel(c.irq, want)
	}
}

// Compile-time checks of the contracts the machine relies on.
var (
	_ bus.Timer      = (*Controller)(nil)
	_ bus.Resetter   = (*Controller)(nil)
	_ bus.PortDevice = (*registers)(nil)
)

package states_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/bus/bustest"
	"github.com/do86/do86/internal/dev/acpi"
	"github.com/do86/do86/internal/dev/ahci"
	"github.com/do86/do86/internal/dev/fdc"
	"github.com/do86/do86/internal/dev/ferr"
	"github.com/do86/do86/internal/dev/fwcfg"
	"github.com/do86/do86/internal/dev/i8042"
	"github.com/do86/do86/internal/dev/i8237"
	"github.com/do86/do86/internal/dev/i8254"
	"github.com/do86/do86/internal/dev/ide"
	"github.com/do86/do86/internal/dev/mc146818"
	"github.com/do86/do86/internal/dev/ne2k"
	"github.com/do86/do86/internal/dev/pci"
	"github.com/do86/do86/internal/dev/sysctl"
	"github.com/do86/do86/internal/dev/uart16550"
	"github.com/do86/do86/internal/dev/uhci"
	"github.com/do86/do86/internal/dev/usbtablet"
	"github.com/do86/do86/internal/dev/vga"
	"github.com/do86/do86/internal/disk"
	"github.com/do86/do86/pkg/input"
)

// rig is the fake machine one device is wired to: its buses, memory, clock
// and interrupt lines.
type rig struct {
	t     *testing.T
	ports *bus.Ports
	mmio  *bus.MMIO
	mem   *bustest.Memory
	clock *bustest.Clock
	irqs  map[int]*bustest.IRQ
	pins  []bus.IRQ // INTx pins a router handed out
}

func newRig(t *testing.T) *rig {
	return &rig{t: t, ports: bus.NewPorts(), mmio: &bus.MMIO{}, mem: bustest.NewMemory(1 << 20),
		clock: &bustest.Clock{T: 1000}, irqs: map[int]*bustest.IRQ{}}
}

// irq returns the fake of line n.
func (r *rig) irq(n int) bus.IRQ {
	if r.irqs[n] == nil {
		r.irqs[n] = &bustest.IRQ{}
	}
	return r.irqs[n]
}

// out writes each value to port in turn, a byte at a time.
func (r *rig) out(port uint16, vs ...uint32) {
	for _, v := range vs {
		r.ports.Write(port, 1, v)
	}
}

func (r *rig) in(port uint16) uint32 { return r.ports.Read(port, 1) }

// register puts dev's ports on the rig, failing the test on a clash.
func (r *rig) register(base uint16, n int, dev bus.PortDevice) {
	if err := r.ports.Register(base, n, dev, "dev"); err != nil {
		r.t.Fatal(err)
	}
}

// tick advances the clock by ms and runs the device's timer if it has one.
func (r *rig) tick(d any, ms float64) {
	r.clock.T += ms
	if t, ok := d.(bus.Timer); ok {
		t.Tick(r.clock.T)
	}
}

// device is one stateful device of the table: build wires a fresh one to a
// rig (with the same media every time), drive puts it in a state far from
// power-on through its ports.
type device struct {
	build func(r *rig) bus.Stateful
	drive func(r *rig, d bus.Stateful)
}

// lfb is a fake linear framebuffer.
type lfb struct{ mem []byte }

func (l *lfb) Size() uint32                    { return uint32(len(l.mem)) }
func (l *lfb) ReadAt(p []byte, off uint32)     { copy(p, l.mem[off:]) }
func (l *lfb) WriteAt(p []byte, off uint32)    { copy(l.mem[off:], p) }
func (l *lfb) Dirty() (lo, hi uint32, ok bool) { return 0, 0, false }

// Addresses the rigs give PCI BARs.
const (
	ideBM    = 0xC000
	ahciABAR = 0xFEBF0000
	pmBase   = 0x0600
)

// devices are every stateful device of internal/dev.
var devices = []device{
	{ // i8254
		build: func(r *rig) bus.Stateful {
			p := i8254.New(r.clock, r.irq(0))
			r.register(0x40, 4, p)
			r.register(0x61, 1, p.Port61())
			return p
		},
		drive: func(r *rig, d bus.Stateful) {
			r.out(0x43, 0x34)       // counter 0: LSB then MSB, mode 2
			r.out(0x40, 0x9C, 0x2E) // a 100 Hz period
			r.out(0x43, 0xB6)       // counter 2: mode 3
			r.out(0x42, 0x33)       // its LSB only: the MSB is awaited
			r.out(0x61, 0x03)       // gate 2 and the speaker on
			r.tick(d, 25)           // counter 0 fires
			r.out(0x43, 0x00)       // latch counter 0
			r.in(0x40)              // and read half of it
		},
	},
	{ // mc146818
		build: func(r *rig) bus.Stateful {
			c := mc146818.New(time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), r.clock, r.irq(8))
			r.register(0x70, 2, c)
			return c
		},
		drive: func(r *rig, d bus.Stateful) {
			r.out(0x70, 0x0A)
			r.out(0x71, 0x26) // 1024 Hz periodic rate
			r.out(0x70, 0x0B)
			r.out(0x71, 0x42) // periodic interrupts, 24-hour mode
			r.out(0x70, 0x40)
			r.out(0x71, 0x5A) // a CMOS byte
			r.tick(d, 3)      // the periodic flag raises IRQ 8
			r.out(0x70, 0x10)
		},
	},
	{ // i8237
		build: func(r *rig) bus.Stateful {
			c := i8237.New(r.mem)
			if err := c.Register(r.ports); err != nil {
				r.t.Fatal(err)
			}
			return c
		},
		drive: func(r *rig, d bus.Stateful) {
			r.out(0x0A, 0x06)       // mask channel 2
			r.out(0x0C, 0x00)       // clear the flip-flop
			r.out(0x04, 0x00, 0x10) // channel 2 address 0x1000
			r.out(0x05, 0xFF, 0x01) // count 0x1FF
			r.out(0x0B, 0x56)       // single, increment, autoinit, write
			r.out(0x81, 0x02)       // page 2
			r.out(0xC4, 0x34)       // channel 5's address, half written
		},
	},
	{ // fdc
		build: func(r *rig) bus.Stateful {
			f := fdc.New(r.irq(fdc.IRQLine), i8237.New(r.mem), r.clock)
			r.register(fdc.BasePort, 6, f)
			r.register(fdc.DIRPort, 1, f.DIRPort())
			if err := f.Insert(0, bytes.NewReader(make([]byte, 1474560)), 1474560, false); err != nil {
				r.t.Fatal(err)
			}
			return f
		},
		drive: func(r *rig, d bus.Stateful) {
			f := d.(*fdc.FDC)
			r.out(fdc.BasePort+2, 0x1C)                                   // DOR: out of reset, DMA gate, motor A
			r.tick(d, 1)                                                  // the reset interrupt
			r.out(fdc.DIRPort, 0x00)                                      // CCR: 500 kb/s
			r.out(fdc.BasePort+5, 0x03, 0xDF, 0x03)                       // SPECIFY: non-DMA
			r.out(fdc.BasePort+5, 0x45, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF) // WRITE DATA from C0 H0 R1
			r.tick(d, 1)
			for i := range fdc.SectorSize + 100 { // one sector and part of the next
				r.out(fdc.BasePort+5, uint32(i))
			}
			if len(f.Drives[0].Disk.Overlay) == 0 {
				r.t.Fatal("the PIO write reached no sector")
			}
		},
	},
	{ // i8042
		build: func(r *rig) bus.Stateful {
			c := i8042.New(r.irq(1), r.irq(12), func() {})
			r.register(0x60, 1, c.DataPort())
			r.register(0x64, 1, c.CommandPort())
			return c
		},
		drive: func(r *rig, d bus.Stateful) {
			c := d.(*i8042.Controller)
			r.out(0x64, 0x60)
			r.out(0x60, 0x47) // command byte: both interrupts, translation
			r.out(0x64, 0xD4) // to the mouse:
			r.out(0x60, 0xF4) // enable reporting
			r.in(0x60)        // its ACK
			r.out(0x60, 0xED) // to the keyboard: set LEDs, argument awaited
			r.in(0x60)        // its ACK
			c.Key(input.Enter, true)
			c.Mouse(5, -3, 1, 1)
			c.Key(input.Esc, true)
		},
	},
	{ // pci-cf8
		build: func(r *rig) bus.Stateful {
			b := &pci.Bus{}
			r.register(0xCF8, 1, b)
			r.register(0xCFC, 4, b.Data())
			b.Add(0, 0, pci.NewI440FX())
			return b
		},
		drive: func(r *rig, d bus.Stateful) { r.ports.Write(0xCF8, 4, 0x80000858) },
	},
	{ // i440fx
		build: func(r *rig) bus.Stateful { return pci.NewI440FX() },
		drive: func(r *rig, d bus.Stateful) {
			h := d.(*pci.I440FX)
			h.ConfigWrite(0x59, 1, 0x30) // PAM0: BIOS area read/write
			h.ConfigWrite(0x5A, 2, 0x3311)
			h.ConfigWrite(0x04, 2, 0x0006)
		},
	},
	{ // piix3-isa
		build: func(r *rig) bus.Stateful { return pci.NewPIIX3ISA(nil) },
		drive: func(r *rig, d bus.Stateful) {
			d.(*pci.PIIX3ISA).ConfigWrite(0x60, 4, 0x800B0A0B) // PIRQA–C routed, D off
		},
	},
	{ // piix3-pirq
		build: func(r *rig) bus.Stateful {
			rt := pci.NewRouter(r.irq)
			r.pins = []bus.IRQ{rt.INTx(4, pci.INTA), rt.INTx(2, pci.INTB)}
			return rt
		},
		drive: func(r *rig, d bus.Stateful) {
			rt := d.(*pci.Router)
			rt.Route(pci.Swizzle(4, pci.INTA), 11)
			rt.Route(pci.Swizzle(2, pci.INTB), 10)
			r.pins[0].Raise()
		},
	},
	{ // vga
		build: func(r *rig) bus.Stateful {
			v := vga.New(r.clock, &lfb{make([]byte, 8<<20)})
			if err := v.Register(r.ports, r.mmio); err != nil {
				r.t.Fatal(err)
			}
			v.PCI()
			return v
		},
		drive: func(r *rig, d bus.Stateful) {
			r.out(0x3C4, 0x02)
			r.out(0x3C5, 0x0F) // map mask: all planes
			r.out(0x3D4, 0x0E)
			r.out(0x3D5, 0x12) // cursor location high
			r.out(0x3C8, 0x05)
			r.out(0x3C9, 0x01, 0x02) // two of colour 5's components
			r.mmio.Write(0xB8000, 2, 0x1F41)
			r.ports.Write(0x1CE, 2, 1)
			r.ports.Write(0x1CF, 2, 800) // VBE X resolution
			d.(*vga.VGA).PCI().ConfigWrite(0x04, 2, 0x0003)
		},
	},
	{ // piix3-ide
		build: func(r *rig) bus.Stateful {
			c := ide.New(r.mem, r.clock, r.irq(ide.PrimaryIRQ), r.irq(ide.SecondaryIRQ))
			if err := c.Register(r.ports); err != nil {
				r.t.Fatal(err)
			}
			c.Attach(0, 0, disk.NewBlank(64*disk.SectorSize), ide.HardDisk)
			c.Attach(1, 0, nil, ide.CDROM)
			return c
		},
		drive: func(r *rig, d bus.Stateful) {
			f := d.(*ide.Controller).PCI()
			f.ConfigWrite(0x20, 4, ideBM|1)
			f.ConfigWrite(0x04, 2, 0x0005)
			r.out(ide.PrimaryBase+6, 0xE0) // LBA, master
			r.out(ide.PrimaryBase+3, 5)
			r.out(ide.PrimaryBase+4, 0)
			r.out(ide.PrimaryBase+5, 0)
			r.out(ide.PrimaryBase+2, 2)
			r.out(ide.PrimaryBase+7, 0x20) // READ SECTORS
			r.tick(d, 1)
			for range 100 {
				r.ports.Read(ide.PrimaryBase, 2) // part of the first sector
			}
			r.out(ideBM+2, 0x60) // bus-master status: both drives DMA capable
		},
	},
	{ // ahci
		build: func(r *rig) bus.Stateful {
			c := ahci.New(r.mem, r.mmio, r.clock, r.irq(11), 1)
			c.Attach(0, disk.NewBlank(2048*disk.SectorSize))
			return c
		},
		drive: func(r *rig, d bus.Stateful) {
			f := d.(*ahci.Controller).PCI()
			f.ConfigWrite(0x24, 4, ahciABAR)
			f.ConfigWrite(0x04, 2, 0x0006)
			r.mmio.Write(ahciABAR+0x04, 4, 1<<31|1<<1) // GHC: AE, IE
			r.mmio.Write(ahciABAR+0x100, 4, 0x10000)   // P0CLB
			r.mmio.Write(ahciABAR+0x108, 4, 0x20000)   // P0FB
			r.mmio.Write(ahciABAR+0x114, 4, 0xFFFFFFFF)
			r.mmio.Write(ahciABAR+0x118, 4, 1<<4) // FRE: the signature FIS arrives
			r.tick(d, 1)
		},
	},
	{ // piix4-pm
		build: func(r *rig) bus.Stateful {
			p := acpi.NewPM(r.ports, r.clock, r.irq(acpi.SCIIRQ), acpi.Options{COM1: true})
			r.register(0xB2, 2, p.APM())
			return p
		},
		drive: func(r *rig, d bus.Stateful) {
			p := d.(*acpi.PM)
			p.ConfigWrite(acpi.RegPMBA, 4, pmBase|1)
			p.ConfigWrite(acpi.RegPMREGMISC, 1, 1)
			r.ports.Write(pmBase+acpi.PM1_EN, 2, acpi.TMROF_STS)
			r.out(0xB2, 0x55)
			r.tick(d, 0)
			r.tick(d, 5000) // the PM timer's bit 23 flips: the SCI rises
		},
	},
	{ // reset-control
		build: func(r *rig) bus.Stateful {
			c := sysctl.NewResetControl(func() {})
			r.register(sysctl.ResetControlPort, 1, c)
			return c
		},
		drive: func(r *rig, d bus.Stateful) { r.out(sysctl.ResetControlPort, sysctl.SRST) },
	},
	{ // port-a
		build: func(r *rig) bus.Stateful {
			p := sysctl.NewPortA(func() {})
			r.register(sysctl.PortAPort, 1, p)
			return p
		},
		drive: func(r *rig, d bus.Stateful) { r.out(sysctl.PortAPort, 0xC2) },
	},
	{ // uart16550
		build: func(r *rig) bus.Stateful {
			u := uart16550.New(r.irq(uart16550.COM1IRQ), nil)
			r.register(uart16550.COM1Base, uart16550.Ports, u)
			return u
		},
		drive: func(r *rig, d bus.Stateful) {
			const base = uart16550.COM1Base
			r.out(base+3, 0x83) // LCR: DLAB
			r.out(base+0, 0x01) // 115200 baud
			r.out(base+3, 0x03) // 8N1
			r.out(base+2, 0x07) // FIFOs on
			r.out(base+1, 0x01) // receive interrupts
			r.out(base+4, 0x0B) // DTR, RTS, OUT2
			r.out(base+7, 0x5A) // scratch
			d.(*uart16550.UART).Receive([]byte("hello, guest"))
		},
	},
	{ // ne2k
		build: func(r *rig) bus.Stateful {
			c := ne2k.NewISA(r.irq(ne2k.ISAIRQ), [6]byte{0x52, 0x54, 0, 0x12, 0x34, 0x56}, nullWire{})
			if err := c.Register(r.ports, ne2k.ISABase); err != nil {
				r.t.Fatal(err)
			}
			return c
		},
		drive: func(r *rig, d bus.Stateful) {
			const b = ne2k.ISABase
			r.out(b+ne2k.CR, ne2k.CRSTP|ne2k.CRRDAbort)
			r.out(b+ne2k.DCR, 0x49)
			r.out(b+ne2k.PSTART, 0x46)
			r.out(b+ne2k.PSTOP, 0x80)
			r.out(b+ne2k.BNRY, 0x4C)
			r.out(b+ne2k.IMR, 0x1F)
			r.out(b+ne2k.RCR, 0x0C)
			// A remote DMA write of four bytes into the buffer memory.
			r.out(b+ne2k.RSAR0, 0x00)
			r.out(b+ne2k.RSAR1, 0x40)
			r.out(b+ne2k.RBCR0, 4)
			r.out(b+ne2k.RBCR1, 0)
			r.out(b+ne2k.CR, ne2k.CRSTA|ne2k.CRRDWrite)
			r.out(b+ne2k.DataPort, 0xDE, 0xAD, 0xBE, 0xEF)
			// Page 1: CURR and a multicast bit.
			r.out(b+ne2k.CR, ne2k.CRSTA|ne2k.CRRDAbort|0x40)
			r.out(b+ne2k.CURR, 0x4D)
			r.out(b+ne2k.MAR0+2, 0x10)
			r.out(b+ne2k.CR, ne2k.CRSTA|ne2k.CRRDAbort)
		},
	},
	{ // ferr
		build: func(r *rig) bus.Stateful {
			l := ferr.New(r.irq(ferr.IRQLine))
			r.register(ferr.Port, 1, l)
			return l
		},
		drive: func(r *rig, d bus.Stateful) { d.(*ferr.Latch).SetFERR(true) },
	},
	{ // uhci
		build: func(r *rig) bus.Stateful {
			c := uhci.New(r.mem, r.ports, r.clock, r.irq(11), uhci.Options{})
			c.Attach(0, usbtablet.New())
			return c
		},
		drive: func(r *rig, d bus.Stateful) {
			f := d.(*uhci.Controller).PCI()
			f.ConfigWrite(0x20, 4, 0xC000)         // BAR4: the registers at 0xC000
			f.ConfigWrite(0x04, 2, 0x0005)         // I/O and bus mastering on
			r.ports.Write(0xC000+0x08, 4, 0x10000) // FRBASEADD
			r.ports.Write(0xC000+0x04, 2, 0x000F)  // every interrupt
			r.ports.Write(0xC000+0x10, 2, 0x0200)  // port 1: reset
			r.tick(d, 10)
			r.ports.Write(0xC000+0x10, 2, 0x0004) // end the reset, enable
			r.ports.Write(0xC000+0x00, 2, 0x0001) // run
			r.tick(d, 5)
		},
	},
	{ // usbtablet
		build: func(r *rig) bus.Stateful { return usbtablet.New() },
		drive: func(r *rig, d bus.Stateful) { d.(*usbtablet.Tablet).Set(1000, 2000, 1, 1) },
	},
	{ // fw_cfg
		build: func(r *rig) bus.Stateful {
			f := fwcfg.New()
			r.register(0x510, 2, f)
			return f
		},
		drive: func(r *rig, d bus.Stateful) {
			r.ports.Write(0x510, 2, fwcfg.Signature)
			r.in(0x511)
			r.in(0x511)
		},
	},
}

// nullWire is a network nobody is on.
type nullWire struct{}

func (nullWire) Transmit([]byte) {}
func (nullWire) Peek() []byte    { return nil }
func (nullWire) Pop()            {}

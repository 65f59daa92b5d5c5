package uhci_test

import (
	"encoding/binary"
	"testing"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/bus/bustest"
	"github.com/do86/do86/internal/dev/uhci"
	"github.com/do86/do86/internal/dev/usbtablet"
	"github.com/do86/do86/internal/usb"
)

// Register offsets and bits, as the UHCI 1.1 design guide gives them.
const (
	rCMD    = 0x00
	rSTS    = 0x02
	rINTR   = 0x04
	rFRNUM  = 0x06
	rFLBASE = 0x08
	rSOF    = 0x0C
	rPORT1  = 0x10
	rPORT2  = 0x12

	cmdRS   = 1 << 0
	cmdHCR  = 1 << 1
	cmdGR   = 1 << 2
	cmdCF   = 1 << 6
	cmdMAXP = 1 << 7

	stsINT  = 1 << 0
	stsERR  = 1 << 1
	stsHCPE = 1 << 4
	stsHCH  = 1 << 5

	intrTO  = 1 << 0
	intrIOC = 1 << 2
	intrSP  = 1 << 3

	portCCS = 1 << 0
	portCSC = 1 << 1
	portPE  = 1 << 2
	portPEC = 1 << 3
	portDP  = 1 << 4
	portOne = 1 << 7
	portPR  = 1 << 9

	ptrT  = 1
	ptrQH = 2
	ptrVf = 4

	tdSPD    = 1 << 29
	tdCErr3  = 3 << 27
	tdIOS    = 1 << 25
	tdIOC    = 1 << 24
	tdActive = 1 << 23
	tdStall  = 1 << 22
	tdBabble = 1 << 20
	tdNAK    = 1 << 19
	tdCRCTO  = 1 << 18

	// PCI configuration registers.
	cfgCommand = 0x04
	cfgBAR4    = 0x20
	cfgLEGSUP  = 0xC0

	// Guest memory of the tests.
	ioBase  = 0xC040
	flBase  = 0x10000 // frame list
	qhInt   = 0x20000 // interrupt queue head (every frame)
	qhCtl   = 0x20010 // control queue head, after qhInt
	qhAux   = 0x20020 // a spare queue head
	tdBase  = 0x21000 // TDs, 32 bytes apart
	setupAt = 0x30000 // SETUP packets
	bufBase = 0x31000 // data buffers
	ramSize = 1 << 20
)

// rig is a controller with the tablet on port 1 (index 0), on a port bus
// with fake memory, clock and line, BAR4 at ioBase, I/O and bus mastering
// enabled, and a schedule: every frame list entry points to qhInt, whose
// link is qhCtl, whose link terminates.
type rig struct {
	t      testing.TB
	c      *uhci.Controller
	ports  *bus.Ports
	mem    *bustest.Memory
	clock  *bustest.Clock
	irq    *bustest.IRQ
	tab    *usbtablet.Tablet
	halted bool // what the CPUHalted hook says
	nextTD int
}

func newRig(t testing.TB) *rig {
	t.Helper()
	r := &rig{t: t, ports: bus.NewPorts(), mem: bustest.NewMemory(ramSize),
		clock: &bustest.Clock{T: 1000}, irq: &bustest.IRQ{}, tab: usbtablet.New()}
	r.c = uhci.New(r.mem, r.ports, r.clock, r.irq, uhci.Options{CPUHalted: func() bool { return r.halted }})
	r.c.Attach(0, r.tab)
	fn := r.c.PCI()
	fn.ConfigWrite(cfgBAR4, 4, ioBase)
	fn.ConfigWrite(cfgCommand, 2, 0x0005) // I/O decoding, bus master
	for i := uint32(0); i < 1024; i++ {
		r.put32(flBase+4*i, qhInt|ptrQH)
	}
	r.put32(qhInt, qhCtl|ptrQH)
	r.put32(qhInt+4, ptrT)
	r.put32(qhCtl, ptrT)
	r.put32(qhCtl+4, ptrT)
	return r
}

func (r *rig) inw(reg uint16) uint16       { return uint16(r.ports.Read(ioBase+reg, 2)) }
func (r *rig) outw(reg uint16, v uint16)   { r.ports.Write(ioBase+reg, 2, uint32(v)) }
func (r *rig) inl(reg uint16) uint32       { return r.ports.Read(ioBase+reg, 4) }
func (r *rig) outl(reg uint16, v uint32)   { r.ports.Write(ioBase+reg, 4, v) }
func (r *rig) get32(addr uint32) uint32    { return binary.LittleEndian.Uint32(r.mem.RAM[addr:]) }
func (r *rig) put32(addr uint32, v uint32) { binary.LittleEndian.PutUint32(r.mem.RAM[addr:], v) }

// start does what a driver does: frame list, frame 0, interrupts, run.
func (r *rig) start(intr uint16) {
	r.outl(rFLBASE, flBase)
	r.outw(rFRNUM, 0)
	r.outw(rINTR, intr)
	r.c.PCI().ConfigWrite(cfgLEGSUP, 2, 0x2000) // route the interrupt to INTD
	r.outw(rCMD, cmdRS|cmdCF|cmdMAXP)
}

// frames lets n milliseconds of guest time pass, a timer tick each.
func (r *rig) frames(n int) {
	for i := 0; i < n; i++ {
		r.clock.T++
		r.c.Tick(r.clock.T)
	}
}

// enablePort resets the tablet's port and enables it, as a hub driver does.
func (r *rig) enablePort() {
	r.outw(rPORT1, portPR)
	r.frames(50)
	r.outw(rPORT1, 0)
	r.outw(rPORT1, portPE)
	if v := r.inw(rPORT1); v&portPE == 0 {
		r.t.Fatalf("PORTSC1 = %#x after reset: not enabled", v)
	}
}

// token builds a TD token.
func token(pid usb.PID, addr, ep uint8, toggle int, maxLen int) uint32 {
	return uint32(pid) | uint32(addr)<<8 | uint32(ep)<<15 | uint32(toggle)<<19 | uint32(maxLen-1)&0x7FF<<21
}

// td writes a TD and returns its address.
func (r *rig) td(link, ctrl, tok, buf uint32) uint32 {
	a := uint32(tdBase + 32*r.nextTD)
	r.nextTD++
	r.put32(a, link)
	r.put32(a+4, ctrl)
	r.put32(a+8, tok)
	r.put32(a+12, buf)
	return a
}

// control runs a control transfer to addr through qhCtl, as drivers build
// them: a SETUP TD, data TDs of 8 bytes, a status TD with IOC, linked
// depth first. It waits until the queue is empty or stopped, and returns
// the data stage's bytes (IN) and the status of the TD the queue stopped
// on (0 when it completed).
func (r *rig) control(addr uint8, s usb.Setup, out []byte) ([]byte, uint32) {
	r.t.Helper()
	copy(r.mem.RAM[setupAt:], s.Bytes())
	copy(r.mem.RAM[bufBase:], out)
	r.nextTD = 0
	n := int(s.Length)
	count := (n + 7) / 8
	first := uint32(tdBase)
	link := func(i int) uint32 { return uint32(tdBase+32*(i+1)) | ptrVf }
	r.td(link(0), tdActive|tdCErr3, token(usb.PIDSetup, addr, 0, 0, 8), setupAt)
	pid, spid := usb.PIDOut, usb.PIDIn
	if s.In() {
		pid, spid = usb.PIDIn, usb.PIDOut
	}
	for i := 0; i < count; i++ {
		l := min(8, n-8*i)
		ctrl := uint32(tdActive | tdCErr3)
		if s.In() {
			ctrl |= tdSPD
		}
		r.td(link(i+1), ctrl, token(pid, addr, 0, (i+1)&1, l), bufBase+uint32(8*i))
	}
	status := r.td(ptrT, tdActive|tdCErr3|tdIOC, token(spid, addr, 0, 1, 0), 0)
	r.put32(qhCtl+4, first)
	for i := 0; i < 100; i++ {
		r.frames(1)
		e := r.get32(qhCtl + 4)
		if e&ptrT != 0 {
			if st := r.get32(status + 4); st&tdActive != 0 {
				r.t.Fatalf("queue empty but status TD active: %#x", st)
			}
			return append([]byte(nil), r.mem.RAM[bufBase:bufBase+n]...), 0
		}
		if st := r.get32(e&^0xF + 4); st&tdActive == 0 {
			// Stopped on an inactive TD: an error or a short packet. A
			// short IN data stage goes on with the status TD, as drivers
			// restart the queue.
			if st&(tdStall|tdBabble|tdCRCTO) == 0 && e&^0xF != status {
				got := 0
				for a := uint32(tdBase + 32); a < e&^0xF+32; a += 32 {
					got += int(r.get32(a+4)+1) & 0x7FF
				}
				r.put32(qhCtl+4, status)
				r.frames(2)
				if st := r.get32(status + 4); st&tdActive != 0 {
					r.t.Fatalf("status stage after a short packet did not complete: %#x", st)
				}
				return append([]byte(nil), r.mem.RAM[bufBase:bufBase+uint32(got)]...), 0
			}
			r.put32(qhCtl+4, ptrT)
			return nil, st
		}
	}
	r.t.Fatalf("control transfer %+v never completed; element %#x", s, r.get32(qhCtl+4))
	return nil, 0
}

// mustControl is control that fails the test on an error.
func (r *rig) mustControl(addr uint8, s usb.Setup, out []byte) []byte {
	r.t.Helper()
	b, st := r.control(addr, s, out)
	if st != 0 {
		r.t.Fatalf("control transfer %+v failed: TD status %#x", s, st)
	}
	return b
}

// enumerate does what a host does to bring the tablet up at address 1,
// configured.
func (r *rig) enumerate() {
	r.t.Helper()
	r.enablePort()
	r.mustControl(0, usb.Setup{RequestType: 0x80, Request: usb.RequestGetDescriptor, Value: 0x0100, Length: 8}, nil)
	r.mustControl(0, usb.Setup{Request: usb.RequestSetAddress, Value: 1}, nil)
	r.mustControl(1, usb.Setup{Request: usb.RequestSetConfiguration, Value: 1}, nil)
}

// intIN puts an interrupt IN TD for the tablet's endpoint 1 in qhInt and
// returns its address.
func (r *rig) intIN(ctrl uint32) uint32 {
	a := uint32(tdBase + 32*60)
	r.put32(a, ptrT)
	r.put32(a+4, ctrl)
	r.put32(a+8, token(usb.PIDIn, 1, 1, 0, 8))
	r.put32(a+12, bufBase+0x800)
	r.put32(qhInt+4, a)
	return a
}

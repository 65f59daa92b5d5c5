package uhci

import (
	"encoding/binary"

	"github.com/do86/do86/internal/usb"
)

// Link pointer bits (frame list entries, QH and TD link pointers, UHCI 1.1
// §3.1–3.3).
const (
	PtrT    = 1 << 0 // terminate: no pointer
	PtrQH   = 1 << 1 // the pointer is to a queue head (else a TD)
	PtrVf   = 1 << 2 // TD link: depth first (go on down the queue)
	ptrAddr = 0xFFFFFFF0
)

// TD control and status bits (TD dword 1).
const (
	TDActLen    = 0x7FF     // actual length - 1 (0x7FF: none)
	TDBitstuff  = 1 << 17   // bitstuff error
	TDCRCTO     = 1 << 18   // CRC/timeout error
	TDNAK       = 1 << 19   // NAK received
	TDBabble    = 1 << 20   // babble detected
	TDDBE       = 1 << 21   // data buffer error
	TDStalled   = 1 << 22   // stalled
	TDActive    = 1 << 23   // active
	TDIOC       = 1 << 24   // interrupt on complete
	TDIOS       = 1 << 25   // isochronous select
	TDLS        = 1 << 26   // low speed device
	TDCErrShift = 27        // the error counter's position
	TDCErr      = 3 << 27   // error counter: errors left before a stall (0: no limit)
	TDSPD       = 1 << 29   // short packet detect
	tdMaxLenMax = 0x4FF + 1 // the largest MaxLen a TD may give (1280 bytes)
)

// td is a transfer descriptor's hardware part.
type td struct {
	link, ctrl, token, buf uint32
}

func (c *Controller) read32(addr uint32) uint32 {
	var b [4]byte
	c.mem.ReadPhys(addr, b[:])
	return binary.LittleEndian.Uint32(b[:])
}

func (c *Controller) write32(addr, v uint32) {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	c.mem.WritePhys(addr, b[:])
}

func (c *Controller) readTD(addr uint32) td {
	var b [16]byte
	c.mem.ReadPhys(addr, b[:])
	c.record(addr, b[:])
	le := binary.LittleEndian
	return td{le.Uint32(b[0:]), le.Uint32(b[4:]), le.Uint32(b[8:]), le.Uint32(b[12:])}
}

// result is what a TD did to the walk of its frame.
type result int

const (
	// next: go on across (the TD stays, or completed outside a queue).
	next result = iota
	// advance: the TD completed in a queue; the queue moves on to its link.
	advance
	// effect: a look ahead found the TD would change something.
	effect
	// full: the frame has no bandwidth left for the TD.
	full
	// stop: the controller halted (a malformed TD).
	stop
)

// frame runs frame list entry idx's schedule (UHCI 1.1 §3.4): across the
// entry's TDs and queue heads, down each queue as far as its TDs complete
// with depth first set, until a terminating link, a loop that made no
// progress, or the frame's bandwidth is spent.
func (c *Controller) frame(idx uint32) {
	if c.fn.Command()&cmdMaster == 0 {
		return // no bus mastering: the controller cannot reach memory
	}
	c.walk(c.read32(c.s.FlBase + 4*idx))
}

// cmdMaster is the PCI command register's bus master enable.
const cmdMaster = 1 << 2

// walk follows the schedule from link. A dry walk (c.dry, the look ahead)
// changes nothing and reports whether anything would change; a real one
// runs the transactions. Nodes a dry walk proves idle go to c.idle.
func (c *Controller) walk(link uint32) bool {
	dry := c.dry
	c.visits = c.visits[:0]
	budget := frameBytes
	nodes := 0
node:
	for link&PtrT == 0 && nodes < maxNodes {
		nodes++
		if dry && c.idle.has(link&^PtrVf) {
			return false
		}
		if c.seen(link &^ PtrVf) {
			break // a loop round which nothing changed
		}
		addr := link & ptrAddr
		if link&PtrQH == 0 {
			t := c.readTD(addr)
			switch c.transfer(&t, addr, false, &budget) {
			case effect:
				return true
			case full, stop:
				break node
			}
			link = t.link
			continue
		}
		var q [8]byte
		c.mem.ReadPhys(addr, q[:])
		c.record(addr, q[:])
		head, elem := binary.LittleEndian.Uint32(q[0:]), binary.LittleEndian.Uint32(q[4:])
		for elem&PtrT == 0 && nodes < maxNodes {
			if elem&PtrQH != 0 {
				// A queue head in the element pointer: its queue is run
				// next, and its own link is followed after it.
				link = elem
				continue node
			}
			nodes++
			t := c.readTD(elem & ptrAddr)
			r := c.transfer(&t, elem&ptrAddr, true, &budget)
			switch r {
			case effect:
				return true
			case full, stop:
				break node
			case advance:
				c.write32(addr+4, t.link)
				c.changed = true
				c.effects++
				elem = t.link
				if t.link&PtrVf != 0 {
					continue // depth first: on down the queue
				}
			}
			break
		}
		link = head
	}
	if dry {
		// Nothing on the way changes anything: every node visited is idle.
		for _, v := range c.visits {
			c.idle.add(v.link)
		}
	}
	return false
}

// seen records a visit to a node and reports whether it was visited
// before in this walk with nothing changed since: a loop (bandwidth
// reclamation, or a broken schedule) that would only repeat itself.
func (c *Controller) seen(link uint32) bool {
	for i := range c.visits {
		if v := &c.visits[i]; v.link == link {
			if v.effects == c.effects {
				return true
			}
			v.effects = c.effects
			return false
		}
	}
	if len(c.visits) < maxNodes {
		c.visits = append(c.visits, visit{link, c.effects})
	}
	return false
}

// device returns the device that answers address addr: one on an enabled
// port, neither suspended nor being reset.
func (c *Controller) device(addr uint8) usb.Device {
	if c.s.Cmd&CmdEGSM != 0 {
		return nil
	}
	for i, d := range c.devs {
		sc := c.s.PortSC[i]
		if d != nil && sc&PortPE != 0 && sc&(PortSUSP|PortPR) == 0 && d.Address() == addr {
			return d
		}
	}
	return nil
}

// actLen encodes n bytes in a TD's ActLen field.
func actLen(ctrl uint32, n int) uint32 { return ctrl&^TDActLen | uint32(n-1)&TDActLen }

// transfer runs TD t at addr (UHCI 1.1 §3.2, §3.4.4): one transaction,
// then the status written back. inQueue says it is a queue's element
// (short packets may stop the queue, success advances it). A dry run
// returns effect as soon as running it would change something.
func (c *Controller) transfer(t *td, addr uint32, inQueue bool, budget *int) result {
	dry := c.dry
	ctrl := t.ctrl
	if ctrl&TDActive == 0 {
		// An inactive TD still interrupts at the end of the frame it was
		// fetched in when IOC is set (§3.2.2).
		if ctrl&TDIOC != 0 && !(c.s.Sts&StsUSBINT != 0 && c.s.IOCCause) {
			if dry {
				return effect
			}
			c.s.Sts |= StsUSBINT
			c.s.IOCCause = true
			c.changed = true
			c.effects++
		}
		return next
	}
	pid := usb.PID(t.token)
	maxLen := int(t.token>>21+1) & 0x7FF
	if pid != usb.PIDIn && pid != usb.PIDOut && pid != usb.PIDSetup || maxLen > tdMaxLenMax {
		// A consistency check failure: the controller halts (§2.1.2).
		if dry {
			return effect
		}
		c.s.Sts |= StsHCPE | StsHCH
		c.s.Cmd &^= CmdRS
		c.changed = true
		c.effects++
		return stop
	}
	ep := uint8(t.token>>15) & 0x0F
	dev := c.device(uint8(t.token>>8) & 0x7F)
	if dry {
		if dev != nil && !dev.NAKs(pid, ep) {
			return effect
		}
		if nc, _ := c.outcome(ctrl, dev == nil, usb.NAK, 0, maxLen, pid, inQueue); nc != ctrl {
			return effect
		}
		return next
	}
	cost := maxLen + txOverhead
	if cost > *budget {
		return full
	}
	*budget -= cost

	data := c.buf[:maxLen]
	var n int
	hs := usb.NAK
	if dev != nil {
		if pid == usb.PIDIn {
			n, hs = dev.Transact(pid, ep, data)
			if hs == usb.ACK {
				c.mem.WritePhys(t.buf, data[:min(n, maxLen)])
			}
		} else {
			c.mem.ReadPhys(t.buf, data)
			_, hs = dev.Transact(pid, ep, data)
			n = maxLen
		}
	}
	nc, r := c.outcome(ctrl, dev == nil, hs, n, maxLen, pid, inQueue)
	if nc != ctrl {
		t.ctrl = nc
		c.write32(addr+4, nc)
		c.changed = true
		c.effects++
	}
	return r
}

// outcome is the status a TD gets from a transaction: timeout (no device
// answered), or the device's handshake with n bytes; and what the walk does
// next. It raises the status bits the result calls for, except in a
// look ahead's dry run (it is called with the NAK a device would give).
func (c *Controller) outcome(ctrl uint32, timeout bool, hs usb.Handshake, n, maxLen int, pid usb.PID, inQueue bool) (uint32, result) {
	iso := ctrl&TDIOS != 0
	done := func(nc uint32) uint32 {
		// The TD is retired: IOC interrupts at the end of the frame.
		nc &^= TDActive
		if nc&TDIOC != 0 {
			c.flag(StsUSBINT, &c.s.IOCCause)
		}
		return nc
	}
	switch {
	case timeout:
		// No handshake: count the error; the last allowed one stalls the
		// TD (§3.2.2, C_ERR). An error count of 0 retries for ever.
		nc := actLen(ctrl|TDCRCTO, 0)
		if iso {
			return done(nc), next
		}
		if e := (nc & TDCErr) >> TDCErrShift; e != 0 {
			e--
			nc = nc&^TDCErr | e<<TDCErrShift
			if e == 0 {
				c.flag(StsERROR, nil)
				return done(nc | TDStalled), next
			}
		}
		return nc, next
	case hs == usb.NAK:
		if iso {
			return done(actLen(ctrl, 0)), next
		}
		return ctrl | TDNAK, next
	case hs == usb.STALL:
		c.flag(StsERROR, nil)
		return done(actLen(ctrl|TDStalled, 0)), next
	case n > maxLen:
		// The device sent more than the TD takes: babble, a fatal error.
		c.flag(StsERROR, nil)
		return done(actLen(ctrl|TDBabble|TDStalled, maxLen)), next
	}
	nc := done(actLen(ctrl, n))
	if iso || !inQueue {
		return nc, next
	}
	if pid == usb.PIDIn && n < maxLen && ctrl&TDSPD != 0 {
		// A short packet with SPD stops the queue on this TD (§3.2.2).
		c.flag(StsUSBINT, &c.s.SPCause)
		return nc, next
	}
	return nc, advance
}

// flag sets a status bit (and the interrupt cause with it) in a real run.
func (c *Controller) flag(bit uint16, cause *bool) {
	if c.dry {
		return
	}
	c.s.Sts |= bit
	if cause != nil {
		*cause = true
	}
}

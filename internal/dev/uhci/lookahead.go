package uhci

import (
	"bytes"
	"encoding/binary"
)

// lookAhead walks every frame list entry once without running anything,
// in the order the coming frames will use them, and notes the first frame
// that would change something (a transaction a device would not NAK, a
// TD's status that would change, an interrupt): wakeAt is when it starts.
// quiet says none would, so that until something changes — a register
// access, a device's news, the CPU changing the schedule — frames can be
// counted without being run. Nodes found idle are remembered across
// entries, so a schedule shared by every entry is walked once.
//
// A quiet result is kept with the bytes of guest memory it read: after the
// CPU ran, reading them again (stillQuiet) is enough to know whether the
// schedule changed, which costs much less than walking it.
func (c *Controller) lookAhead() {
	c.fresh, c.quiet = true, true
	c.aheadEpoch = c.epoch
	c.reads = c.reads[:0]
	if !c.Running() || c.fn.Command()&cmdMaster == 0 {
		return
	}
	c.mem.ReadPhys(c.s.FlBase, c.list[:])
	c.idle.reset()
	c.dry = true
	defer func() { c.dry = false }()
	for k := 0; k < len(c.list)/4; k++ {
		idx := (uint32(c.s.Frnum) + 1 + uint32(k)) & 0x3FF
		if c.walk(binary.LittleEndian.Uint32(c.list[4*idx:])) {
			c.quiet = false
			c.wakeAt = c.s.Next + float64(k)*FrameMS
			return
		}
	}
}

// stillQuiet reports whether the last look ahead found every frame idle
// and nothing it depended on changed: no register write, device news or
// frame that changed something since (the epoch), and the same bytes in
// the frame list and in every queue head and TD it read.
func (c *Controller) stillQuiet() bool {
	if !c.quiet || c.aheadEpoch != c.epoch || !c.Running() {
		return false
	}
	var b [4096]byte
	c.mem.ReadPhys(c.s.FlBase, b[:])
	if !bytes.Equal(b[:], c.list[:]) {
		return false
	}
	for i := range c.reads {
		r := &c.reads[i]
		c.mem.ReadPhys(r.addr, b[:r.n])
		if !bytes.Equal(b[:r.n], r.b[:r.n]) {
			return false
		}
	}
	return true
}

// read is guest memory a look ahead read: n bytes at addr.
type read struct {
	addr uint32
	n    int
	b    [16]byte
}

// record notes bytes a dry walk read.
func (c *Controller) record(addr uint32, b []byte) {
	if c.dry {
		r := read{addr: addr, n: len(b)}
		copy(r.b[:], b)
		c.reads = append(c.reads, r)
	}
}

// linkSet is a set of link pointers, emptied in constant time: an open
// addressed table whose slots count as empty unless stamped with the
// current generation. When it fills up, adds are dropped (it only saves
// walking a node twice).
type linkSet struct {
	gen   uint32
	slots [512]struct{ link, gen uint32 }
}

func (s *linkSet) reset() {
	s.gen++
	if s.gen == 0 { // wrapped: stale stamps could match
		s.slots = [512]struct{ link, gen uint32 }{}
		s.gen = 1
	}
}

func (s *linkSet) slot(link uint32) (int, bool) {
	h := int(link*2654435761>>23) & 511
	for i := 0; i < 16; i++ {
		e := &s.slots[(h+i)&511]
		if e.gen != s.gen {
			return (h + i) & 511, false
		}
		if e.link == link {
			return (h + i) & 511, true
		}
	}
	return -1, false
}

func (s *linkSet) has(link uint32) bool {
	_, ok := s.slot(link)
	return ok
}

func (s *linkSet) add(link uint32) {
	if i, ok := s.slot(link); i >= 0 && !ok {
		s.slots[i].link, s.slots[i].gen = link, s.gen
	}
}

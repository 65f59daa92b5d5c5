package bench

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// asm writes machine code byte by byte, keeping a listing: each instruction
// is emitted with its bytes spelled out and its assembly text as a comment.
// Only short (rel8) and near (rel32) jumps to labels need fixing up.
type asm struct {
	org     uint32
	buf     []byte
	labels  map[string]uint32
	fixups  []fixup
	listing []entry
	count   map[string]int // instructions emitted per region
	region  string
}

// entry is a line of the listing: a label, or n bytes at off.
type entry struct {
	label string
	off   int
	n     int
	text  string
}

type fixup struct {
	at    int // offset of the field in buf
	size  int // 1 or 4: a displacement from next; 2: an absolute 16-bit address
	next  uint32
	label string
}

func newAsm(org uint32) *asm {
	return &asm{org: org, labels: map[string]uint32{}, count: map[string]int{}}
}

// pc is the address of the next byte.
func (a *asm) pc() uint32 { return a.org + uint32(len(a.buf)) }

// label names the current address.
func (a *asm) label(name string) {
	a.labels[name] = a.pc()
	a.listing = append(a.listing, entry{label: name})
}

// setRegion starts counting instructions under name (see count).
func (a *asm) setRegion(name string) { a.region = name }

// op emits one instruction.
func (a *asm) op(text string, b ...byte) {
	a.listing = append(a.listing, entry{off: len(a.buf), n: len(b), text: text})
	a.buf = append(a.buf, b...)
	a.count[a.region]++
}

// data emits bytes that are not executed.
func (a *asm) data(text string, b ...byte) {
	a.listing = append(a.listing, entry{off: len(a.buf), n: len(b), text: text})
	a.buf = append(a.buf, b...)
}

// jcc8 emits a short jump (opcode, rel8) to label.
func (a *asm) jcc8(opcode byte, text, label string) {
	a.op(text, opcode, 0)
	a.fixups = append(a.fixups, fixup{len(a.buf) - 1, 1, a.pc(), label})
}

// call32 emits a near call (E8 rel32) to label, in 32-bit code.
func (a *asm) call32(label string) {
	a.op("call "+label, 0xE8, 0, 0, 0, 0)
	a.fixups = append(a.fixups, fixup{len(a.buf) - 4, 4, a.pc(), label})
}

// abs16 records that the 16-bit field just emitted, ending at the end of buf,
// is label's address.
func (a *asm) abs16(label string, fieldEnd int) {
	a.fixups = append(a.fixups, fixup{len(a.buf) - fieldEnd, 2, 0, label})
}

// link resolves the jumps.
func (a *asm) link() ([]byte, error) {
	for _, f := range a.fixups {
		dst, ok := a.labels[f.label]
		if !ok {
			return nil, fmt.Errorf("bench: no label %q", f.label)
		}
		rel := int64(dst) - int64(f.next)
		switch f.size {
		case 1:
			if rel < -128 || rel > 127 {
				return nil, fmt.Errorf("bench: %q out of rel8 range (%d)", f.label, rel)
			}
			a.buf[f.at] = byte(int8(rel))
		case 2:
			if dst > 0xFFFF {
				return nil, fmt.Errorf("bench: %q above 64 KiB", f.label)
			}
			binary.LittleEndian.PutUint16(a.buf[f.at:], uint16(dst))
		case 4:
			binary.LittleEndian.PutUint32(a.buf[f.at:], uint32(int32(rel)))
		}
	}
	return a.buf, nil
}

// String returns the listing (with jumps resolved once link ran).
func (a *asm) String() string {
	var s strings.Builder
	for _, e := range a.listing {
		if e.label != "" {
			s.WriteString(e.label + ":\n")
			continue
		}
		fmt.Fprintf(&s, "  %08x  %-24s %s\n", a.org+uint32(e.off), hexBytes(a.buf[e.off:e.off+e.n]), e.text)
	}
	return s.String()
}

func hexBytes(b []byte) string {
	var s strings.Builder
	for i, x := range b {
		if i > 0 {
			s.WriteByte(' ')
		}
		fmt.Fprintf(&s, "%02X", x)
	}
	return s.String()
}

// le16 and le32 spell immediates.
func le16(v uint16) []byte { return []byte{byte(v), byte(v >> 8)} }
func le32(v uint32) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)} }

// cat joins byte slices.
func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

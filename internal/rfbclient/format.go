package rfbclient

import "encoding/binary"

// PixelFormat is RFB's PIXEL_FORMAT (RFC 6143 §7.4).
type PixelFormat struct {
	BPP, Depth                      uint8
	BigEndian, TrueColour           bool
	RedMax, GreenMax, BlueMax       uint16
	RedShift, GreenShift, BlueShift uint8
}

// Common pixel formats.
var (
	// FormatRGB888 is 32-bit little-endian 0x00RRGGBB.
	FormatRGB888 = PixelFormat{BPP: 32, Depth: 24, TrueColour: true, RedMax: 255, GreenMax: 255, BlueMax: 255, RedShift: 16, GreenShift: 8}
	// FormatBGR888BE is 32-bit big-endian 0xBBGGRR00: colours in the top
	// three bytes.
	FormatBGR888BE = PixelFormat{BPP: 32, Depth: 24, BigEndian: true, TrueColour: true, RedMax: 255, GreenMax: 255, BlueMax: 255, RedShift: 8, GreenShift: 16, BlueShift: 24}
	// FormatRGB565BE is 16-bit big-endian 5-6-5.
	FormatRGB565BE = PixelFormat{BPP: 16, Depth: 16, BigEndian: true, TrueColour: true, RedMax: 31, GreenMax: 63, BlueMax: 31, RedShift: 11, GreenShift: 5}
	// FormatRGB332 is 8-bit 3-3-2, red in the top bits.
	FormatRGB332 = PixelFormat{BPP: 8, Depth: 8, TrueColour: true, RedMax: 7, GreenMax: 7, BlueMax: 3, RedShift: 5, GreenShift: 2}
	// FormatColourMap8 is 8-bit with a colour map the server fills.
	FormatColourMap8 = PixelFormat{BPP: 8, Depth: 8}
)

// Marshal returns the 16 bytes of PIXEL_FORMAT.
func (pf PixelFormat) Marshal() []byte {
	b := []byte{pf.BPP, pf.Depth, boolByte(pf.BigEndian), boolByte(pf.TrueColour)}
	b = binary.BigEndian.AppendUint16(b, pf.RedMax)
	b = binary.BigEndian.AppendUint16(b, pf.GreenMax)
	b = binary.BigEndian.AppendUint16(b, pf.BlueMax)
	return append(b, pf.RedShift, pf.GreenShift, pf.BlueShift, 0, 0, 0)
}

func parseFormat(b []byte) PixelFormat {
	return PixelFormat{BPP: b[0], Depth: b[1], BigEndian: b[2] != 0, TrueColour: b[3] != 0,
		RedMax: binary.BigEndian.Uint16(b[4:]), GreenMax: binary.BigEndian.Uint16(b[6:]), BlueMax: binary.BigEndian.Uint16(b[8:]),
		RedShift: b[10], GreenShift: b[11], BlueShift: b[12]}
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// Quantize returns how a true-colour client in this format shows the colour
// r, g, b: each component reduced to the format's levels (rounding to the
// nearest) and expanded back to 8 bits the way this client does.
func (pf PixelFormat) Quantize(r, g, b uint8) (uint8, uint8, uint8) {
	q := func(v uint8, max uint16) uint8 {
		if max == 0 {
			return 0
		}
		return expand((uint32(v)*uint32(max)+127)/255, max)
	}
	return q(r, pf.RedMax), q(g, pf.GreenMax), q(b, pf.BlueMax)
}

func expand(c uint32, max uint16) uint8 {
	if max == 0 {
		return 0
	}
	return uint8((c*255 + uint32(max)/2) / uint32(max))
}

// bytesPerCPixel is the size of a ZRLE CPIXEL (RFC 6143 §7.7.6) and, for
// 3-byte ones, whether they are the top three bytes of the pixel value.
func (pf PixelFormat) cpixel() (size int, top bool) {
	if pf.TrueColour && pf.BPP == 32 && pf.Depth <= 24 {
		all := uint32(pf.RedMax)<<pf.RedShift | uint32(pf.GreenMax)<<pf.GreenShift | uint32(pf.BlueMax)<<pf.BlueShift
		if all < 1<<24 {
			return 3, false
		}
		if all&0xFF == 0 {
			return 3, true
		}
	}
	return int(pf.BPP) / 8, false
}

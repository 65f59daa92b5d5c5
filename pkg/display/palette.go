package display

// Packed palettes: the tile format ZRLE (RFB) and the web protocol share
// for tiles of at most 16 colours, each pixel an index of 1, 2 or 4 bits,
// most significant first, every row padded to a whole byte.

// PaletteBits is the index width of a packed palette of n colours (n ≤ 16).
func PaletteBits(n int) int {
	switch {
	case n <= 2:
		return 1
	case n <= 4:
		return 2
	}
	return 4
}

// PackedSize is the bytes of a w×h tile's indices at bits a pixel.
func PackedSize(w, h, bits int) int { return h * ((w*bits + 7) / 8) }

// AppendPacked appends the w×h palette indices idx (row after row), bits
// a pixel, each row padded to a byte.
func AppendPacked(b []byte, idx []uint8, w, h, bits int) []byte {
	for r := range h {
		var acc byte
		nb := 0
		for _, ix := range idx[r*w : r*w+w] {
			acc = acc<<bits | ix
			nb += bits
			if nb == 8 {
				b = append(b, acc)
				acc, nb = 0, 0
			}
		}
		if nb > 0 {
			b = append(b, acc<<(8-nb))
		}
	}
	return b
}

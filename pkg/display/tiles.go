package display

// TileSet is a set of TileSize×TileSize tiles of a frame, a bitmap.
type TileSet struct {
	Cols, Rows int // tiles across and down
	bits       []uint64
}

// NewTileSet returns an empty tile set for a w×h frame.
func NewTileSet(w, h int) *TileSet {
	c, r := (w+TileSize-1)/TileSize, (h+TileSize-1)/TileSize
	return &TileSet{Cols: c, Rows: r, bits: make([]uint64, (c*r+63)/64)}
}

// Add marks tile (tx, ty).
func (s *TileSet) Add(tx, ty int) {
	i := ty*s.Cols + tx
	s.bits[i>>6] |= 1 << (i & 63)
}

// Has reports whether tile (tx, ty) is marked.
func (s *TileSet) Has(tx, ty int) bool {
	i := ty*s.Cols + tx
	return s.bits[i>>6]&(1<<(i&63)) != 0
}

// AddRect marks every tile the pixel rectangle x,y,w,h touches.
func (s *TileSet) AddRect(x, y, w, h int) {
	if w <= 0 || h <= 0 {
		return
	}
	x0, y0 := max(x/TileSize, 0), max(y/TileSize, 0)
	x1, y1 := min((x+w-1)/TileSize, s.Cols-1), min((y+h-1)/TileSize, s.Rows-1)
	for ty := y0; ty <= y1; ty++ {
		for tx := x0; tx <= x1; tx++ {
			s.Add(tx, ty)
		}
	}
}

// AddAll marks every tile.
func (s *TileSet) AddAll() {
	for ty := 0; ty < s.Rows; ty++ {
		for tx := 0; tx < s.Cols; tx++ {
			s.Add(tx, ty)
		}
	}
}

// Union adds every tile of o (a set of the same geometry).
func (s *TileSet) Union(o *TileSet) {
	for i := range s.bits {
		s.bits[i] |= o.bits[i]
	}
}

// Clear empties the set.
func (s *TileSet) Clear() {
	clear(s.bits)
}

// Empty reports whether no tile is marked.
func (s *TileSet) Empty() bool {
	for _, b := range s.bits {
		if b != 0 {
			return false
		}
	}
	return true
}

// Count returns the number of marked tiles.
func (s *TileSet) Count() int {
	n := 0
	for ty := 0; ty < s.Rows; ty++ {
		for tx := 0; tx < s.Cols; tx++ {
			if s.Has(tx, ty) {
				n++
			}
		}
	}
	return n
}

// Each calls fn with the pixel rectangle of every marked tile, clipped to a
// w×h frame, row by row.
func (s *TileSet) Each(w, h int, fn func(x, y, tw, th int)) {
	for ty := 0; ty < s.Rows; ty++ {
		for tx := 0; tx < s.Cols; tx++ {
			if s.Has(tx, ty) {
				x, y := tx*TileSize, ty*TileSize
				fn(x, y, min(TileSize, w-x), min(TileSize, h-y))
			}
		}
	}
}

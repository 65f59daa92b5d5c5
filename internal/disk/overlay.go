package disk

import (
	"sort"
)

// chunkSectors is how many sectors the in-memory overlay allocates at once.
const chunkSectors = 64

// chunk is chunkSectors consecutive sectors of the in-memory overlay; bit i of
// present says sector i of the chunk was written.
type chunk struct {
	present uint64
	data    [chunkSectors * SectorSize]byte
}

// memOverlay keeps written sectors in memory, allocated by chunk.
type memOverlay struct {
	chunks map[uint64]*chunk
}

func newMemOverlay() *memOverlay { return &memOverlay{chunks: map[uint64]*chunk{}} }

func (m *memOverlay) has(lba uint64) bool {
	c := m.chunks[lba/chunkSectors]
	return c != nil && c.present&(1<<(lba%chunkSectors)) != 0
}

func (m *memOverlay) read(lba uint64, p []byte) error {
	c := m.chunks[lba/chunkSectors]
	i := lba % chunkSectors
	copy(p, c.data[i*SectorSize:(i+1)*SectorSize])
	return nil
}

func (m *memOverlay) write(lba uint64, p []byte) error {
	c := m.chunks[lba/chunkSectors]
	if c == nil {
		c = new(chunk)
		m.chunks[lba/chunkSectors] = c
	}
	i := lba % chunkSectors
	copy(c.data[i*SectorSize:(i+1)*SectorSize], p)
	c.present |= 1 << i
	return nil
}

func (m *memOverlay) list() []uint64 {
	var l []uint64
	for base, c := range m.chunks {
		for i := uint64(0); i < chunkSectors; i++ {
			if c.present&(1<<i) != 0 {
				l = append(l, base*chunkSectors+i)
			}
		}
	}
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	return l
}

func (m *memOverlay) flush() error { return nil }
func (m *memOverlay) close() error { return nil }

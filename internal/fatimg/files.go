package fatimg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Directory entry fields (DIR_*) and attribute bits.
const (
	attrVolumeID = 0x08
	attrArchive  = 0x20
	attrLongName = 0x0F // read-only, hidden, system and volume ID together

	entryFree    = 0x00 // this and every later entry are free
	entryDeleted = 0xE5

	fat16EOC  = 0xFFFF // end of chain, as written
	fat16Bad  = 0xFFF7 // bad cluster
	fat16Last = 0xFFF8 // values from here on end a chain
)

// fileStamp is the date and time given to the files AddFile makes:
// 2024-01-01 12:00:00, in the directory entry's encodings.
const (
	fileDate = (2024-1980)<<9 | 1<<5 | 1
	fileTime = 12 << 11
)

// ErrNotFound is returned by ReadFile for a name the root directory lacks.
var ErrNotFound = errors.New("fatimg: file not found")

// shortName returns name ("PROOF.TXT", any case) as the 11 bytes of a
// directory entry: the base padded to 8 and the extension to 3 with spaces.
func shortName(name string) ([11]byte, error) {
	var n [11]byte
	base, ext, _ := strings.Cut(strings.ToUpper(name), ".")
	if base == "" || len(base) > 8 || len(ext) > 3 || strings.Contains(ext, ".") {
		return n, fmt.Errorf("fatimg: %q is not an 8.3 name", name)
	}
	for _, c := range base + ext {
		if c <= ' ' || c >= 0x7F || strings.ContainsRune(`"*+,/:;<=>?[\]|`, c) {
			return n, fmt.Errorf("fatimg: %q has a character an 8.3 name cannot hold", name)
		}
	}
	copy(n[:], fmt.Sprintf("%-8s%-3s", base, ext))
	return n, nil
}

// displayName turns an entry's 11-byte name back into "NAME.EXT".
func displayName(raw []byte) string {
	base := strings.TrimRight(string(raw[:8]), " ")
	if base != "" && base[0] == 0x05 { // a name starting with 0xE5, escaped
		base = "\xE5" + base[1:]
	}
	if ext := strings.TrimRight(string(raw[8:11]), " "); ext != "" {
		return base + "." + ext
	}
	return base
}

// fatEntry returns FAT entry n of the first FAT.
func (im *Image) fatEntry(n uint32) uint16 {
	return binary.LittleEndian.Uint16(im.fat(0)[2*n:])
}

// setFAT sets FAT entry n in every copy of the FAT.
func (im *Image) setFAT(n uint32, v uint16) {
	for i := 0; i < int(im.bpb.NumFATs); i++ {
		binary.LittleEndian.PutUint16(im.fat(i)[2*n:], v)
	}
}

// AddFile puts a file called name (an 8.3 name) holding data in the root
// directory, in the first free clusters, the way DOS would have written it.
func (im *Image) AddFile(name string, data []byte) error {
	n, err := shortName(name)
	if err != nil {
		return err
	}
	if _, err := im.ReadFile(name); err == nil {
		return fmt.Errorf("fatimg: %s already exists", name)
	}
	dir := im.rootDir()
	slot := -1
	for off := 0; off < len(dir); off += dirEntrySize {
		if dir[off] == entryFree || dir[off] == entryDeleted {
			slot = off
			break
		}
	}
	if slot < 0 {
		return errors.New("fatimg: the root directory is full")
	}
	need := (len(data) + im.clusterBytes() - 1) / im.clusterBytes()
	var chain []uint32
	for c := uint32(2); c < im.bpb.Clusters()+2 && len(chain) < need; c++ {
		if im.fatEntry(c) == 0 {
			chain = append(chain, c)
		}
	}
	if len(chain) < need {
		return fmt.Errorf("fatimg: no room for %d bytes", len(data))
	}
	for i, c := range chain {
		next := uint16(fat16EOC)
		if i+1 < len(chain) {
			next = uint16(chain[i+1])
		}
		im.setFAT(c, next)
		copy(im.cluster(c), data[i*im.clusterBytes():])
	}
	e := dir[slot : slot+dirEntrySize]
	clear(e)
	copy(e[0:11], n[:])
	e[11] = attrArchive // not yet backed up, as every new file
	le := binary.LittleEndian
	le.PutUint16(e[14:], fileTime)
	le.PutUint16(e[16:], fileDate)
	le.PutUint16(e[18:], fileDate)
	le.PutUint16(e[22:], fileTime)
	le.PutUint16(e[24:], fileDate)
	if len(chain) > 0 {
		le.PutUint16(e[26:], uint16(chain[0]))
	}
	le.PutUint32(e[28:], uint32(len(data)))
	return nil
}

// Names returns the names of the files in the root directory, in directory
// order (volume labels, long-name entries and deleted entries left out).
func (im *Image) Names() []string {
	var names []string
	dir := im.rootDir()
	for off := 0; off < len(dir) && dir[off] != entryFree; off += dirEntrySize {
		e := dir[off : off+dirEntrySize]
		if e[0] == entryDeleted || e[11]&attrLongName == attrLongName || e[11]&attrVolumeID != 0 {
			continue
		}
		names = append(names, displayName(e[:11]))
	}
	return names
}

// ReadFile returns the contents of the file called name (an 8.3 name, any
// case) in the root directory, following its chain of clusters through the
// first FAT. A broken chain (a free, bad or out-of-range cluster, a loop, or
// fewer clusters than the size needs) is an error.
func (im *Image) ReadFile(name string) ([]byte, error) {
	want, err := shortName(name)
	if err != nil {
		return nil, err
	}
	dir := im.rootDir()
	for off := 0; off < len(dir) && dir[off] != entryFree; off += dirEntrySize {
		e := dir[off : off+dirEntrySize]
		if e[0] == entryDeleted || e[11]&attrLongName == attrLongName || e[11]&attrVolumeID != 0 {
			continue
		}
		if [11]byte(e[:11]) == want {
			first := uint32(binary.LittleEndian.Uint16(e[26:]))
			return im.readChain(name, first, binary.LittleEndian.Uint32(e[28:]))
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
}

// readChain reads size bytes from the chain starting at cluster first.
func (im *Image) readChain(name string, first, size uint32) ([]byte, error) {
	limit := im.bpb.Clusters() + 2
	if uint64(size) > uint64(im.bpb.Clusters())*uint64(im.clusterBytes()) {
		return nil, fmt.Errorf("fatimg: %s: its size of %d bytes is more than the volume holds", name, size)
	}
	out := make([]byte, 0, size)
	seen := make(map[uint32]bool)
	for c := first; uint32(len(out)) < size; {
		switch {
		case c < 2 || c >= limit:
			return nil, fmt.Errorf("fatimg: %s: cluster %d is outside the volume", name, c)
		case seen[c]:
			return nil, fmt.Errorf("fatimg: %s: its cluster chain loops back to cluster %d", name, c)
		}
		seen[c] = true
		out = append(out, im.cluster(c)...)
		next := uint32(im.fatEntry(c))
		switch {
		case next == 0:
			return nil, fmt.Errorf("fatimg: %s: cluster %d is marked free", name, c)
		case next == fat16Bad:
			return nil, fmt.Errorf("fatimg: %s: cluster %d is marked bad", name, c)
		case next >= fat16Last && uint32(len(out)) < size:
			return nil, fmt.Errorf("fatimg: %s: chain ends after %d of %d bytes", name, len(out), size)
		}
		c = next
	}
	return out[:size], nil
}

package pager

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"fmt"
	"time"
)

// Snapshot is a whole machine as the store keeps it. The machine fills in
// everything but Info.Name and the counts, which Save sets.
type Snapshot struct {
	Info Info
	// Core is the CPU core's state blob (its memory is in Memory).
	Core []byte
	// Devices holds each device's state blob by device name.
	Devices map[string][]byte
	// Memory lists the core's memory page by page (PageSize bytes each):
	// the hash of each page, Zero for an all-zero page.
	Memory []Hash
	// Disks hold the sectors the guest changed on each disk.
	Disks []Disk
	// Data returns the bytes of a page or chunk that Memory or Disks name
	// (nil if unknown). Save calls it only for hashes the store lacks; the
	// bytes are copied before Save returns. A loaded snapshot has no Data:
	// read its pages with Store.ReadPages.
	Data func(Hash) []byte
}

// Info describes a snapshot; List returns it without loading the rest.
type Info struct {
	Name    string    // the name it is saved under (set by Save)
	Format  int       // FormatVersion of the record (set by Save)
	Created time.Time // when it was saved (Save sets it if zero)
	// CoreVersion and CoreSHA256 identify the CPU core whose state it holds.
	CoreVersion, CoreSHA256 string
	// Image names what the machine was booted from, for people.
	Image string
	// RAM is the guest's memory size in bytes.
	RAM uint64
	// Pages, NonZero and Unique count Memory: all pages, the non-zero ones
	// and the distinct non-zero ones (set by Save).
	Pages, NonZero, Unique int
	// Bytes is the size of the distinct pages and chunks it refers to,
	// uncompressed (set by Save).
	Bytes int64
	// StateBytes is the size of the core and device blobs (set by Save).
	StateBytes int
	// Config is the machine's configuration and media, encoded by the
	// machine (pkg/emu) so that it can be built again and its media checked.
	Config []byte
}

// Disk is the part of one disk a snapshot keeps: the sectors the guest
// changed, in chunks of up to 8 sectors.
type Disk struct {
	Name    string // the drive ("hda", "fda", ...)
	Sectors uint64 // the disk's size, to refuse a different disk on restore
	Chunks  []Chunk
}

// Chunk is up to 8 changed sectors of one aligned 4 KiB group.
type Chunk struct {
	Group uint64 // sectors Group*8 to Group*8+7
	Mask  uint8  // bit i: sector Group*8+i changed; Hash names them in order
	Hash  Hash
}

// record is a snapshot as stored: the page list packed as runs of non-zero
// pages, hashes as raw bytes.
type record struct {
	Info    Info
	Core    []byte
	Devices map[string][]byte
	Memory  []byte // packed page list (packPages)
	Disks   []diskRecord
}

type diskRecord struct {
	Name    string
	Sectors uint64
	Chunks  []byte // per chunk: group (8 bytes), mask (1), hash (32)
}

const chunkRecLen = 8 + 1 + 32

// packPages encodes a page list: the page count, then for each run of
// non-zero pages its start, its length and its hashes.
func packPages(pages []Hash) []byte {
	var b bytes.Buffer
	var u [8]byte
	put := func(v uint32) {
		binary.LittleEndian.PutUint32(u[:4], v)
		b.Write(u[:4])
	}
	put(uint32(len(pages)))
	for i := 0; i < len(pages); {
		if pages[i] == Zero {
			i++
			continue
		}
		j := i
		for j < len(pages) && pages[j] != Zero {
			j++
		}
		put(uint32(i))
		put(uint32(j - i))
		for _, h := range pages[i:j] {
			b.Write(h[:])
		}
		i = j
	}
	return b.Bytes()
}

func unpackPages(b []byte) ([]Hash, error) {
	bad := fmt.Errorf("%w: bad page list", ErrCorrupt)
	if len(b) < 4 {
		return nil, bad
	}
	n := binary.LittleEndian.Uint32(b)
	if uint64(n)*PageSize > 1<<32 {
		return nil, bad
	}
	pages := make([]Hash, n)
	b = b[4:]
	for len(b) > 0 {
		if len(b) < 8 {
			return nil, bad
		}
		start, cnt := binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:])
		b = b[8:]
		if uint64(start)+uint64(cnt) > uint64(n) || uint64(len(b)) < uint64(cnt)*32 {
			return nil, bad
		}
		for i := range cnt {
			copy(pages[start+i][:], b[32*i:])
		}
		b = b[32*cnt:]
	}
	return pages, nil
}

func packDisk(d Disk) diskRecord {
	r := diskRecord{Name: d.Name, Sectors: d.Sectors, Chunks: make([]byte, 0, len(d.Chunks)*chunkRecLen)}
	for _, c := range d.Chunks {
		r.Chunks = binary.LittleEndian.AppendUint64(r.Chunks, c.Group)
		r.Chunks = append(r.Chunks, c.Mask)
		r.Chunks = append(r.Chunks, c.Hash[:]...)
	}
	return r
}

func unpackDisk(r diskRecord) (Disk, error) {
	if len(r.Chunks)%chunkRecLen != 0 {
		return Disk{}, fmt.Errorf("%w: bad chunk list of disk %s", ErrCorrupt, r.Name)
	}
	d := Disk{Name: r.Name, Sectors: r.Sectors, Chunks: make([]Chunk, len(r.Chunks)/chunkRecLen)}
	for i := range d.Chunks {
		b := r.Chunks[i*chunkRecLen:]
		d.Chunks[i].Group = binary.LittleEndian.Uint64(b)
		d.Chunks[i].Mask = b[8]
		copy(d.Chunks[i].Hash[:], b[9:41])
	}
	return d, nil
}

// hashes returns the distinct non-zero hashes a snapshot refers to.
func (s *Snapshot) hashes() map[Hash]struct{} {
	set := make(map[Hash]struct{})
	for _, h := range s.Memory {
		if h != Zero {
			set[h] = struct{}{}
		}
	}
	for _, d := range s.Disks {
		for _, c := range d.Chunks {
			if c.Hash != Zero {
				set[c.Hash] = struct{}{}
			}
		}
	}
	return set
}

func encodeRecord(s *Snapshot) ([]byte, error) {
	r := record{Info: s.Info, Core: s.Core, Devices: s.Devices, Memory: packPages(s.Memory)}
	for _, d := range s.Disks {
		r.Disks = append(r.Disks, packDisk(d))
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(&r); err != nil {
		return nil, fmt.Errorf("pager: encode snapshot: %w", err)
	}
	return b.Bytes(), nil
}

func decodeRecord(b []byte) (*Snapshot, error) {
	var r record
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&r); err != nil {
		return nil, fmt.Errorf("%w: snapshot record: %v", ErrCorrupt, err)
	}
	if r.Info.Format != FormatVersion {
		return nil, fmt.Errorf("%w: snapshot %q has format %d, this do86 reads %d", ErrFormat, r.Info.Name, r.Info.Format, FormatVersion)
	}
	mem, err := unpackPages(r.Memory)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{Info: r.Info, Core: r.Core, Devices: r.Devices, Memory: mem}
	for _, dr := range r.Disks {
		d, err := unpackDisk(dr)
		if err != nil {
			return nil, err
		}
		s.Disks = append(s.Disks, d)
	}
	return s, nil
}

func encodeInfo(i Info) ([]byte, error) {
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(&i)
	return b.Bytes(), err
}

func decodeInfo(b []byte) (Info, error) {
	var i Info
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&i); err != nil {
		return Info{}, fmt.Errorf("%w: snapshot info: %v", ErrCorrupt, err)
	}
	return i, nil
}

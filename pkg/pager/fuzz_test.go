package pager

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"errors"
	"testing"
)

// FuzzDecodeRecord: whatever bytes a store holds as a snapshot record or
// its info, decoding them gives a snapshot or an error wrapping ErrCorrupt
// or ErrFormat, never a panic; the page list it unpacks is bounded by 4 GiB
// of memory whatever the record claims. The seeds run in every `go test`;
// `go test -fuzz FuzzDecodeRecord ./pkg/pager` searches further.
func FuzzDecodeRecord(f *testing.F) {
	h := sha256.Sum256([]byte("page"))
	snap := &Snapshot{
		Info:    Info{Name: "x", Format: FormatVersion, Image: "kolibri", RAM: 1 << 20},
		Core:    []byte("core"),
		Devices: map[string][]byte{"pit": {1, 2, 3}},
		Memory:  []Hash{Zero, h, h, Zero},
		Disks:   []Disk{{Name: "hda", Sectors: 100, Chunks: []Chunk{{Group: 3, Mask: 5, Hash: h}}}},
	}
	rec, err := encodeRecord(snap)
	if err != nil {
		f.Fatal(err)
	}
	info, _ := encodeInfo(snap.Info)
	f.Add(rec)
	f.Add(info)
	f.Add(rec[:len(rec)/2])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeRecord(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v wraps neither ErrCorrupt nor ErrFormat", err)
			}
		} else {
			if uint64(len(s.Memory))*PageSize > 1<<32 {
				t.Fatalf("%d pages", len(s.Memory))
			}
			s.hashes()
			if _, err := encodeRecord(s); err != nil {
				t.Fatalf("a decoded record does not encode: %v", err)
			}
		}
		if _, err := decodeInfo(b); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("info error %v does not wrap ErrCorrupt", err)
		}
	})
}

// FuzzDecodePage: whatever a data value holds, the decoder returns at most
// a page (4 KiB) or an error wrapping ErrCorrupt, never a panic (a deflate
// bomb stops at the bound). The seeds run in every `go test`; `go test
// -fuzz FuzzDecodePage ./pkg/pager` searches further.
func FuzzDecodePage(f *testing.F) {
	page := bytes.Repeat([]byte("do86 page "), PageSize/10+1)[:PageSize]
	var c compressor
	f.Add(c.encode(page, true))
	f.Add(c.encode(page, false))
	var bomb bytes.Buffer
	bomb.WriteByte(encFlate)
	w, _ := flate.NewWriter(&bomb, flate.BestCompression)
	w.Write(make([]byte, 4<<20))
	w.Close()
	f.Add(bomb.Bytes())
	f.Add([]byte{7})
	f.Fuzz(func(t *testing.T, v []byte) {
		var d decoder
		p, err := d.decode(v, Hash{})
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		if len(p) > PageSize {
			t.Fatalf("decoded %d bytes", len(p))
		}
	})
}

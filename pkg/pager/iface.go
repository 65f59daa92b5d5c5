package pager

import (
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// SnapshotStore is where machines are saved to and resumed from: the bbolt
// Store of this package (one file on one computer), or a replicated store
// such as pkg/cluster's on NATS JetStream. pkg/emu takes this interface.
//
// Save writes a snapshot's manifest only after every page it names is
// stored, and replaces the manifest of that name as one step; a store
// shared by several writers does it compare-and-swap. Load returns the
// manifest without pages; ReadPages checks every page against its hash.
type SnapshotStore interface {
	Save(name string, snap *Snapshot) (Stats, error)
	Load(name string) (*Snapshot, error)
	ReadPages(hashes []Hash, fn func(i int, p []byte) error) error
	List() ([]Info, error)
	Delete(name string) error
}

// PageStore is the content-addressed part of a store, in batches: which
// pages it has, storing pages (idempotent: a page it has is not stored
// again, and storing one twice is harmless), and reading them (checked
// against their hashes). Pages are kept compressed (EncodePage). A page
// no snapshot refers to is garbage that the store's collection removes.
type PageStore interface {
	HasPages(hashes []Hash) ([]bool, error)
	PutPages(pages []Page) (PutStats, error)
	ReadPages(hashes []Hash, fn func(i int, p []byte) error) error
}

// Page is a page (or a disk chunk: at most PageSize bytes) and its hash.
type Page struct {
	Hash Hash
	Data []byte
}

// PutStats tell what a PutPages stored.
type PutStats struct {
	Written      int   // pages that were new to the store
	WrittenBytes int64 // their size as stored
}

var (
	_ SnapshotStore = (*Store)(nil)
	_ PageStore     = (*Store)(nil)
)

// HasPages reports, for each hash, whether the store has that page. Zero
// is always had.
func (s *Store) HasPages(hashes []Hash) ([]bool, error) {
	out := make([]bool, len(hashes))
	err := s.view("has", func(tx *bolt.Tx, b *bucketSet) error {
		for i, h := range hashes {
			out[i] = h == Zero || (b != nil && b.index.Get(h[:]) != nil)
		}
		return nil
	})
	return out, err
}

// PutPages stores the pages the store lacks, unreferenced: a Save that
// names them takes them over, and until one does they are garbage that
// GC (or the next interrupted-save recovery) removes.
func (s *Store) PutPages(pages []Page) (PutStats, error) {
	var ps PutStats
	byHash := make(map[Hash][]byte, len(pages))
	for _, p := range pages {
		if p.Hash == Zero {
			continue
		}
		if len(p.Data) > PageSize {
			return ps, fmt.Errorf("pager: page %s has %d bytes, more than a page", p.Hash, len(p.Data))
		}
		byHash[p.Hash] = p.Data
	}
	snap := &Snapshot{Data: func(h Hash) []byte { return byHash[h] }}
	err := s.withDB(modeCreate, "put", func(db *bolt.DB) error {
		return db.Update(func(tx *bolt.Tx) error {
			var st Stats
			for h := range byHash {
				if _, err := s.putPage(tx, h, snap, &st, 0); err != nil {
					return err
				}
			}
			ps.Written, ps.WrittenBytes = st.Written, st.WrittenBytes
			return nil
		})
	})
	return ps, err
}

// codecs are the page encoders and decoders EncodePage and DecodePage
// share.
var (
	encoders sync.Pool
	decoders sync.Pool
)

// EncodePage returns how a store keeps page p: deflated when that saves at
// least an eighth (and compress is set), else as it is, behind one byte
// that says which.
func EncodePage(p []byte, compress bool) []byte {
	c, _ := encoders.Get().(*compressor)
	if c == nil {
		c = new(compressor)
	}
	defer encoders.Put(c)
	return c.encode(p, compress)
}

// DecodePage returns the page that v (made by EncodePage) holds, checked
// against h: a value that does not decode, or whose page does not match its
// hash, is an error wrapping ErrCorrupt. The result is the caller's.
func DecodePage(v []byte, h Hash) ([]byte, error) {
	d, _ := decoders.Get().(*decoder)
	if d == nil {
		d = new(decoder)
	}
	defer decoders.Put(d)
	p, err := d.decode(v, h)
	if err != nil {
		return nil, err
	}
	if HashContent(p) != h {
		return nil, fmt.Errorf("%w: page %s does not match its hash", ErrCorrupt, h)
	}
	return append([]byte(nil), p...), nil
}

// HashContent is the sha256 of b (a page or disk chunk), Zero included: a
// zero page's content hash is not Zero, which only page lists use.
func HashContent(b []byte) Hash { return sha256Sum(b) }

// PackPages encodes a page list compactly (runs of non-zero hashes), as
// the Store keeps it; UnpackPages decodes it.
func PackPages(pages []Hash) []byte { return packPages(pages) }

// UnpackPages decodes what PackPages made: damage is an error wrapping
// ErrCorrupt.
func UnpackPages(b []byte) ([]Hash, error) { return unpackPages(b) }

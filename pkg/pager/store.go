package pager

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Buckets of the store file.
var (
	bucketMeta  = []byte("meta")  // "format": store format; "pending": saves streaming pages
	bucketIndex = []byte("index") // hash → refs (4 bytes) and data key (8 bytes)
	bucketData  = []byte("data")  // data key (big-endian sequence) → encoding byte and bytes
	bucketSnaps = []byte("snaps") // name → record
	bucketInfo  = []byte("info")  // name → Info
)

var (
	keyFormat  = []byte("format")
	keyPending = []byte("pending")
)

// boltPageSize is the store file's page size: large enough that several
// 4 KiB pages fit in one leaf, which the data bucket fills in order.
const boltPageSize = 64 << 10

// Options configure a store.
type Options struct {
	// Compress stores pages deflated (when that saves at least an eighth).
	// Reading handles both, whatever the option.
	Compress bool
	// Timeout is how long an operation waits for another process that
	// reads or writes the store file before it fails with ErrInUse (0: one
	// minute).
	Timeout time.Duration
	// Waiting, when set, is called once by an operation that has to wait
	// for another process, with the store's path: a command says there why
	// it pauses.
	Waiting func(path string)
	// ReadOnly opens the store for reading only: nothing is created (a
	// missing store reads as empty), and Save, Delete and GC fail with
	// ErrReadOnly.
	ReadOnly bool
	// NoSync skips the fsync at each commit (tests; a crash may then lose
	// or damage the store).
	NoSync bool
}

// firstWait is how long an operation waits for the file lock before it
// reports (Options.Waiting) that it waits for another process.
const firstWait = 200 * time.Millisecond

// Store is a store file. It is safe for concurrent use, and several
// processes may use one file at once: the file is open (and locked) only
// during each operation — shared while reading, exclusive while writing —
// so that a long-running process (do86 serve) never keeps others out.
// Saves, deletes and collections run one at a time; an operation that finds
// the file locked by another process waits for it (Options.Timeout).
type Store struct {
	path string
	opts Options

	mu        sync.Mutex // serialises this Store's writers
	writing   atomic.Bool
	closed    atomic.Bool
	broken    atomic.Pointer[error] // set once reading the file faulted
	comp      compressor
	recovered int

	pinMu  sync.Mutex
	pinDB  *bolt.DB // open while pinned (Pin)
	pins   int
	pinned atomic.Bool
}

// DefaultPath is where the store lives unless told otherwise: do86/store.db
// in the user's cache directory.
func DefaultPath() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("pager: no cache directory for the store: %w", err)
	}
	return filepath.Join(d, "do86", "store.db"), nil
}

// Open opens the store at path with pages stored compressed: a KolibriOS
// desktop's 14.5 MiB of pages take 2.8 MiB, for about 1 ms per 100 new
// pages written. The file (and its directory) is created by the first
// save, readable by its owner alone (mode 0600, directory 0700): it holds
// the guests' memory.
func Open(path string) (*Store, error) { return OpenWith(path, Options{Compress: true}) }

// OpenReadOnly opens the store at path for reading (Options.ReadOnly): a
// missing file is an empty store, and nothing is created.
func OpenReadOnly(path string) (*Store, error) {
	return OpenWith(path, Options{ReadOnly: true})
}

// OpenWith opens the store at path. A file that is there is checked at
// once: a damaged or truncated one is an error wrapping ErrCorrupt, one of
// another format ErrFormat. If an earlier process died while streaming
// pages of a save, the pages nothing refers to are collected now (unless
// the store is read-only). A missing file is not created until a save.
func OpenWith(path string, o Options) (*Store, error) {
	if o.Timeout <= 0 {
		o.Timeout = time.Minute
	}
	s := &Store{path: path, opts: o}
	pending := false
	err := s.withDB(modeRead, "open", func(db *bolt.DB) error {
		return db.View(func(tx *bolt.Tx) error {
			b, err := buckets(tx)
			if err == nil && b != nil {
				pending = b.pending()
			}
			return err
		})
	})
	switch {
	case errors.Is(err, errNoFile):
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if pending && !o.ReadOnly {
		// withDB collects the garbage before any write.
		if err := s.withDB(modeWrite, "recover", func(*bolt.DB) error { return nil }); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return s, nil
}

// Recovered returns how many pages of interrupted saves this Store
// collected.
func (s *Store) Recovered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recovered
}

// Path returns the store file's path.
func (s *Store) Path() string { return s.path }

// Exists reports whether the store file is there (a store is created by
// its first save).
func (s *Store) Exists() bool {
	st, err := os.Stat(s.path)
	return err == nil && st.Mode().IsRegular()
}

// Close ends the use of the store: later calls fail. It releases a pin
// still held.
func (s *Store) Close() error {
	s.closed.Store(true)
	s.pinMu.Lock()
	defer s.pinMu.Unlock()
	if s.pinDB != nil {
		err := guardErr("close", s.pinDB.Close)
		s.pinDB, s.pins = nil, 0
		s.pinned.Store(false)
		return err
	}
	return nil
}

// Pin keeps the store file open for reading until unpin is called: the
// Load and ReadPages calls in between see one state of the store, which no
// process (this one included) can change meanwhile — a resume reads the
// snapshot record and then its pages, and a concurrent save or delete of
// that name must not come between. Writers wait until unpin, so pin only
// around reads, and never call Save, Delete or GC on the same goroutine
// while pinned. A missing store pins nothing (reads see it empty).
func (s *Store) Pin() (unpin func(), err error) {
	if s.closed.Load() {
		return nil, errClosed
	}
	s.pinMu.Lock()
	defer s.pinMu.Unlock()
	if s.pinDB == nil {
		db, err := s.openDB(modeRead)
		if errors.Is(err, errNoFile) {
			return func() {}, nil
		}
		if err != nil {
			return nil, err
		}
		s.pinDB = db
		s.pinned.Store(true)
	}
	s.pins++
	var once sync.Once
	return func() {
		once.Do(func() {
			s.pinMu.Lock()
			defer s.pinMu.Unlock()
			if s.pins--; s.pins == 0 && s.pinDB != nil {
				guardErr("close", s.pinDB.Close)
				s.pinDB = nil
				s.pinned.Store(false)
			}
		})
	}, nil
}

func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// entry is an index value: the page's reference count and its data key.
type entry struct {
	refs uint32
	key  uint64
}

func getEntry(idx *bolt.Bucket, h Hash) (entry, bool, error) {
	v := idx.Get(h[:])
	if v == nil {
		return entry{}, false, nil
	}
	if len(v) != 12 {
		return entry{}, false, fmt.Errorf("%w: index entry of page %s", ErrCorrupt, h)
	}
	return entry{binary.BigEndian.Uint32(v), binary.BigEndian.Uint64(v[4:])}, true, nil
}

func putEntry(idx *bolt.Bucket, h Hash, e entry) error {
	v := make([]byte, 12)
	binary.BigEndian.PutUint32(v, e.refs)
	binary.BigEndian.PutUint64(v[4:], e.key)
	return idx.Put(h[:], v)
}

// addPending adds d to the meta counter "pending".
func addPending(tx *bolt.Tx, d int) error {
	meta := tx.Bucket(bucketMeta)
	var n uint32
	if v := meta.Get(keyPending); len(v) == 4 {
		n = binary.BigEndian.Uint32(v)
	}
	n = uint32(max(0, int(n)+d))
	return meta.Put(keyPending, be32(n))
}

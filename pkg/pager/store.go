package pager

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
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
	// Timeout is how long Open waits for another process to close the
	// store (0: one second).
	Timeout time.Duration
	// NoSync skips the fsync at each commit (tests; a crash may then lose
	// or damage the store).
	NoSync bool
}

// Store is an open store file. It is safe for concurrent use; saves,
// deletes and collections run one at a time.
type Store struct {
	db   *bolt.DB
	path string
	opts Options

	mu        sync.Mutex            // serialises writers
	broken    atomic.Pointer[error] // set once a damaged page was met
	comp      compressor
	recovered int
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

// Open opens the store at path, creating it (and its directory) if missing,
// with pages stored compressed: a KolibriOS desktop's 14.5 MiB of pages take
// 2.8 MiB, for about 1 ms per 100 new pages written.
func Open(path string) (*Store, error) { return OpenWith(path, Options{Compress: true}) }

// OpenWith opens the store at path. A damaged or truncated file is an error
// wrapping ErrCorrupt. If an earlier process died while streaming pages of a
// save, the pages nothing refers to are collected now.
func OpenWith(path string, o Options) (*Store, error) {
	if o.Timeout == 0 {
		o.Timeout = time.Second
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("pager: %w", err)
	}
	if st, err := os.Stat(path); err == nil && st.Size() > 0 && st.Size() < 2*1024 {
		return nil, fmt.Errorf("%s: %w (%d bytes, too short for a store)", path, ErrCorrupt, st.Size())
	}
	s := &Store{path: path, opts: o}
	var file *os.File
	err := guard("open", func() error {
		db, err := bolt.Open(path, 0o644, &bolt.Options{
			Timeout:      o.Timeout,
			PageSize:     boltPageSize,
			FreelistType: bolt.FreelistMapType,
			NoSync:       o.NoSync,
			OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
				f, err := os.OpenFile(name, flag, perm)
				file = f
				return f, err
			},
		})
		if err != nil {
			return err
		}
		s.db = db
		return nil
	})
	if err != nil {
		switch {
		case errors.Is(err, ErrCorrupt):
			// bbolt panicked inside Open: free the file (and its lock).
			if file != nil && s.db == nil {
				file.Close()
			}
			return nil, fmt.Errorf("%s: %w", path, err)
		case errors.Is(err, berrors.ErrTimeout):
			return nil, fmt.Errorf("%w: %s", ErrInUse, path)
		case errors.Is(err, fs.ErrPermission), errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("pager: open %s: %w", path, err)
		}
		// Anything else bbolt refuses an existing file for (bad meta pages,
		// checksum, version, a size that is no whole page) is damage.
		return nil, fmt.Errorf("%s: %w (%v)", path, ErrCorrupt, err)
	}
	if err := s.init(); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// init checks the file against its own size, creates the buckets of a new
// store, checks the format and collects the garbage of interrupted saves.
func (s *Store) init() error {
	st, err := os.Stat(s.path)
	if err != nil {
		return err
	}
	pending := false
	err = s.update("open", func(tx *bolt.Tx) error {
		if tx.Size() > st.Size() {
			return fmt.Errorf("%w (truncated: %d bytes, its pages reach %d)", ErrCorrupt, st.Size(), tx.Size())
		}
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			if tx.Bucket(bucketIndex) != nil || tx.Bucket(bucketSnaps) != nil {
				return fmt.Errorf("%w: meta bucket missing", ErrCorrupt)
			}
			var err error
			if meta, err = tx.CreateBucket(bucketMeta); err != nil {
				return err
			}
			if err := meta.Put(keyFormat, be32(FormatVersion)); err != nil {
				return err
			}
		}
		if v := meta.Get(keyFormat); len(v) != 4 || binary.BigEndian.Uint32(v) != FormatVersion {
			return fmt.Errorf("%w: the store file has format %v, this do86 uses %d", ErrFormat, v, FormatVersion)
		}
		for _, b := range [][]byte{bucketIndex, bucketData, bucketSnaps, bucketInfo} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		pending = len(meta.Get(keyPending)) == 4 && binary.BigEndian.Uint32(meta.Get(keyPending)) != 0
		return nil
	})
	if err != nil {
		return err
	}
	if pending {
		n, err := s.collect(true)
		if err != nil {
			return err
		}
		s.recovered = n
	}
	return nil
}

// Recovered returns how many pages of interrupted saves Open collected.
func (s *Store) Recovered() int { return s.recovered }

// Path returns the store file's path.
func (s *Store) Path() string { return s.path }

// Close closes the file; no other call may run or follow.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil
	}
	err := guard("close", s.db.Close)
	s.db = nil
	return err
}

// guard runs f, turning a panic or a memory fault inside it (bbolt meeting a
// damaged or truncated file) into an error wrapping ErrCorrupt.
func guard(op string, f func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w (%s: %v)", ErrCorrupt, op, r)
		}
	}()
	return f()
}

// update and view run a transaction under guard; a damaged file found there
// breaks the store for good.
func (s *Store) update(op string, f func(*bolt.Tx) error) error {
	return s.run(op, func() error { return s.db.Update(f) })
}

func (s *Store) view(op string, f func(*bolt.Tx) error) error {
	return s.run(op, func() error { return s.db.View(f) })
}

func (s *Store) run(op string, f func() error) error {
	if b := s.broken.Load(); b != nil {
		return *b
	}
	if s.db == nil {
		return errors.New("pager: the store is closed")
	}
	err := guard(op, f)
	if errors.Is(err, ErrCorrupt) {
		s.broken.Store(&err)
	}
	return err
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

// addCounter adds d to the meta counter "pending".
func addPending(tx *bolt.Tx, d int) error {
	meta := tx.Bucket(bucketMeta)
	var n uint32
	if v := meta.Get(keyPending); len(v) == 4 {
		n = binary.BigEndian.Uint32(v)
	}
	n = uint32(max(0, int(n)+d))
	return meta.Put(keyPending, be32(n))
}

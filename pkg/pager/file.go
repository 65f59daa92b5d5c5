package pager

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// The store file: opened for each operation, with bbolt's lock (shared to
// read, exclusive to write), and closed again.

// errNoFile: a read of a store whose file does not exist (yet).
var errNoFile = errors.New("pager: no store file")

var errClosed = errors.New("pager: the store is closed")

// mode is how an operation opens the file.
type mode int

const (
	modeRead   mode = iota // shared lock; a missing file is errNoFile
	modeWrite              // exclusive lock; a missing file is errNoFile
	modeCreate             // exclusive lock; creates the file and its directory
)

// withDB opens the file as mode asks, runs fn and closes it again. Every
// write first sets up a new file's buckets, checks the format and collects
// the garbage of a save a dead process left. A fault inside fn (bbolt
// meeting a damaged file) breaks the Store for good.
func (s *Store) withDB(m mode, op string, fn func(db *bolt.DB) error) error {
	if s.closed.Load() {
		return errClosed
	}
	if b := s.broken.Load(); b != nil {
		return *b
	}
	if m != modeRead {
		if s.opts.ReadOnly {
			return ErrReadOnly
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.writing.Store(true)
		defer s.writing.Store(false)
	} else if s.pinned.Load() {
		s.pinMu.Lock()
		db := s.pinDB
		if db != nil {
			defer s.pinMu.Unlock()
			return s.guarded(op, func() error { return fn(db) })
		}
		s.pinMu.Unlock()
	}
	db, err := s.openDB(m)
	if err != nil {
		return err
	}
	defer guardErr("close", db.Close)
	if m != modeRead {
		if err := s.guarded("open", func() error { return s.prepare(db) }); err != nil {
			return err
		}
	}
	return s.guarded(op, func() error { return fn(db) })
}

// openDB opens the store file: read-only with a shared lock, or read-write
// with an exclusive one, waiting for other processes' locks.
func (s *Store) openDB(m mode) (*bolt.DB, error) {
	st, err := os.Stat(s.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if m != modeCreate {
			return nil, errNoFile
		}
		if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
			return nil, fmt.Errorf("pager: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("pager: %w", err)
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("pager: %s is not a regular file", s.path)
	case st.Size() == 0 && m == modeRead:
		return nil, errNoFile // created by a process that died before writing it
	case st.Size() > 0 && st.Size() < 2*1024:
		return nil, fmt.Errorf("%w (%d bytes, too short for a store)", ErrCorrupt, st.Size())
	}
	var file *os.File
	bo := &bolt.Options{
		ReadOnly:     m == modeRead,
		Timeout:      firstWait,
		PageSize:     boltPageSize,
		FreelistType: bolt.FreelistMapType,
		NoSync:       s.opts.NoSync,
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag, perm)
			file = f
			return f, err
		},
	}
	var db *bolt.DB
	open := func() error {
		return guardErr("open", func() error {
			d, err := bolt.Open(s.path, 0o600, bo)
			db = d
			return err
		})
	}
	err = open()
	if errors.Is(err, berrors.ErrTimeout) {
		// Another process has it: say so (not for this process's own
		// writer or pin, which ends soon), and wait.
		ours := s.pinned.Load() || m == modeRead && s.writing.Load()
		if s.opts.Waiting != nil && !ours {
			s.opts.Waiting(s.path)
		}
		bo.Timeout = s.opts.Timeout
		err = open()
	}
	if err != nil {
		switch {
		case errors.Is(err, ErrCorrupt):
			// bbolt panicked inside Open: free the file (and its lock).
			if file != nil && db == nil {
				file.Close()
			}
			return nil, err
		case errors.Is(err, berrors.ErrTimeout):
			return nil, fmt.Errorf("%w: %s (waited %v)", ErrInUse, s.path, firstWait+s.opts.Timeout)
		case errors.Is(err, fs.ErrPermission), errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("pager: open %s: %w", s.path, err)
		}
		// Anything else bbolt refuses an existing file for (bad meta pages,
		// checksum, version, a size that is no whole page) is damage.
		return nil, fmt.Errorf("%w (%v)", ErrCorrupt, err)
	}
	// The file against its own size: a truncated file faults later.
	err = guardErr("open", func() error {
		size := int64(0)
		if st, err := os.Stat(s.path); err == nil {
			size = st.Size()
		}
		return db.View(func(tx *bolt.Tx) error {
			if tx.Size() > size {
				return fmt.Errorf("%w (truncated: %d bytes, its pages reach %d)", ErrCorrupt, size, tx.Size())
			}
			return nil
		})
	})
	if err != nil {
		guardErr("close", db.Close)
		return nil, err
	}
	return db, nil
}

// prepare readies a file opened for writing: the buckets of a new store,
// the format check, and the collection of pages a save left behind when
// its process died (every save holds the file from its first page to its
// commit, so a save marked pending now is a dead one).
func (s *Store) prepare(db *bolt.DB) error {
	var b *bucketSet
	err := db.View(func(tx *bolt.Tx) error {
		var err error
		b, err = buckets(tx)
		if b != nil && b.pending() {
			b = nil // collect below
		}
		return err
	})
	if err != nil || b != nil {
		return err
	}
	pending := false
	err = db.Update(func(tx *bolt.Tx) error {
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
		for _, name := range [][]byte{bucketIndex, bucketData, bucketSnaps, bucketInfo} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		b, err := buckets(tx)
		if err != nil {
			return err
		}
		pending = b.pending()
		return nil
	})
	if err != nil || !pending {
		return err
	}
	n, err := collect(db, true)
	s.recovered += n
	return err
}

// bucketSet is an initialised store's buckets in one transaction.
type bucketSet struct {
	meta, index, data, snaps, info *bolt.Bucket
}

// buckets returns the store's buckets, nil for a file not set up yet (a new
// store, read as empty), or an error for another format or a damaged one.
func buckets(tx *bolt.Tx) (*bucketSet, error) {
	b := &bucketSet{meta: tx.Bucket(bucketMeta), index: tx.Bucket(bucketIndex), data: tx.Bucket(bucketData),
		snaps: tx.Bucket(bucketSnaps), info: tx.Bucket(bucketInfo)}
	if b.meta == nil {
		if b.index != nil || b.snaps != nil {
			return nil, fmt.Errorf("%w: meta bucket missing", ErrCorrupt)
		}
		return nil, nil
	}
	if v := b.meta.Get(keyFormat); len(v) != 4 || binary.BigEndian.Uint32(v) != FormatVersion {
		return nil, fmt.Errorf("%w: the store file has format %v, this do86 uses %d", ErrFormat, v, FormatVersion)
	}
	if b.index == nil || b.data == nil || b.snaps == nil || b.info == nil {
		return nil, fmt.Errorf("%w: a bucket is missing", ErrCorrupt)
	}
	return b, nil
}

// pending reports whether a save was streaming pages.
func (b *bucketSet) pending() bool {
	v := b.meta.Get(keyPending)
	return len(v) == 4 && binary.BigEndian.Uint32(v) != 0
}

// guardErr runs f, turning a panic or a memory fault inside it (bbolt
// meeting a damaged or truncated file) into an error wrapping ErrCorrupt.
func guardErr(op string, f func() error) error {
	err, _ := guard(op, f)
	return err
}

// guard is guardErr that also says whether f faulted.
func guard(op string, f func() error) (err error, faulted bool) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if r := recover(); r != nil {
			err, faulted = fmt.Errorf("%w (%s: %v)", ErrCorrupt, op, r), true
		}
	}()
	return f(), false
}

// guarded runs f under guard; a fault breaks the Store for good (the file
// is damaged where bbolt trusts it: nothing more is read from it).
func (s *Store) guarded(op string, f func() error) error {
	err, faulted := guard(op, f)
	if faulted {
		s.broken.Store(&err)
	}
	return err
}

// view runs a read transaction over the store's buckets; b is nil for a
// store with nothing in it (no file yet, or a new one).
func (s *Store) view(op string, f func(tx *bolt.Tx, b *bucketSet) error) error {
	err := s.withDB(modeRead, op, func(db *bolt.DB) error {
		return db.View(func(tx *bolt.Tx) error {
			b, err := buckets(tx)
			if err != nil {
				return err
			}
			return f(tx, b)
		})
	})
	if errors.Is(err, errNoFile) {
		return f(nil, nil)
	}
	return err
}

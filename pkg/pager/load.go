package pager

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"sort"

	bolt "go.etcd.io/bbolt"
)

// Load reads the snapshot name (without its pages: see ReadPages). A
// snapshot of another format version is an error wrapping ErrFormat.
func (s *Store) Load(name string) (*Snapshot, error) {
	var snap *Snapshot
	err := s.view("load", func(tx *bolt.Tx, b *bucketSet) error {
		if tx == nil {
			return fmt.Errorf("%w: %q (there is no store at %s yet)", ErrNotFound, name, s.path)
		}
		var v []byte
		if b != nil {
			v = b.snaps.Get([]byte(name))
		}
		if v == nil {
			return fmt.Errorf("%w: %q", ErrNotFound, name)
		}
		var err error
		snap, err = decodeRecord(v)
		return err
	})
	return snap, err
}

// ReadPages calls fn with the bytes of every non-zero page in hashes, in
// order, inside one read transaction; p is valid only during the call.
// Every page is checked against its hash as it is read (a sha256 of each,
// about a quarter of what inflating a compressed page costs): a page the
// store lacks or whose bytes do not match is an error wrapping ErrCorrupt,
// and fn never sees it.
func (s *Store) ReadPages(hashes []Hash, fn func(i int, p []byte) error) error {
	return s.view("read", func(tx *bolt.Tx, b *bucketSet) error {
		var d decoder
		for i, h := range hashes {
			if h == Zero {
				continue
			}
			if b == nil {
				return fmt.Errorf("%w: page %s is missing (the store is empty)", ErrCorrupt, h)
			}
			e, ok, err := getEntry(b.index, h)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%w: page %s is missing", ErrCorrupt, h)
			}
			v := b.data.Get(be64(e.key))
			if v == nil {
				return fmt.Errorf("%w: data of page %s is missing", ErrCorrupt, h)
			}
			p, err := d.decode(v, h)
			if err != nil {
				return err
			}
			if sha256.Sum256(p) != h {
				return fmt.Errorf("%w: page %s does not match its hash", ErrCorrupt, h)
			}
			if err := fn(i, p); err != nil {
				return err
			}
		}
		return nil
	})
}

// Verify loads the snapshot name and checks every page it refers to
// against its hash.
func (s *Store) Verify(name string) error {
	unpin, err := s.Pin()
	if err != nil {
		return err
	}
	defer unpin()
	snap, err := s.Load(name)
	if err != nil {
		return err
	}
	var all []Hash
	for h := range snap.hashes() {
		all = append(all, h)
	}
	if err := s.ReadPages(all, func(int, []byte) error { return nil }); err != nil {
		return fmt.Errorf("snapshot %q: %w", name, err)
	}
	return nil
}

// List returns every snapshot's Info, oldest first.
func (s *Store) List() ([]Info, error) {
	var l []Info
	err := s.view("list", func(tx *bolt.Tx, b *bucketSet) error {
		if b == nil {
			return nil
		}
		return b.info.ForEach(func(k, v []byte) error {
			i, err := decodeInfo(v)
			if err != nil {
				return err
			}
			i.Name = string(k)
			l = append(l, i)
			return nil
		})
	})
	sort.Slice(l, func(a, b int) bool {
		if !l[a].Created.Equal(l[b].Created) {
			return l[a].Created.Before(l[b].Created)
		}
		return l[a].Name < l[b].Name
	})
	return l, err
}

// Delete removes the snapshot name and the pages no other snapshot refers
// to, in one transaction.
func (s *Store) Delete(name string) error {
	err := s.withDB(modeWrite, "delete", func(db *bolt.DB) error {
		return db.Update(func(tx *bolt.Tx) error {
			snaps := tx.Bucket(bucketSnaps)
			v := snaps.Get([]byte(name))
			if v == nil {
				return fmt.Errorf("%w: %q", ErrNotFound, name)
			}
			snap, err := decodeRecord(v)
			if err != nil {
				return err
			}
			idx, data := tx.Bucket(bucketIndex), tx.Bucket(bucketData)
			for h := range snap.hashes() {
				if err := release(idx, data, h); err != nil {
					return err
				}
			}
			if err := snaps.Delete([]byte(name)); err != nil {
				return err
			}
			return tx.Bucket(bucketInfo).Delete([]byte(name))
		})
	})
	if errors.Is(err, errNoFile) {
		return fmt.Errorf("%w: %q (there is no store at %s)", ErrNotFound, name, s.path)
	}
	return err
}

// GC deletes pages nothing refers to (left by saves a crash interrupted;
// the next write does this by itself when one was) and returns how many.
func (s *Store) GC() (int, error) {
	n := 0
	err := s.withDB(modeWrite, "gc", func(db *bolt.DB) error {
		var err error
		n, err = collect(db, false)
		return err
	})
	if errors.Is(err, errNoFile) {
		return 0, nil
	}
	return n, err
}

// collect deletes the pages without references; with clear it also resets
// the count of saves in progress (when there are none).
func collect(db *bolt.DB, clear bool) (int, error) {
	n := 0
	err := db.Update(func(tx *bolt.Tx) error {
		idx, data := tx.Bucket(bucketIndex), tx.Bucket(bucketData)
		var dead []Hash
		err := idx.ForEach(func(k, v []byte) error {
			var h Hash
			copy(h[:], k)
			e, _, err := getEntry(idx, h)
			if err != nil {
				return err
			}
			if e.refs == 0 {
				dead = append(dead, h)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, h := range dead {
			if err := release(idx, data, h); err != nil {
				return err
			}
		}
		n = len(dead)
		if clear {
			return tx.Bucket(bucketMeta).Put(keyPending, be32(0))
		}
		return nil
	})
	return n, err
}

// Usage describes the store as a whole.
type Usage struct {
	Snapshots int
	Pages     int   // distinct pages and chunks stored
	Bytes     int64 // their size as stored
	// Referenced sums, over the snapshots, the distinct pages each refers
	// to: Referenced/Pages is the sharing ratio.
	Referenced int64
	FileBytes  int64 // the store file's size
}

// Usage counts what the store holds.
func (s *Store) Usage() (Usage, error) {
	var u Usage
	err := s.view("usage", func(tx *bolt.Tx, b *bucketSet) error {
		if b == nil {
			return nil
		}
		u.Snapshots = b.snaps.Stats().KeyN
		if err := b.index.ForEach(func(k, v []byte) error {
			var h Hash
			copy(h[:], k)
			e, _, err := getEntry(b.index, h)
			u.Pages++
			u.Referenced += int64(e.refs)
			return err
		}); err != nil {
			return err
		}
		return b.data.ForEach(func(k, v []byte) error {
			u.Bytes += int64(len(v) - 1)
			return nil
		})
	})
	if st, e := os.Stat(s.path); e == nil {
		u.FileBytes = st.Size()
	}
	return u, err
}

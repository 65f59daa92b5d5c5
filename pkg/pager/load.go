package pager

import (
	"crypto/sha256"
	"fmt"
	"os"
	"sort"

	bolt "go.etcd.io/bbolt"
)

// Load reads the snapshot name (without its pages: see ReadPages). A
// snapshot of another format version is an error wrapping ErrFormat.
func (s *Store) Load(name string) (*Snapshot, error) {
	var snap *Snapshot
	err := s.view("load", func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSnaps).Get([]byte(name))
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
// order, inside one read transaction; p is valid only during the call. A
// page the store lacks is an error wrapping ErrCorrupt.
func (s *Store) ReadPages(hashes []Hash, fn func(i int, p []byte) error) error {
	return s.view("read", func(tx *bolt.Tx) error {
		idx, data := tx.Bucket(bucketIndex), tx.Bucket(bucketData)
		var d decoder
		for i, h := range hashes {
			if h == Zero {
				continue
			}
			e, ok, err := getEntry(idx, h)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%w: page %s is missing", ErrCorrupt, h)
			}
			v := data.Get(be64(e.key))
			if v == nil {
				return fmt.Errorf("%w: data of page %s is missing", ErrCorrupt, h)
			}
			p, err := d.decode(v, h)
			if err != nil {
				return err
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
	snap, err := s.Load(name)
	if err != nil {
		return err
	}
	var all []Hash
	for h := range snap.hashes() {
		all = append(all, h)
	}
	return s.ReadPages(all, func(i int, p []byte) error {
		if sha256.Sum256(p) != all[i] {
			return fmt.Errorf("%w: page %s of snapshot %q does not match its hash", ErrCorrupt, all[i], name)
		}
		return nil
	})
}

// List returns every snapshot's Info, oldest first.
func (s *Store) List() ([]Info, error) {
	var l []Info
	err := s.view("list", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketInfo).ForEach(func(k, v []byte) error {
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
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.update("delete", func(tx *bolt.Tx) error {
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
}

// GC deletes pages nothing refers to (left by saves a crash interrupted;
// Open does this by itself when one was) and returns how many.
func (s *Store) GC() (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.collect(false)
}

// collect deletes the pages without references; with clear it also resets
// the count of saves in progress (at Open, when there are none).
func (s *Store) collect(clear bool) (int, error) {
	n := 0
	err := s.update("gc", func(tx *bolt.Tx) error {
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
	err := s.view("usage", func(tx *bolt.Tx) error {
		u.Snapshots = tx.Bucket(bucketSnaps).Stats().KeyN
		if err := tx.Bucket(bucketIndex).ForEach(func(k, v []byte) error {
			var h Hash
			copy(h[:], k)
			e, _, err := getEntry(tx.Bucket(bucketIndex), h)
			u.Pages++
			u.Referenced += int64(e.refs)
			return err
		}); err != nil {
			return err
		}
		return tx.Bucket(bucketData).ForEach(func(k, v []byte) error {
			u.Bytes += int64(len(v) - 1)
			return nil
		})
	})
	if st, e := os.Stat(s.path); e == nil {
		u.FileBytes = st.Size()
	}
	return u, err
}

// Package pager is do86's page store: one bbolt file that holds
// content-addressed 4 KiB pages (a sha256 → the bytes, optionally
// compressed; zero pages are never stored), each with a reference count, and
// named snapshots of whole machines that refer to them. Pages are shared by
// every snapshot and every VM that has them, so ten sessions of one guest
// store their common pages once.
//
// Just enough for snapshots: it knows nothing of what the pages mean (the
// machine hashes its memory and decodes its own state blobs), keeps no
// history of a name (saving under a name replaces it), and keeps no file
// open between operations: several processes share a store file, each
// holding bbolt's lock only while it reads (shared) or writes (exclusive).
// Every page read is checked against its hash.
package pager

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
)

// PageSize is the size of a memory page.
const PageSize = 4096

// FormatVersion is the version of the snapshot records this package writes;
// it refuses records of any other.
const FormatVersion = 1

// Hash names a page by its content: the sha256 of its bytes.
type Hash [32]byte

// Zero stands for an all-zero page in a page list. Such pages are not stored.
var Zero Hash

// String returns the first 12 hex digits, for messages.
func (h Hash) String() string { return hex.EncodeToString(h[:6]) }

// HashPage returns the hash of p, or Zero when every byte of p is zero.
func HashPage(p []byte) Hash {
	if IsZero(p) {
		return Zero
	}
	return sha256.Sum256(p)
}

var zeroPage [PageSize]byte

// IsZero reports whether every byte of p is zero.
func IsZero(p []byte) bool {
	for len(p) > 0 {
		n := min(len(p), PageSize)
		if string(p[:n]) != string(zeroPage[:n]) {
			return false
		}
		p = p[n:]
	}
	return true
}

// Errors the store reports.
var (
	// ErrCorrupt: the store file is damaged or truncated. The Store that
	// reported it refuses further work; copy the file away and start anew.
	ErrCorrupt = errors.New("pager: the store file is damaged")
	// ErrNotFound: no snapshot has that name.
	ErrNotFound = errors.New("pager: no such snapshot")
	// ErrFormat: the snapshot or store was written by another format version.
	ErrFormat = errors.New("pager: unsupported format version")
	// ErrInUse: another process held the store file for longer than
	// Options.Timeout.
	ErrInUse = errors.New("pager: the store is in use by another process")
	// ErrReadOnly: a write to a store opened read-only.
	ErrReadOnly = errors.New("pager: the store is open read-only")
)

func sha256Sum(b []byte) Hash { return sha256.Sum256(b) }

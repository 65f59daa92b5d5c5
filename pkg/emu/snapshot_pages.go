package emu

import (
	"crypto/sha256"
	"hash/maphash"

	"github.com/do86/do86/pkg/pager"
)

// pageCache remembers the core memory's page hashes as of the last snapshot
// (or restore), with a cheap fingerprint of each page: a page whose
// fingerprint has not changed keeps its hash without being hashed again,
// so a second snapshot costs a fast pass over memory plus sha256 of the
// pages that changed. (A changed page with an unchanged 64-bit fingerprint
// would keep its old hash: odds of 2^-64 per changed page.)
type pageCache struct {
	seed maphash.Seed
	fp   []uint64
	hash []pager.Hash
}

// hashPages hashes mem page by page and returns the page list, with an
// index from each distinct non-zero hash to a page holding it. It counts
// the pages that were hashed afresh.
func (c *pageCache) hashPages(mem []byte) (list []pager.Hash, where map[pager.Hash]int, hashed int) {
	if c.fp == nil {
		c.seed = maphash.MakeSeed()
	}
	n := len(mem) / pager.PageSize
	list = make([]pager.Hash, n)
	where = make(map[pager.Hash]int)
	fp := make([]uint64, n)
	for i := range n {
		p := mem[i*pager.PageSize : (i+1)*pager.PageSize]
		if pager.IsZero(p) {
			continue
		}
		f := maphash.Bytes(c.seed, p)
		fp[i] = f
		var h pager.Hash
		if i < len(c.fp) && c.fp[i] == f && c.hash[i] != pager.Zero {
			h = c.hash[i]
		} else {
			h = sha256.Sum256(p)
			hashed++
		}
		list[i] = h
		if _, ok := where[h]; !ok {
			where[h] = i
		}
	}
	c.fp, c.hash = fp, list
	return list, where, hashed
}

// remember sets the cache to a restored memory whose page hashes are known.
func (c *pageCache) remember(mem []byte, list []pager.Hash) {
	c.seed = maphash.MakeSeed()
	c.fp = make([]uint64, len(list))
	for i, h := range list {
		if h != pager.Zero && (i+1)*pager.PageSize <= len(mem) {
			c.fp[i] = maphash.Bytes(c.seed, mem[i*pager.PageSize:(i+1)*pager.PageSize])
		}
	}
	c.hash = append([]pager.Hash(nil), list...)
}

package cluster

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/do86/do86/pkg/pager"
)

// Manifests: one KV entry per snapshot name, the sha256 of the body then
// the body (a gob manifest). It names the memory pages (a packed list) and
// the object holding the core's and devices' state and the disks' changed
// chunk lists; the object is named by its own sha256. A manifest is
// replaced compare-and-swap, and never by a save carrying an older lease
// epoch than its own.

// manifestFormat is the manifest layout this package writes and reads.
const manifestFormat = 1

type manifest struct {
	Format int
	Epoch  uint64 // the lease epoch of the node that wrote it
	Node   string // that node, for people
	Info   pager.Info
	Memory []byte // pager.PackPages
	State  string // the state object's name: "state-" + its sha256 in hex
}

// stateObject is what the state object holds.
type stateObject struct {
	Core    []byte
	Devices map[string][]byte
	Disks   []pager.Disk
}

// manifestKey maps a snapshot name to a KV key ('/' is allowed; anything
// else outside [-_=.a-zA-Z0-9] is escaped).
func manifestKey(name string) string {
	var b strings.Builder
	for _, c := range []byte(name) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '/':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "=%02X", c)
		}
	}
	return b.String()
}

func encodeManifest(m *manifest) ([]byte, error) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(m); err != nil {
		return nil, fmt.Errorf("cluster: encoding a manifest: %w", err)
	}
	sum := sha256.Sum256(b.Bytes())
	return append(sum[:], b.Bytes()...), nil
}

// decodeManifest checks a stored manifest against its hash and decodes it.
func decodeManifest(name string, v []byte) (*manifest, error) {
	if len(v) < sha256.Size || sha256.Sum256(v[sha256.Size:]) != [sha256.Size]byte(v[:sha256.Size]) {
		return nil, fmt.Errorf("%w: the manifest of snapshot %q does not match its hash: refused", pager.ErrCorrupt, name)
	}
	var m manifest
	if err := gob.NewDecoder(bytes.NewReader(v[sha256.Size:])).Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: the manifest of snapshot %q does not decode: %v", pager.ErrCorrupt, name, err)
	}
	if m.Format != manifestFormat {
		return nil, fmt.Errorf("%w: snapshot %q has manifest format %d, this do86 reads %d", pager.ErrFormat, name, m.Format, manifestFormat)
	}
	return &m, nil
}

// entry reads the manifest of name: nil (and revision 0) if there is none.
func (s *Store) entry(name string) (*manifest, uint64, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	e, err := s.manifests.Get(ctx, manifestKey(name))
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		return nil, 0, nil
	case err != nil:
		return nil, 0, fmt.Errorf("cluster: reading the manifest of %q: %w", name, err)
	}
	m, err := decodeManifest(name, e.Value())
	return m, e.Revision(), err
}

// put writes m as the manifest of name in place of revision rev (0: none).
func (s *Store) put(name string, m *manifest, rev uint64) error {
	v, err := encodeManifest(m)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	if rev == 0 {
		_, err = s.manifests.Create(ctx, manifestKey(name), v)
	} else {
		_, err = s.manifests.Update(ctx, manifestKey(name), v, rev)
	}
	return err
}

// maxSaveTries bounds how often a save retries a manifest another save
// replaced meanwhile.
const maxSaveTries = 5

func (s *Store) save(name string, snap *pager.Snapshot, epoch uint64) (pager.Stats, error) {
	t0 := time.Now()
	if name == "" {
		return pager.Stats{}, errors.New("cluster: a snapshot needs a name")
	}
	if snap.Data == nil {
		return pager.Stats{}, errors.New("cluster: the snapshot has no Data to read pages from")
	}
	cur, rev, err := s.entry(name)
	if err != nil && !errors.Is(err, pager.ErrCorrupt) && !errors.Is(err, pager.ErrFormat) {
		return pager.Stats{}, err
	}
	if cur != nil && cur.Epoch > epoch {
		return pager.Stats{}, fmt.Errorf("%w: %q was saved with epoch %d, this save has %d", ErrFenced, name, cur.Epoch, epoch)
	}
	info, st, all := pager.SaveInfo(name, snap)

	// The pages: those the last manifest of this name (as this store saw
	// it) named are there; the others are asked for, and stored if missing.
	s.mu.Lock()
	known := s.known[name]
	s.mu.Unlock()
	var ask []pager.Hash
	for _, h := range all {
		if _, ok := known[h]; !ok {
			ask = append(ask, h)
		}
	}
	has, err := s.HasPages(ask)
	if err != nil {
		return st, err
	}
	var put []pager.Page
	for i, h := range ask {
		if !has[i] {
			p := snap.Data(h)
			if p == nil {
				return st, fmt.Errorf("cluster: the snapshot has no data for page %s", h)
			}
			put = append(put, pager.Page{Hash: h, Data: p})
		}
	}
	ps, err := s.PutPages(put)
	if err != nil {
		return st, err
	}
	st.Written, st.WrittenBytes = ps.Written, ps.WrittenBytes

	// The state object, named by its content.
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(stateObject{Core: snap.Core, Devices: snap.Devices, Disks: snap.Disks}); err != nil {
		return st, fmt.Errorf("cluster: encoding the state of %q: %w", name, err)
	}
	sum := sha256.Sum256(b.Bytes())
	obj := "state-" + hex.EncodeToString(sum[:])
	ctx, cancel := s.ctx()
	if _, err := s.objects.GetInfo(ctx, obj); err != nil {
		_, err = s.objects.PutBytes(ctx, obj, b.Bytes())
		if err != nil {
			cancel()
			return st, fmt.Errorf("cluster: storing the state of %q: %w", name, err)
		}
		st.WrittenBytes += int64(b.Len())
	}
	cancel()

	m := &manifest{Format: manifestFormat, Epoch: epoch, Info: info, Memory: pager.PackPages(snap.Memory), State: obj}
	for try := 0; ; try++ {
		err = s.put(name, m, rev)
		if err == nil {
			break
		}
		if try == maxSaveTries {
			return st, fmt.Errorf("cluster: saving the manifest of %q: %w", name, err)
		}
		// Another save replaced it meanwhile: read it again and check the epoch.
		cur, rev, err = s.entry(name)
		if err != nil && !errors.Is(err, pager.ErrCorrupt) && !errors.Is(err, pager.ErrFormat) {
			return st, err
		}
		if cur != nil && cur.Epoch > epoch {
			return st, fmt.Errorf("%w: %q was saved with epoch %d, this save has %d", ErrFenced, name, cur.Epoch, epoch)
		}
	}
	s.remember(name, all)
	st.Duration = time.Since(t0)
	return st, nil
}

// remember records the pages the manifest of name now names.
func (s *Store) remember(name string, hashes []pager.Hash) {
	set := make(map[pager.Hash]struct{}, len(hashes))
	for _, h := range hashes {
		set[h] = struct{}{}
	}
	s.mu.Lock()
	s.known[name] = set
	s.mu.Unlock()
}

func (s *Store) forget(name string) {
	s.mu.Lock()
	delete(s.known, name)
	s.mu.Unlock()
}

// Load reads snapshot name: its manifest (checked against its hash) and its
// state object (checked against its name); its pages are read by
// ReadPages.
func (s *Store) Load(name string) (*pager.Snapshot, error) {
	m, _, err := s.entry(name)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("%w: %q", pager.ErrNotFound, name)
	}
	mem, err := pager.UnpackPages(m.Memory)
	if err != nil {
		return nil, fmt.Errorf("snapshot %q: %w", name, err)
	}
	ctx, cancel := s.ctx()
	defer cancel()
	b, err := s.objects.GetBytes(ctx, m.State)
	if err != nil {
		return nil, fmt.Errorf("%w: snapshot %q: its state object %s: %v", pager.ErrCorrupt, name, m.State, err)
	}
	if sum := sha256.Sum256(b); "state-"+hex.EncodeToString(sum[:]) != m.State {
		return nil, fmt.Errorf("%w: snapshot %q: its state object does not match its hash: refused", pager.ErrCorrupt, name)
	}
	var so stateObject
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&so); err != nil {
		return nil, fmt.Errorf("%w: snapshot %q: its state does not decode: %v", pager.ErrCorrupt, name, err)
	}
	snap := &pager.Snapshot{Info: m.Info, Core: so.Core, Devices: so.Devices, Memory: mem, Disks: so.Disks}
	return snap, nil
}

// ManifestEpoch returns the lease epoch the manifest of name carries (0 and
// false if there is none).
func (s *Store) ManifestEpoch(name string) (uint64, bool, error) {
	m, _, err := s.entry(name)
	if err != nil || m == nil {
		return 0, false, err
	}
	return m.Epoch, true, nil
}

// Claim raises the epoch of the manifest of name to epoch (a node that just
// won the session's lease does it before resuming it), so that the former
// owner's saves are refused from now on. It returns the snapshot's Info.
func (s *Store) Claim(name string, epoch uint64) (pager.Info, error) {
	for try := 0; ; try++ {
		m, rev, err := s.entry(name)
		if err != nil {
			return pager.Info{}, err
		}
		if m == nil {
			return pager.Info{}, fmt.Errorf("%w: %q", pager.ErrNotFound, name)
		}
		if m.Epoch > epoch {
			return pager.Info{}, fmt.Errorf("%w: %q carries epoch %d, the claim %d", ErrFenced, name, m.Epoch, epoch)
		}
		if m.Epoch == epoch {
			return m.Info, nil
		}
		m.Epoch = epoch
		if err := s.put(name, m, rev); err == nil {
			return m.Info, nil
		} else if try == maxSaveTries {
			return pager.Info{}, fmt.Errorf("cluster: claiming the manifest of %q: %w", name, err)
		}
	}
}

func (s *Store) delete(name string, epoch uint64) error {
	for try := 0; ; try++ {
		m, rev, err := s.entry(name)
		if err != nil && !errors.Is(err, pager.ErrCorrupt) && !errors.Is(err, pager.ErrFormat) {
			return err
		}
		if rev == 0 {
			return fmt.Errorf("%w: %q", pager.ErrNotFound, name)
		}
		if m != nil && m.Epoch > epoch {
			return fmt.Errorf("%w: %q carries epoch %d, the delete %d", ErrFenced, name, m.Epoch, epoch)
		}
		ctx, cancel := s.ctx()
		err = s.manifests.Delete(ctx, manifestKey(name), jetstream.LastRevision(rev))
		cancel()
		if err == nil {
			s.forget(name)
			return nil
		}
		if try == maxSaveTries {
			return fmt.Errorf("cluster: deleting the manifest of %q: %w", name, err)
		}
	}
}

// List returns every snapshot's Info, oldest first; a damaged manifest is
// listed with its name alone.
func (s *Store) List() ([]pager.Info, error) {
	names, err := s.names()
	if err != nil {
		return nil, err
	}
	var out []pager.Info
	for _, n := range names {
		m, _, err := s.entry(n)
		switch {
		case err != nil:
			out = append(out, pager.Info{Name: n})
		case m != nil:
			out = append(out, m.Info)
		}
	}
	sortInfos(out)
	return out, nil
}

// names lists the snapshot names in the store.
func (s *Store) names() ([]string, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	l, err := s.manifests.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	defer l.Stop()
	var out []string
	for k := range l.Keys() {
		out = append(out, unescapeKey(k))
	}
	return out, nil
}

func unescapeKey(k string) string {
	var b strings.Builder
	for i := 0; i < len(k); i++ {
		if k[i] == '=' && i+2 < len(k) {
			if v, err := hex.DecodeString(k[i+1 : i+3]); err == nil {
				b.WriteByte(v[0])
				i += 2
				continue
			}
		}
		b.WriteByte(k[i])
	}
	return b.String()
}

package snapstate

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Schemas record, by kind, the version and schema hash of each state: the
// golden file tests compare the running code's states with, so that a State
// struct cannot change shape without a version bump.
type Schemas map[string]Recorded

// Recorded is one kind's entry in Schemas.
type Recorded struct {
	Version int
	Hash    string // SchemaHash of the version's struct
}

// ReadSchemas reads a golden file of lines "kind version hash"; blank lines
// and lines starting with # are comments.
func ReadSchemas(path string) (Schemas, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s := Schemas{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, fmt.Errorf("%s:%d: want \"kind version hash\"", path, n)
		}
		v, err := strconv.Atoi(f[1])
		if err != nil || v < 1 {
			return nil, fmt.Errorf("%s:%d: bad version %q", path, n, f[1])
		}
		if _, dup := s[f[0]]; dup {
			return nil, fmt.Errorf("%s:%d: %s twice", path, n, f[0])
		}
		s[f[0]] = Recorded{v, f[2]}
	}
	return s, sc.Err()
}

// WriteSchemas writes s to path in kind order under the comment header.
func WriteSchemas(path, header string, s Schemas) error {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(header), "\n") {
		b.WriteString("# " + l + "\n")
	}
	for _, k := range slices.Sorted(maps.Keys(s)) {
		fmt.Fprintf(&b, "%s %d %s\n", k, s[k].Version, s[k].Hash)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// Check compares a state of kind at version with its record. It fails when
// the state's shape changed but its version did not (bump the version), and
// when the record is missing or of another version (update the record with
// update, the command that rewrites the golden file). A version may only
// grow.
func (s Schemas) Check(kind string, version int, state any, update string) (Recorded, error) {
	h, err := SchemaHash(state)
	if err != nil {
		return Recorded{}, fmt.Errorf("%s: %v", kind, err)
	}
	now := Recorded{version, h}
	was, ok := s[kind]
	switch {
	case !ok:
		return now, fmt.Errorf("%s: no schema recorded for this kind: run %s", kind, update)
	case version == was.Version && h != was.Hash:
		return now, fmt.Errorf("%s: its State changed shape but is still version %d: bump the version its StateKind returns (a snapshot of the old shape must be refused, not misread), then run %s",
			kind, version, update)
	case version < was.Version:
		return now, fmt.Errorf("%s: version %d is older than the recorded %d: versions only grow", kind, version, was.Version)
	case version > was.Version:
		return now, fmt.Errorf("%s: version %d is not recorded (the golden file has %d): run %s", kind, version, was.Version, update)
	}
	return now, nil
}

// Bumpable reports whether err from Check is one that rewriting the golden
// file settles: a new kind or a new version. A changed shape without a
// bump, an older version or a State that is not plain are never settled by
// an update.
func Bumpable(s Schemas, kind string, now Recorded) bool {
	was, ok := s[kind]
	return !ok || now.Version > was.Version
}

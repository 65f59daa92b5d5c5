package emu

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"reflect"

	"github.com/do86/do86/internal/bus"
)

// busState keeps a bus.Stateful device in a snapshot's device blobs: a
// header naming the state's kind and version, then the State struct,
// both gob-encoded. A blob of another kind or version is refused, naming
// the device.
type busState struct{ d bus.Stateful }

type stateHeader struct {
	Kind    string
	Version int
}

func (b busState) Save() ([]byte, error) {
	kind, version := b.d.StateKind()
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	if err := enc.Encode(stateHeader{kind, version}); err != nil {
		return nil, err
	}
	if err := enc.Encode(b.d.SaveState()); err != nil {
		return nil, fmt.Errorf("%s: %w", kind, err)
	}
	return buf.Bytes(), nil
}

func (b busState) Load(p []byte) error {
	kind, version := b.d.StateKind()
	dec := gob.NewDecoder(bytes.NewReader(p))
	var h stateHeader
	if err := dec.Decode(&h); err != nil {
		return fmt.Errorf("%s: snapshot: %w", kind, err)
	}
	if h.Kind != kind || h.Version != version {
		return fmt.Errorf("the snapshot's %s is state version %d of %q; this do86's %s is version %d", kind, h.Version, h.Kind, kind, version)
	}
	// A fresh State: gob leaves out zero fields, which must load as zero.
	st := reflect.New(reflect.TypeOf(b.d.SaveState()).Elem()).Interface()
	if err := dec.Decode(st); err != nil {
		return fmt.Errorf("%s: snapshot: %w", kind, err)
	}
	return b.d.LoadState(st)
}

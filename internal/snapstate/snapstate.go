// Package snapstate is how a snapshot keeps one device's state: an Envelope
// holding the state's kind, its version and the gob encoding of the device's
// State struct (bus.Stateful), and the schema of such a struct — its shape,
// which a version names.
//
// A machine saves each stateful device with Save under the device's instance
// name and restores it with Load, which refuses a state of another kind or
// version with a message naming the device: a state is only ever decoded
// into the very struct shape it was encoded from.
package snapstate

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"reflect"

	"github.com/do86/do86/internal/bus"
)

// Envelope is one device's state as a snapshot keeps it.
type Envelope struct {
	Kind    string // the state's kind ("i8254", "uart16550"), bus.Stateful's StateKind
	Version int    // the version of the state's struct
	State   []byte // the gob encoding of the State struct
}

// Pack encodes state, a pointer to a plain struct, in an envelope of kind
// and version.
func Pack(kind string, version int, state any) (Envelope, error) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(state); err != nil {
		return Envelope{}, fmt.Errorf("%s: encoding its state: %w", kind, err)
	}
	return Envelope{Kind: kind, Version: version, State: b.Bytes()}, nil
}

// Unpack decodes the envelope's state into into, a pointer to a zero State
// struct, after checking that the envelope holds kind at version. name is
// the device's instance name, for the errors.
func (e Envelope) Unpack(name, kind string, version int, into any) error {
	if e.Kind != kind {
		return fmt.Errorf("device %s is of kind %s, the snapshot's %s of kind %s: it was made of a machine configured differently",
			name, kind, name, e.Kind)
	}
	if e.Version != version {
		return &VersionError{Name: name, Kind: kind, Saved: e.Version, Running: version}
	}
	if err := gob.NewDecoder(bytes.NewReader(e.State)).Decode(into); err != nil {
		return fmt.Errorf("device %s (%s): its state does not decode: %v", name, kind, err)
	}
	return nil
}

// VersionError is a device state whose version is not the running code's.
type VersionError struct {
	Name, Kind     string
	Saved, Running int
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("device %s (%s) has state version %d, this do86 reads version %d: boot again and save a new snapshot",
		e.Name, e.Kind, e.Saved, e.Running)
}

// Marshal encodes an envelope.
func (e Envelope) Marshal() ([]byte, error) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(e); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Unmarshal decodes an envelope Marshal made; name is the device's instance
// name, for the error.
func Unmarshal(name string, b []byte) (Envelope, error) {
	var e Envelope
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&e); err != nil {
		return e, fmt.Errorf("device %s: its state does not decode: %v", name, err)
	}
	return e, nil
}

// Save returns a device's state as a snapshot keeps it: its envelope,
// marshalled.
func Save(d bus.Stateful) ([]byte, error) {
	kind, version := d.StateKind()
	e, err := Pack(kind, version, d.SaveState())
	if err != nil {
		return nil, err
	}
	return e.Marshal()
}

// Decode returns the state in what Save returned of a device of d's kind
// and version, as a pointer of the type d's SaveState returns, for d's
// LoadState; name is d's instance name, for the errors. It leaves d alone,
// so that a machine can check every device's state before loading any.
func Decode(name string, d bus.Stateful, b []byte) (any, error) {
	e, err := Unmarshal(name, b)
	if err != nil {
		return nil, err
	}
	kind, version := d.StateKind()
	s := New(d)
	if err := e.Unpack(name, kind, version, s); err != nil {
		return nil, err
	}
	return s, nil
}

// Load restores into d what Save returned (see Decode).
func Load(name string, d bus.Stateful, b []byte) error {
	s, err := Decode(name, d, b)
	if err != nil {
		return err
	}
	return Restore(name, d, s)
}

// Restore hands d a state Decode returned, naming the device in an error.
func Restore(name string, d bus.Stateful, state any) error {
	if err := d.LoadState(state); err != nil {
		kind, _ := d.StateKind()
		return fmt.Errorf("device %s (%s): %w", name, kind, err)
	}
	return nil
}

// New returns a pointer to a new zero State of the type d's SaveState
// returns. A state decodes into a zero struct only: gob leaves alone the
// fields it does not send, which are the zero ones.
func New(d bus.Stateful) any {
	return reflect.New(reflect.TypeOf(d.SaveState()).Elem()).Interface()
}
